/**
 * Resolves a presented bearer access token (RFC 6750) to what it stands for, for our own
 * Bearer-protected routes (Environment API, Genesys userinfo, sign-out); no argon2.
 *
 * With a {@link BearerTokensRepository} (the app's choice): one statement reads the token, its
 * grant's liveness and its user (repositories/bearer-tokens.repository.ts), then the client comes
 * from the in-process client cache, and the payload gets the checks oidc-provider's
 * `AccessToken.find` would apply (model, `exp`, `nbf`). Without one: oidc-provider's
 * AccessToken / ClientCredentials / Grant models, one read each.
 */
import type Provider from 'oidc-provider';
import type { UserWithContext } from '../domain/user.ts';
import type { BearerTokensRepository } from '../repositories/bearer-tokens.repository.ts';
import { digestToken } from '../security/tokens.ts';
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
  /**
   * The user behind `accountId` as read with the token (null: no such user, or not a user
   * account); absent when the lookup did not read it (then ask principals.findByAccountId).
   */
  user?: UserWithContext | null;
}

export type TokenLookup = (token: string) => Promise<ResolvedToken | undefined>;

/**
 * Builds the lookup over a provider's AccessToken and ClientCredentials models.
 * @param source the provider, or a function returning the live one (the provider is rebuilt when
 *   signing keys change: src/oauth/keys.ts).
 */
export function createTokenLookup(source: Provider | (() => Provider), bearerTokens?: BearerTokensRepository): TokenLookup {
  const current = typeof source === 'function' ? source : () => source;
  if (bearerTokens) return (token) => lookupInOneStatement(current, bearerTokens, token);
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

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** The one-statement lookup (module comment). */
async function lookupInOneStatement(current: () => Provider, bearerTokens: BearerTokensRepository, token: string): Promise<ResolvedToken | undefined> {
  if (typeof token !== 'string' || token.length < 20 || token.length > 2048) return undefined;
  const row = await bearerTokens.find(digestToken(token));
  if (!row || !row.grantLive) return undefined;
  const p = row.payload;
  // what oidc-provider's find + verify check for an opaque token (models/base_model.js, helpers/jwt.js assertPayload)
  const nowSeconds = Math.floor(Date.now() / 1000);
  if (p.kind !== row.model || ('format' in p && p.format !== 'opaque')) return undefined;
  if (typeof p.exp !== 'number' || p.exp <= nowSeconds) return undefined;
  if (p.nbf !== undefined && (typeof p.nbf !== 'number' || p.nbf > nowSeconds)) return undefined;
  const clientId = str(p.clientId);
  if (!clientId) return undefined;
  const client = await current().Client.find(clientId);
  if (!client) return undefined;
  const isAccess = row.model === 'AccessToken';
  return {
    kind: isAccess ? 'access_token' : 'client_credentials',
    accountId: isAccess ? str(p.accountId) : undefined,
    clientId,
    scope: typeof p.scope === 'string' ? p.scope : '',
    grantId: str(p.grantId),
    client: client as unknown as CcauthClientExtras,
    exp: p.exp,
    user: isAccess ? row.user : null,
  };
}
