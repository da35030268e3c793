/**
 * Resolves a presented bearer access token (RFC 6750) to what it stands for, for our own
 * Bearer-protected routes (Environment API, Genesys userinfo). One adapter read per model tried,
 * plus the client lookup; no argon2.
 */
import type Provider from 'oidc-provider';
import type { CcauthClientExtras } from './client-metadata.ts';

/** A live access token. `accountId` is absent for client-credentials tokens. */
export interface ResolvedToken {
  kind: 'access_token' | 'client_credentials';
  accountId: string | undefined;
  clientId: string;
  scope: string;
  grantId: string | undefined;
  client: CcauthClientExtras;
  /** Expiry, epoch seconds. */
  exp: number;
}

export type TokenLookup = (token: string) => Promise<ResolvedToken | undefined>;

/**
 * Builds the lookup over a provider's AccessToken and ClientCredentials models.
 * @param source the provider, or a function returning the live one (the provider is rebuilt when
 *   signing keys change: src/oauth/keys.ts).
 */
export function createTokenLookup(source: Provider | (() => Provider)): TokenLookup {
  const current = typeof source === 'function' ? source : () => source;
  return async (token) => {
    if (typeof token !== 'string' || token.length < 20 || token.length > 2048) return undefined;
    const provider = current();
    const at = (await provider.AccessToken.find(token)) ?? (await provider.ClientCredentials.find(token));
    if (!at || at.isExpired || !at.clientId) return undefined;
    const client = await provider.Client.find(at.clientId);
    if (!client) return undefined;
    const isAccess = at.kind === 'AccessToken';
    if (isAccess) {
      // the grant must still exist (revoked grants take their tokens with them)
      const grantId = (at as { grantId?: string }).grantId;
      if (grantId && !(await provider.Grant.find(grantId))) return undefined;
    }
    return {
      kind: isAccess ? 'access_token' : 'client_credentials',
      accountId: isAccess ? (at as { accountId?: string }).accountId : undefined,
      clientId: at.clientId,
      scope: at.scope ?? '',
      grantId: (at as { grantId?: string }).grantId,
      client: client as unknown as CcauthClientExtras,
      exp: at.exp ?? 0,
    };
  };
}
