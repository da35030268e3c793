/**
 * SQL for `sso_requests` and `saml_assertion_ids` (migrations/023_single_sign_on.ts): the sign-ins
 * ccauth sent to an identity provider, and the IDs of SAML assertions already accepted. Every
 * state change is one conditional UPDATE/INSERT, so two processes (or a replayed response) can
 * never both win.
 */
import type { Knex } from 'knex';

/** A pending sign-in as the answer handler needs it. */
export interface SsoRequest {
  id: string;
  ccid: string;
  interactionUid: string;
  /** Per-protocol values (OIDC: the sealed PKCE verifier and nonce). */
  state: Record<string, string>;
}

/** Repository over `sso_requests` and `saml_assertion_ids`. */
export function createSsoRequestsRepository(db: Knex) {
  return {
    /** Records a sign-in sent to the IdP, valid for `ttlSeconds`. */
    async insert(r: SsoRequest, ttlSeconds: number): Promise<void> {
      await db('sso_requests').insert({
        id: r.id,
        ccid: r.ccid,
        interaction_uid: r.interactionUid,
        state: JSON.stringify(r.state),
        expires_at: db.raw(`now() + make_interval(secs => ?)`, [ttlSeconds]),
      });
    },

    /** A pending (unanswered, unexpired) request of `ccid`, if any. */
    async findPending(ccid: string, id: string): Promise<SsoRequest | undefined> {
      const row = (await db('sso_requests')
        .select('id', 'ccid', 'interaction_uid', 'state')
        .where({ id, ccid })
        .whereNull('responded_at')
        .where('expires_at', '>', db.fn.now())
        .first()) as { id: string; ccid: string; interaction_uid: string; state: Record<string, string> } | undefined;
      return row ? { id: row.id, ccid: row.ccid, interactionUid: row.interaction_uid, state: row.state } : undefined;
    },

    /**
     * Marks a pending request answered, with the account that signed in (null: refused). Returns
     * false when it was already answered or has expired (the caller refuses the answer).
     */
    async answer(ccid: string, id: string, accountId: string | null): Promise<boolean> {
      const rows = await db('sso_requests')
        .where({ id, ccid })
        .whereNull('responded_at')
        .where('expires_at', '>', db.fn.now())
        .update({ responded_at: db.fn.now(), account_id: accountId }, ['id']);
      return rows.length > 0;
    },

    /**
     * Takes the accepted answer of an interaction (once): the account id and contact center, or
     * undefined when there is none (never answered, refused, already taken, expired).
     */
    async consumeAnswer(interactionUid: string): Promise<{ accountId: string; ccid: string } | undefined> {
      const [row] = (await db('sso_requests')
        .where({ interaction_uid: interactionUid })
        .whereNotNull('account_id')
        .whereNull('consumed_at')
        .where('expires_at', '>', db.fn.now())
        .update({ consumed_at: db.fn.now() }, ['account_id', 'ccid'])) as { account_id: string; ccid: string }[];
      return row ? { accountId: row.account_id, ccid: row.ccid } : undefined;
    },

    /**
     * Records an accepted IdP-initiated sign-in (no interaction yet) for `clientId`, valid for
     * `ttlSeconds`; `id` is the digest of the one-time token the browser carries.
     */
    async insertIdpInitiated(id: string, ccid: string, clientId: string, accountId: string, ttlSeconds: number): Promise<void> {
      await db('sso_requests').insert({
        id,
        ccid,
        interaction_uid: '',
        state: JSON.stringify({ clientId }),
        account_id: accountId,
        responded_at: db.fn.now(),
        expires_at: db.raw(`now() + make_interval(secs => ?)`, [ttlSeconds]),
      });
    },

    /** Takes an IdP-initiated sign-in for `clientId` (once), binding it to `interactionUid`. */
    async consumeIdpInitiated(id: string, clientId: string, interactionUid: string): Promise<{ accountId: string; ccid: string } | undefined> {
      const [row] = (await db('sso_requests')
        .where({ id, interaction_uid: '' })
        .whereRaw(`state->>'clientId' = ?`, [clientId])
        .whereNotNull('account_id')
        .whereNull('consumed_at')
        .where('expires_at', '>', db.fn.now())
        .update({ consumed_at: db.fn.now(), interaction_uid: interactionUid }, ['account_id', 'ccid'])) as { account_id: string; ccid: string }[];
      return row ? { accountId: row.account_id, ccid: row.ccid } : undefined;
    },

    /**
     * Remembers an accepted SAML assertion ID until `expiresAt`; false when it was seen before
     * (a replay).
     */
    async rememberAssertion(ccid: string, assertionId: string, expiresAt: Date): Promise<boolean> {
      const rows = await db('saml_assertion_ids').insert({ ccid, assertion_id: assertionId, expires_at: expiresAt }).onConflict(['ccid', 'assertion_id']).ignore().returning(['assertion_id']);
      return rows.length > 0;
    },

    /** Deletes expired requests and assertion IDs; returns how many rows went. */
    async purgeExpired(): Promise<number> {
      const a = await db('sso_requests').where('expires_at', '<', db.raw(`now() - interval '1 hour'`)).delete();
      const b = await db('saml_assertion_ids').where('expires_at', '<', db.fn.now()).delete();
      return a + b;
    },
  };
}

export type SsoRequestsRepository = ReturnType<typeof createSsoRequestsRepository>;
