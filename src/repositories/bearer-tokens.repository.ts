/**
 * The Bearer-token read of ccauth's own resource routes (Genesys userinfo, OIDC userinfo, the
 * Environment API, sign-out; src/oauth/token-lookup.ts): one statement finds the live access token
 * or client-credentials token by the digest of its value, says whether its grant still lives, and
 * brings the user behind it with the contact center's environment. It replaces an access-token
 * read, a client-credentials read, a grant read and a user read, one after the other (issue 6:
 * userinfo runs on every chat message, seed 002).
 *
 * - Token: `oidc_payloads` row of model `AccessToken` or `ClientCredentials` with `id_digest` =
 *   SHA-256 of the token (base64url, security/tokens.ts), not expired (`expires_at`).
 * - Grant (RFC 6749 §10.4 / RFC 7009 §2.1: revoking a grant revokes its tokens): the row of model
 *   `Grant` whose `id_digest` is the digest of the token's `grant_id`, computed in SQL the way
 *   security/tokens.ts does (`sha256`, base64 → base64url without padding), not expired.
 * - User: `users` row for an account id `user:<uuid>` (domain/user.ts), joined to its contact
 *   center for `environment_id`; absent for `ops` and client-credentials tokens.
 * PostgreSQL runs it as a named prepared statement; PGlite through knex.
 */
import type { Knex } from 'knex';
import type { UserWithContext } from '../domain/user.ts';
import { runPrepared } from './payload-writer.ts';
import { sqlTokenDigest, sqlUserId } from './sql-digest.ts';
import { toUser } from './users.repository.ts';
import type { UserRow } from './users.repository.ts';

const STATEMENT_NAME = 'ccauth_bearer_token_find';

const FIND_SQL = `SELECT t.model, t.payload,
  (t.grant_id IS NULL OR EXISTS (
    SELECT 1 FROM oidc_payloads g
    WHERE g.model = 'Grant'
      AND g.id_digest = ${sqlTokenDigest('t.grant_id')}
      AND (g.expires_at IS NULL OR g.expires_at > now())
  )) AS grant_live,
  u.id, u.ccid, u.username, u.dbid, u.first_name, u.last_name, u.email, u.authorities, u.properties, u.enabled, u.must_change_password, u.password_changed_at, u.created_at,
  c.environment_id
FROM oidc_payloads t
LEFT JOIN users u ON u.id = ${sqlUserId('t.account_id')}
LEFT JOIN contact_centers c ON c.id = u.ccid
WHERE t.model IN ('AccessToken', 'ClientCredentials') AND t.id_digest = $1
  AND (t.expires_at IS NULL OR t.expires_at > now())
LIMIT 1`;

/** A stored Bearer token as {@link BearerTokensRepository.find} reads it. */
export interface BearerTokenRow {
  model: 'AccessToken' | 'ClientCredentials';
  /** oidc-provider's stored payload (without `jti`). */
  payload: Record<string, unknown>;
  /** False when the token names a grant that is gone or expired (revoked). */
  grantLive: boolean;
  /** The user of a `user:<uuid>` account (disabled ones included), or null. */
  user: UserWithContext | null;
}

export interface BearerTokensRepository {
  /**
   * The live token whose value digests to `idDigest`, or undefined.
   * @throws the driver's error (database unavailable: db/errors.ts)
   */
  find(idDigest: string): Promise<BearerTokenRow | undefined>;
}

type Row = UserRow & { model: BearerTokenRow['model']; payload: Record<string, unknown>; grant_live: boolean; id: string | null };

/** Creates the repository over `knex` (PostgreSQL: prepared statement; PGlite: knex.raw). */
export function createBearerTokensRepository(knex: Knex): BearerTokensRepository {
  const postgres = (knex.client as { config?: { client?: unknown } }).config?.client === 'pg';
  return {
    async find(idDigest) {
      const rows = (
        postgres
          ? await runPrepared(knex, { name: STATEMENT_NAME, text: FIND_SQL, values: [idDigest], method: 'select' })
          : ((await knex.raw(FIND_SQL.replace('$1', '?'), [idDigest])) as { rows: unknown[] }).rows
      ) as Row[];
      const r = rows[0];
      if (!r) return undefined;
      return {
        model: r.model,
        payload: r.payload,
        grantLive: r.grant_live === true,
        user: r.id ? { ...toUser(r), environmentId: r.environment_id! } : null,
      };
    },
  };
}
