/**
 * oidc-provider adapter over PostgreSQL (design.md §3).
 *
 * - Every model but `Client` lives in `oidc_payloads`, keyed by `(model, sha256(id))`. The id of an
 *   opaque token *is* the token, so it is never stored: `jti` is stripped from the payload and
 *   `find(id)` puts it back.
 * - `consume` is one atomic UPDATE; when no row changed (already consumed, or consumed by a
 *   concurrent request) it throws `InvalidGrant`, so a code or refresh token redeemed concurrently
 *   yields exactly one token set.
 * - `Client` is served read-only from the `clients` table through {@link ClientSource}.
 * - A DeviceCode (RFC 8628) is also looked up by its user code, when oidc-provider needs the device
 *   code itself back (to update the row): that one id is kept in the payload sealed with AES-256-GCM
 *   (`opts.idSealer`), never in clear, and removed from every payload handed out.
 * - Destroying a Grant also destroys its child grants (token exchange for another client:
 *   repositories/grant-links.repository.ts).
 */
import { errors } from 'oidc-provider';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Knex } from 'knex';
import { createOidcPayloadsRepository } from '../repositories/oidc-payloads.repository.ts';
import { createPayloadReader } from '../repositories/payload-reader.ts';
import { createPayloadWriter } from '../repositories/payload-writer.ts';
import { createPayloadUpdater } from '../repositories/payload-updater.ts';
import { createGrantLinksRepository } from '../repositories/grant-links.repository.ts';
import type { PayloadUpdater } from '../repositories/payload-updater.ts';
import type { PayloadRow } from '../repositories/oidc-payloads.repository.ts';
import type { PayloadRowWithGrant } from '../repositories/payload-reader.ts';
import { digestToken } from '../security/tokens.ts';
import { currentRequest, prefetchedGrants, prefetchedRows, prefetchedUsers, tokenLookups } from './request-prefetch.ts';
import { deferWrite } from './write-behind.ts';

/** Payload key of a sealed id (models looked up by user code). */
const SEALED_ID = 'ccauthSealedId';
/** Models whose id is kept sealed in the payload. */
const SEALED_ID_MODELS: ReadonlySet<string> = new Set(['DeviceCode']);

/** Supplies client metadata (oidc-provider shape) by client_id. */
export interface ClientSource {
  findClientMetadata(clientId: string): Promise<AdapterPayload | undefined>;
}

/**
 * Rebuilds the payload oidc-provider expects. A refresh token consumed less than `graceMs` ago is
 * reported as not consumed, so oidc-provider's reuse detection does not fire for a concurrent
 * duplicate; that duplicate then loses the atomic `consume` and gets the sealed successor
 * (src/oauth/grants/refresh-token.ts).
 */
function restore(model: string, id: string, row: PayloadRow | undefined, graceMs: number): AdapterPayload | undefined {
  if (!row) return undefined;
  const { [SEALED_ID]: _sealed, ...stored } = row.payload as AdapterPayload & { [SEALED_ID]?: string };
  const payload = { ...stored, jti: id } as AdapterPayload;
  if (row.consumed_at) {
    const consumedMs = new Date(row.consumed_at).getTime();
    const inGrace = model === 'RefreshToken' && Date.now() - consumedMs <= graceMs;
    if (!inGrace) payload.consumed = Math.floor(consumedMs / 1000);
  }
  return payload;
}

/**
 * The models oidc-provider's introspection and revocation look a presented token up in, all at
 * once (helpers/token_find.js: AccessToken, ClientCredentials and RefreshToken in parallel).
 */
const TOKEN_MODELS: readonly string[] = ['AccessToken', 'ClientCredentials', 'RefreshToken'];
const TOKEN_MODEL_SET = new Set(TOKEN_MODELS);
/** Routes whose token lookups go out as one key for the three models (see {@link TOKEN_MODELS}). */
const TOKEN_FIND_ROUTES = new Set(['introspection', 'revocation']);

/**
 * Returns the adapter class oidc-provider instantiates once per model name.
 * @param knex the database; @param clients where Client metadata comes from;
 * @param opts.refreshGraceSeconds the refresh-token rotation grace window (seconds).
 */
export function createAdapterClass(
  knex: Knex,
  clients: ClientSource,
  opts: { refreshGraceSeconds?: number; updater?: PayloadUpdater; idSealer?: { seal(s: string): string; open(s: string): string | undefined } } = {},
) {
  const graceMs = (opts.refreshGraceSeconds ?? 0) * 1000;
  const repo = createOidcPayloadsRepository(knex);
  // token-path reads and writes go out batched under load (one statement for concurrent requests)
  const writer = createPayloadWriter(knex);
  const reader = createPayloadReader(knex);
  const updater = opts.updater ?? createPayloadUpdater(knex);
  const grantLinks = createGrantLinksRepository(knex);

  return class PostgresAdapter implements Adapter {
    /**
     * Reads a row now, inside an oidc-provider request, and keeps it for that request's next
     * `find` of the same model and id (one statement instead of two when a grant handler looks at
     * a token before oidc-provider does: grants/refresh-token.ts). Returns the row's consumption
     * time (null: not consumed) or undefined when there is no live row. Outside a request it only reads.
     */
    static async prefetch(model: string, id: string): Promise<{ consumedAt: Date | null } | undefined> {
      const digest = digestToken(id);
      const row = await reader.find(model, digest);
      const ctx = currentRequest();
      if (ctx) prefetchedRows.put(ctx, `${model}\0${digest}`, row);
      return row ? { consumedAt: row.consumed_at ? new Date(row.consumed_at) : null } : undefined;
    }

    readonly model: string;
    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      if (this.model === 'Client') throw new Error('clients are managed through the ops API');
      tokenLookups.forget(currentRequest());
      if (this.model === 'Grant') prefetchedGrants.forget(currentRequest());
      const { jti: _jti, ...stored } = payload;
      // RFC 8628: the device code must be recoverable from its user code (module comment)
      if (SEALED_ID_MODELS.has(this.model) && opts.idSealer) (stored as Record<string, unknown>)[SEALED_ID] = opts.idSealer.seal(id);
      const write = writer.upsert({
        model: this.model,
        idDigest: digestToken(id),
        payload: stored as Record<string, unknown>,
        grantId: payload.grantId ?? null,
        uid: payload.uid ?? null,
        userCode: payload.userCode ?? null,
        clientId: payload.clientId ?? (payload as { kind?: string; clientId?: string }).clientId ?? null,
        accountId: payload.accountId ?? null,
        expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
      });
      // inside persistBeforeResponse (write-behind.ts) the grant handler awaits it before answering
      if (!deferWrite(currentRequest(), write)) await write;
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return clients.findClientMetadata(id);
      const digest = digestToken(id);
      const ctx = currentRequest();
      if (this.model === 'Grant') {
        const grant = prefetchedGrants.take(ctx, digest);
        if (grant.hit) return restore(this.model, id, grant.value ?? undefined, graceMs);
      }
      const ahead = prefetchedRows.take(ctx, `${this.model}\0${digest}`);
      const row = ahead.hit ? ahead.value : await this.read(ctx, id, digest);
      if (ctx && row) {
        const { grantId, accountId } = row.payload as { grantId?: unknown; accountId?: unknown };
        if (row.grant !== undefined && typeof grantId === 'string') prefetchedGrants.put(ctx, digestToken(grantId), row.grant);
        if (row.user !== undefined && typeof accountId === 'string') prefetchedUsers.put(ctx, accountId, row.user);
      }
      return restore(this.model, id, row, graceMs);
    }

    /**
     * Reads the live row of this model. Inside an introspection or revocation request, a token
     * model's lookup asks for the token in all three token models as one key, once per request,
     * and the other two models' lookups of the same token (which oidc-provider makes at the same
     * moment) take their answer from it: one key and one digest instead of three, and without the
     * user row (neither endpoint asks for the account). Each model
     * takes its answer once; a later lookup, or any write in the request, reads again.
     */
    private async read(ctx: object | undefined, id: string, digest: string): Promise<PayloadRowWithGrant | undefined> {
      const route = (ctx as { oidc?: { route?: string } } | undefined)?.oidc?.route;
      if (!ctx || !TOKEN_MODEL_SET.has(this.model) || route === undefined || !TOKEN_FIND_ROUTES.has(route)) return reader.find(this.model, digest);
      // introspection and revocation never ask for the account: the token comes without its user
      const shared = tokenLookups.take(ctx, digest, this.model, TOKEN_MODELS, () => reader.findIn(TOKEN_MODELS, digest, { withUser: false }));
      return (await shared).get(this.model);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const row = await repo.findByUid(this.model, uid);
      if (!row) return undefined;
      // Sessions are looked up by uid; their jti is kept by oidc-provider only for sessions,
      // which we also store by digest, so return the payload without it.
      return { ...(row.payload as AdapterPayload) };
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const row = await repo.findByUserCode(this.model, userCode);
      if (!row) return undefined;
      const { [SEALED_ID]: sealed, ...payload } = row.payload as AdapterPayload & { [SEALED_ID]?: string };
      const id = typeof sealed === 'string' ? opts.idSealer?.open(sealed) : undefined;
      // without its id oidc-provider would save the device code's approval under a new one
      return id ? { ...payload, jti: id } : undefined;
    }

    async consume(id: string): Promise<void> {
      tokenLookups.forget(currentRequest());
      const ok = await updater.consume(this.model, digestToken(id));
      if (!ok) throw new errors.InvalidGrant('grant request is invalid');
    }

    async destroy(id: string): Promise<void> {
      tokenLookups.forget(currentRequest());
      if (this.model === 'Grant') {
        prefetchedGrants.forget(currentRequest());
        // grants made by token exchange for other clients die with the grant they came from (RFC 8693)
        await Promise.all([repo.destroy(this.model, digestToken(id)), grantLinks.deleteChildren(id)]);
        return;
      }
      await repo.destroy(this.model, digestToken(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      tokenLookups.forget(currentRequest());
      prefetchedGrants.forget(currentRequest());
      await repo.revokeByGrantId(grantId, this.model);
    }
  };
}
