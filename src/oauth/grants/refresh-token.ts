/**
 * The refresh_token grant (RFC 6749 §6) with rotation, reuse detection and a grace window
 * (OAuth 2.0 Security BCP, RFC 9700 §4.14.2).
 *
 * oidc-provider's own handler does the work (rotation is on; presenting an already-rotated refresh
 * token revokes the whole grant). Around it:
 * - after a successful rotation, the response is sealed (AES-256-GCM) onto the rotated token's row
 *   for `graceSeconds`;
 * - a duplicate of that refresh (the same token again, e.g. a retry or a concurrent request from
 *   the same client) arriving within the window gets the same successor instead of killing the
 *   family — with `expires_in` reduced by the time elapsed;
 * - a concurrent duplicate that loses the atomic `consume` race waits (up to `waitMs`) for the
 *   winner's sealed response;
 * - after the window, reuse revokes the grant (oidc-provider's behaviour).
 *
 * DPoP (RFC 9449 §5): oidc-provider's handler checks the proof, a public client's bound refresh
 * token against it, and binds the new access token. A duplicate inside the grace window gets the
 * successor only with a valid, unused proof of the key that successor's access token is bound to
 * (none when it is unbound): the stolen old refresh token of a DPoP client, replayed without the
 * private key, gets nothing (`invalid_grant`; a malformed, replayed or missing-but-required proof
 * is `invalid_dpop_proof`).
 */
import { errors } from 'oidc-provider';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import * as builtin from 'oidc-provider/lib/actions/grants/refresh_token.js';
import { boundGrantHelpers } from './builtin-helpers.ts';
import type { OidcPayloadsRepository } from '../../repositories/oidc-payloads.repository.ts';
import type { PayloadUpdater } from '../../repositories/payload-updater.ts';
import { digestToken } from '../../security/tokens.ts';
import { persistBeforeResponse } from '../write-behind.ts';
import { asDpopProofError } from '../dpop.ts';
import type { ValidatedProof } from './dpop-binding.ts';

/** Symmetric sealing of short-lived secrets (AES-256-GCM). `open` returns undefined when tampered. */
export interface Sealer {
  seal(plaintext: string): string;
  open(sealed: string): string | undefined;
}

export interface RefreshGraceOptions {
  /** Seconds a rotated refresh token's successor may be handed out again (0 disables). */
  graceSeconds: number;
  /** Longest wait, in milliseconds, for a concurrent winner's sealed response. */
  waitMs?: number;
}

interface SealedSuccessor {
  clientId: string;
  /** RFC 7638 thumbprint of the key the successor's access token is bound to (DPoP); absent when unbound. */
  jkt?: string;
  /** Epoch milliseconds when the successor was issued. */
  issuedAtMs: number;
  body: Record<string, unknown>;
}

export const REFRESH_TOKEN_PARAMETERS = [...builtin.parameters];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Creates the wrapped handler bound to `provider`. */
export function createRefreshTokenHandler(
  provider: Provider,
  deps: {
    /** Rotation state reads, and the successor write (batched: repositories/payload-updater.ts). */
    repo: Pick<OidcPayloadsRepository, 'findSuccessor'> & Pick<PayloadUpdater, 'setSuccessor'>;
    /**
     * Reads the presented token's row once for this request: the grace check looks at its
     * consumption and oidc-provider's own lookup then gets the same row without a statement
     * (adapter.ts `prefetch`). Without it the grace check reads on its own.
     */
    prefetch?: (model: string, id: string) => Promise<{ consumedAt: Date | null } | undefined>;
    sealer: Sealer;
    options: RefreshGraceOptions;
    /**
     * Checks the request's `resource` (RFC 8707 §2) before anything else: oidc-provider checks it only
     * after rotating the refresh token, so a refused resource would cost the client its refresh token.
     * @throws errors.InvalidTarget
     */
    checkResource?: (ctx: KoaContextWithOIDC) => void;
  },
) {
  const helpers = boundGrantHelpers(provider);
  const dpop = helpers as unknown as {
    validateDpop(ctx: KoaContextWithOIDC): Promise<ValidatedProof | undefined>;
    checkDpopRequired(ctx: KoaContextWithOIDC, proof: ValidatedProof | undefined, ErrorClass: unknown): void;
    checkDpopReplay(ctx: KoaContextWithOIDC, proof: ValidatedProof | undefined, clientId: string, ErrorClass: unknown): Promise<void>;
  };
  const { graceSeconds } = deps.options;
  const waitMs = deps.options.waitMs ?? 3000;

  /** Answers with the sealed successor: 'replayed', 'pending' (not sealed yet) or 'gone' (row revoked). */
  async function replay(ctx: KoaContextWithOIDC, idDigest: string): Promise<'replayed' | 'pending' | 'gone'> {
    const state = await deps.repo.findSuccessor('RefreshToken', idDigest);
    if (!state || !state.consumedAt) return 'gone';
    if (!state.sealed) return 'pending';
    const opened = deps.sealer.open(state.sealed);
    if (!opened) return 'gone';
    const successor = JSON.parse(opened) as SealedSuccessor;
    if (successor.clientId !== ctx.oidc.client!.clientId) throw new errors.InvalidGrant('client mismatch');
    // the proof of this request was validated (and its jti recorded) before; it must be of the successor's key
    const proof = await dpop.validateDpop(ctx);
    if ((successor.jkt ?? undefined) !== proof?.thumbprint) throw new errors.InvalidGrant('DPoP proof key does not match the rotated refresh');
    const elapsed = Math.floor((Date.now() - successor.issuedAtMs) / 1000);
    const body = { ...successor.body };
    if (typeof body.expires_in === 'number') body.expires_in = Math.max(body.expires_in - elapsed, 0);
    ctx.body = body;
    ctx.oidc.provider.emit('grant.success', ctx);
    return 'replayed';
  }

  /** Waits for the sealed successor of a token consumed within the window; true when replayed. */
  async function awaitSuccessor(ctx: KoaContextWithOIDC, idDigest: string): Promise<boolean> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const outcome = await replay(ctx, idDigest);
      if (outcome === 'replayed') return true;
      // a revoked grant takes the rotated row with it: nothing will ever be sealed
      if (outcome === 'gone' || Date.now() >= deadline) return false;
      await sleep(25);
    }
  }

  /** True when the token was rotated less than `graceSeconds` ago. */
  async function rotatedWithinGrace(idDigest: string): Promise<boolean> {
    const state = await deps.repo.findSuccessor('RefreshToken', idDigest);
    return recentlyConsumed(state?.consumedAt);
  }

  const recentlyConsumed = (consumedAt: Date | null | undefined) => !!consumedAt && Date.now() - consumedAt.getTime() <= graceSeconds * 1000;

  return async function refreshTokenGrant(ctx: KoaContextWithOIDC): Promise<void> {
    deps.checkResource?.(ctx);
    const presented = (ctx.oidc.params as { refresh_token?: unknown }).refresh_token;
    const idDigest = graceSeconds > 0 && typeof presented === 'string' && presented ? digestToken(presented) : undefined;
    const withinGrace = idDigest
      ? deps.prefetch
        ? recentlyConsumed((await deps.prefetch('RefreshToken', presented as string))?.consumedAt)
        : await rotatedWithinGrace(idDigest)
      : false;
    if (idDigest && withinGrace) {
      // A duplicate of a refresh that already rotated (or is rotating right now): same successor,
      // for a valid, unused proof of the same key (checked in replay()).
      const proof = await dpop.validateDpop(ctx);
      dpop.checkDpopRequired(ctx, proof, errors.InvalidDpopProof);
      await dpop.checkDpopReplay(ctx, proof, ctx.oidc.client!.clientId, errors.InvalidDpopProof);
      if (await awaitSuccessor(ctx, idDigest)) return;
      throw new errors.InvalidGrant('refresh token already used');
    }
    try {
      // the new refresh token and the access token are written together, committed before the answer
      await persistBeforeResponse(ctx, () => builtin.handler(provider, helpers, ctx));
    } catch (err) {
      // Lost the atomic consume race to a concurrent duplicate: hand out the winner's response.
      if (idDigest && err instanceof errors.InvalidGrant && (await rotatedWithinGrace(idDigest)) && (await awaitSuccessor(ctx, idDigest))) return;
      throw asDpopProofError(err);
    }
    if (idDigest && ctx.oidc.entities.RotatedRefreshToken) {
      const jkt = (ctx.oidc.entities.AccessToken as { jkt?: string } | undefined)?.jkt;
      const successor: SealedSuccessor = { clientId: ctx.oidc.client!.clientId, ...(jkt ? { jkt } : {}), issuedAtMs: Date.now(), body: ctx.body as Record<string, unknown> };
      await deps.repo.setSuccessor('RefreshToken', idDigest, deps.sealer.seal(JSON.stringify(successor)), new Date(Date.now() + graceSeconds * 1000));
    }
  };
}
