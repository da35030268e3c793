/**
 * The Bearer-token read of ccauth's own resource routes (Genesys userinfo, OIDC userinfo, the
 * Environment API, sign-out; src/oauth/token-lookup.ts): one key of the batched token statement
 * (payload-reader.ts) finds the live access token or client-credentials token by the digest of its
 * value, says whether its grant still lives, and brings the user behind it with the contact
 * center's environment. It replaces an access-token read, a client-credentials read, a grant read
 * and a user read, one after the other (docs/performance.md "Performance": userinfo runs on every chat message),
 * and concurrent requests share one statement.
 *
 * - Token: `oidc_payloads` row of model `AccessToken` or `ClientCredentials` with `id_digest` =
 *   SHA-256 of the token (base64url, security/tokens.ts), not expired (`expires_at`).
 * - Grant (RFC 6749 §10.4 / RFC 7009 §2.1: revoking a grant revokes its tokens): the row of model
 *   `Grant` whose `id_digest` is the digest of the token's `grant_id`, computed in SQL the way
 *   security/tokens.ts does (`sha256`, base64 → base64url without padding), not expired.
 * - User: `users` row for an account id `user:<uuid>` (domain/user.ts), joined to its contact
 *   center for `environment_id`; absent for `ops` and client-credentials tokens.
 */
import type { Knex } from 'knex';
import type { UserWithContext } from '../domain/user.ts';
import { createPayloadReader } from './payload-reader.ts';
import type { PayloadReader } from './payload-reader.ts';

/** The models a Bearer access token is stored under (opaque access tokens, client-credentials tokens). */
const BEARER_MODELS = ['AccessToken', 'ClientCredentials'] as const;

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

/**
 * Creates the repository over `knex`: lookups go through a batched token reader of their own
 * (payload-reader.ts: PostgreSQL prepared statement, PGlite knex.raw), so concurrent Bearer
 * requests share statements as the token endpoint's do. `reader` is for tests.
 */
export function createBearerTokensRepository(knex: Knex, reader: PayloadReader = createPayloadReader(knex)): BearerTokensRepository {
  return {
    async find(idDigest) {
      const rows = await reader.findIn(BEARER_MODELS, idDigest);
      const model = BEARER_MODELS.find((m) => rows.has(m));
      if (!model) return undefined;
      const row = rows.get(model)!;
      return {
        model,
        payload: row.payload as Record<string, unknown>,
        // the reader brings the grant's live row (null: gone or expired) for a token that names one
        grantLive: row.grant !== null,
        user: row.user ?? null,
      };
    },
  };
}
