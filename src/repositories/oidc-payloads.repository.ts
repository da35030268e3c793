/**
 * SQL for `oidc_payloads`, the storage behind oidc-provider's adapter (design.md §3).
 * Rows are keyed by `(model, id_digest)`; ids never reach this table in clear.
 */
import type { Knex } from 'knex';
import { digestToken } from '../security/tokens.ts';
import { queryPrepared } from './payload-writer.ts';

export interface PayloadRow {
  payload: Record<string, unknown>;
  consumed_at: Date | null;
  expires_at: Date | null;
}

export interface UpsertPayload {
  model: string;
  idDigest: string;
  payload: Record<string, unknown>;
  grantId: string | null;
  uid: string | null;
  userCode: string | null;
  clientId: string | null;
  accountId: string | null;
  /** Absolute expiry; null for rows that do not expire. */
  expiresAt: Date | null;
}

/** Repository over `oidc_payloads`. */
export function createOidcPayloadsRepository(db: Knex) {
  const live = (q: Knex.QueryBuilder) => q.andWhere((w) => w.whereNull('expires_at').orWhere('expires_at', '>', db.fn.now()));

  return {
    /** Insert or replace one row. */
    async upsert(p: UpsertPayload): Promise<void> {
      await db('oidc_payloads')
        .insert({
          model: p.model,
          id_digest: p.idDigest,
          payload: JSON.stringify(p.payload),
          grant_id: p.grantId,
          uid: p.uid,
          user_code: p.userCode,
          client_id: p.clientId,
          account_id: p.accountId,
          expires_at: p.expiresAt,
        })
        .onConflict(['model', 'id_digest'])
        .merge(['payload', 'grant_id', 'uid', 'user_code', 'client_id', 'account_id', 'expires_at']);
    },

    /** The live (unexpired) row for an id digest. */
    async find(model: string, idDigest: string): Promise<PayloadRow | undefined> {
      return live(db('oidc_payloads').select('payload', 'consumed_at', 'expires_at').where({ model, id_digest: idDigest })).first();
    },

    /** The live row with this uid (sessions). Returns its id digest too. */
    async findByUid(model: string, uid: string): Promise<PayloadRow | undefined> {
      return live(db('oidc_payloads').select('payload', 'consumed_at', 'expires_at').where({ model, uid })).first();
    },

    /** The live row with this user code (device flow). */
    async findByUserCode(model: string, userCode: string): Promise<PayloadRow | undefined> {
      return live(db('oidc_payloads').select('payload', 'consumed_at', 'expires_at').where({ model, user_code: userCode })).first();
    },

    // consume and the refresh successor write: payload-updater.ts (batched across requests)

    /**
     * Records a one-time value (DPoP proof `jti`: oauth/dpop.ts) in one atomic statement: inserts
     * the row, or takes over a row with that digest whose `expires_at` has passed (not purged yet).
     * @returns true when recorded now, false when a live row already held it (a replay).
     */
    async insertOnce(model: string, idDigest: string, payload: Record<string, unknown>, clientId: string, expiresAt: Date): Promise<boolean> {
      const rows = await db('oidc_payloads')
        .insert({ model, id_digest: idDigest, payload: JSON.stringify(payload), client_id: clientId, expires_at: expiresAt })
        .onConflict(['model', 'id_digest'])
        .merge(['payload', 'client_id', 'expires_at'])
        .where('oidc_payloads.expires_at', '<=', db.fn.now())
        .returning(['id_digest']);
      return rows.length === 1;
    },

    async destroy(model: string, idDigest: string): Promise<void> {
      await db('oidc_payloads').where({ model, id_digest: idDigest }).delete();
    },

    /**
     * Deletes the rows of one model that belong to a grant (oidc-provider calls this once per
     * token model; the Grant itself goes through `destroy`). Without `model`, every row of the grant.
     */
    async revokeByGrantId(grantId: string, model?: string): Promise<number> {
      const q = db('oidc_payloads').where({ grant_id: grantId });
      if (model) q.andWhere({ model });
      return (await q.delete(['id_digest'])).length;
    },

    /** Deletes every row issued to a client (tokens, codes, grants, client-credentials tokens). */
    async revokeByClientId(clientId: string): Promise<number> {
      return (await db('oidc_payloads').where({ client_id: clientId }).delete(['id_digest'])).length;
    },

    /** Deletes every row held by an account (all of its grants and tokens). */
    async revokeByAccountId(accountId: string): Promise<number> {
      return (await db('oidc_payloads').where({ account_id: accountId }).delete(['id_digest'])).length;
    },

    /**
     * Deletes every row held by an account except the grant `keepGrantId` (its Grant row, stored
     * under the digest of its id, and the tokens linked to it): the account's other grants, tokens
     * and sessions.
     */
    async revokeByAccountIdExceptGrant(accountId: string, keepGrantId: string): Promise<number> {
      const deleted = await db('oidc_payloads')
        .where({ account_id: accountId })
        .andWhere((w) => w.whereNull('grant_id').orWhereNot('grant_id', keepGrantId))
        .andWhereNot((w) => w.where('model', 'Grant').andWhere('id_digest', digestToken(keepGrantId)))
        .delete(['id_digest']);
      return deleted.length;
    },

    /** The rotation state of a row: when it was consumed and its sealed successor while the grace window lasts. */
    async findSuccessor(model: string, idDigest: string): Promise<{ consumedAt: Date | null; sealed: string | null } | undefined> {
      const [row] = (await queryPrepared(db, {
        name: 'ccauth_oidc_payloads_find_successor',
        text: 'SELECT consumed_at, CASE WHEN successor_expires_at > now() THEN successor_sealed END AS sealed FROM oidc_payloads WHERE model = $1 AND id_digest = $2',
        values: [model, idDigest],
        method: 'select',
      })) as Array<{ consumed_at: Date | string | null; sealed: string | null }>;
      return row ? { consumedAt: row.consumed_at ? new Date(row.consumed_at) : null, sealed: row.sealed ?? null } : undefined;
    },

    /** Drops sealed successors whose grace window is over; returns how many. */
    async clearExpiredSuccessors(): Promise<number> {
      const rows = await db('oidc_payloads').whereNotNull('successor_sealed').andWhere('successor_expires_at', '<', db.fn.now()).update({ successor_sealed: null, successor_expires_at: null }, ['id_digest']);
      return rows.length;
    },

    /**
     * Deletes up to `batchSize` expired rows; returns how many went. Call in a loop until it
     * returns less than `batchSize`.
     */
    async purgeExpired(batchSize: number): Promise<number> {
      const res = await db.raw(
        `DELETE FROM oidc_payloads WHERE ctid IN (
           SELECT ctid FROM oidc_payloads WHERE expires_at < now() LIMIT ?)`,
        [batchSize],
      );
      return Number((res as { rowCount?: number; affectedRows?: number }).rowCount ?? (res as { affectedRows?: number }).affectedRows ?? 0);
    },
  };
}

export type OidcPayloadsRepository = ReturnType<typeof createOidcPayloadsRepository>;

/** The single-use record of {@link createOidcPayloadsRepository}'s `insertOnce`. */
export type ReplayStore = Pick<OidcPayloadsRepository, 'insertOnce'>;
