/**
 * Resolves a presented bearer access token (RFC 6750) to what it stands for, for our own
 * Bearer-protected routes (Environment API, Genesys userinfo, sign-out); no argon2.
 *
 * One statement reads the token, its grant's liveness and its user
 * (repositories/bearer-tokens.repository.ts); the client comes from the in-process client cache,
 * and the payload gets the checks oidc-provider's `AccessToken.find` would apply (model, `exp`,
 * `nbf`, opaque format).
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
  /** RFC 7638 thumbprint of the DPoP key the token is bound to (`cnf.jkt`, RFC 9449 §6); absent when unbound. */
  jkt: string | undefined;
  /** The user behind `accountId`, read with the token (null: no such user, or not a user account). */
  user: UserWithContext | null;
}

export type TokenLookup = (token: string) => Promise<ResolvedToken | undefined>;

/**
 * Builds the lookup (module comment).
 * @param source the provider, or a function returning the live one (the provider is rebuilt when
 *   signing keys change: src/oauth/keys.ts); its Client model (in-process cache) answers the client.
 * @param bearerTokens the one-statement token read (repositories/bearer-tokens.repository.ts).
 */
export function createTokenLookup(source: Provider | (() => Provider), bearerTokens: BearerTokensRepository): TokenLookup {
  const current = typeof source === 'function' ? source : () => source;
  return (token) => lookupInOneStatement(current, bearerTokens, token);
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
    jkt: str(p.jkt),
    user: isAccess ? row.user : null,
  };
}
