/**
 * Sign-out (genesys-api.md §2 A7, A8): revocation of what a token or a browser session stands for,
 * as rows of `oidc_payloads` (design.md §3). The grant of a token carries its access and refresh
 * tokens and codes (`grant_id`); an account's rows are every grant, token, code and session it holds.
 */
import type { Knex } from 'knex';
import { createOidcPayloadsRepository } from '../repositories/oidc-payloads.repository.ts';
import { digestToken } from '../security/tokens.ts';

/** Revocations behind `/auth/v3/sign-out`. */
export interface SignOutService {
  /** Deletes a grant and every token and code issued under it. Idempotent. */
  revokeGrant(grantId: string): Promise<void>;
  /** Deletes every grant, token, code and session of an account (`global=true`). Idempotent. */
  revokeAccount(accountId: string): Promise<void>;
  /**
   * Deletes one token by its value, for tokens without a grant (client-credentials tokens).
   * @param model the oidc-provider model name the token lives under.
   */
  revokeToken(model: 'AccessToken' | 'ClientCredentials', token: string): Promise<void>;
}

/** Builds the service over `oidc_payloads`. */
export function createSignOutService(deps: { knex: Knex }): SignOutService {
  const repo = createOidcPayloadsRepository(deps.knex);
  return {
    async revokeGrant(grantId) {
      await deps.knex.transaction(async (trx) => {
        const r = createOidcPayloadsRepository(trx);
        await r.revokeByGrantId(grantId);
        await r.destroy('Grant', digestToken(grantId));
      });
    },
    async revokeAccount(accountId) {
      await repo.revokeByAccountId(accountId);
    },
    async revokeToken(model, token) {
      await repo.destroy(model, digestToken(token));
    },
  };
}
