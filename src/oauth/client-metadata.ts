/**
 * Maps a stored {@link Client} to oidc-provider client metadata (design.md §3).
 *
 * - `client_secret` is the argon2id PHC string; {@link installClientSecretVerifier} compares
 *   presented secrets against it, so only `client_secret_basic`/`_post` and `none` are possible.
 * - A CONFIDENTIAL client registers `client_secret_basic`; oidc-provider then also accepts
 *   `client_secret_post` (and refuses both at once). A PUBLIC client registers `none`.
 * - Scopes: a Genesys client's `["*"]` means any scope: its OIDC `scope` lists every scope the
 *   provider declares ({@link DECLARED_SCOPES}), so `openid profile email offline_access` pass
 *   oidc-provider's check at the authorization endpoint. A restricted client's OIDC `scope` is
 *   `openid offline_access` plus the declared scopes in its list. The whole Genesys list rides in
 *   `ccauth_scopes`; API scopes (undeclared) are checked against it by oauth/scopes.ts.
 * - Genesys lifetimes and flags ride in extra metadata (`ccauth_*`).
 * - During a secret rotation's grace period (issue 4) the previous secret's hash and its expiry
 *   (epoch ms) ride in `ccauth_previous_secret_hash` / `ccauth_previous_secret_expires_at`;
 *   client-auth.ts accepts the previous secret only while that expiry is in the future.
 * - Registered keys (`jwks` inline or `jwks_uri`) ride as the standard metadata; they verify
 *   `private_key_jwt` client assertions (RFC 7523 §2.2; oidc-provider's own client
 *   authentication, which fetches and caches `jwks_uri`, refetching for an unknown `kid`) and
 *   jwt-bearer grant assertions (RFC 7523 §2.1; grants/jwt-bearer.ts). A `private_key_jwt` client
 *   carries no `client_secret`.
 * - `require_pushed_authorization_requests` (RFC 9126 §6) is the standard metadata too.
 */
import type { ClientMetadata } from 'oidc-provider';
import { SERVED_GRANT_TYPES, effectiveAuthMethod } from '../domain/client.ts';
import type { Client } from '../domain/client.ts';

/** Extra client metadata properties registered with oidc-provider. */
export const EXTRA_CLIENT_METADATA = [
  'ccauth_access_token_ttl',
  'ccauth_refresh_token_ttl',
  'ccauth_internal',
  'ccauth_authorities',
  'ccauth_scopes',
  'ccauth_contact_center_ids',
  'ccauth_pkce_required',
  'ccauth_access_token_format',
  'ccauth_previous_secret_hash',
  'ccauth_previous_secret_expires_at',
] as const;

/** Typed view of the extra metadata on an oidc-provider Client instance. */
export interface CcauthClientExtras {
  clientId: string;
  ccauth_access_token_ttl: number;
  ccauth_refresh_token_ttl: number;
  ccauth_internal: boolean;
  ccauth_authorities: string[];
  ccauth_scopes: string[];
  ccauth_contact_center_ids: string[];
  ccauth_pkce_required: boolean;
  ccauth_access_token_format: 'opaque' | 'jwt';
  /** argon2id PHC string of the rotated-out secret; absent when no grace period is running. */
  ccauth_previous_secret_hash?: string;
  /** Epoch milliseconds at which the previous secret stops working; absent with the hash. */
  ccauth_previous_secret_expires_at?: number;
}

/** The scope a client asking for nothing (or for `*`) gets when its scope list is `["*"]`. */
export const ANY_SCOPE = '*';

/**
 * Every scope the provider declares (oidc-provider `scopes`; `profile` and `email` carry the claims
 * of OIDC Core §5.4), listed in discovery's `scopes_supported`. Any other scope is an API scope.
 */
export const DECLARED_SCOPES: readonly string[] = Object.freeze(['openid', 'offline_access', 'profile', 'email', ANY_SCOPE]);

/**
 * The OIDC `scope` client metadata for a Genesys scope list: every declared scope for a `["*"]`
 * client, else `openid offline_access` plus the declared scopes the list names.
 */
export function clientOidcScope(genesysScopes: readonly string[]): string {
  if (genesysScopes.includes(ANY_SCOPE)) return DECLARED_SCOPES.join(' ');
  return ['openid', 'offline_access', ...DECLARED_SCOPES.filter((s) => s !== 'openid' && s !== 'offline_access' && genesysScopes.includes(s))].join(' ');
}

/**
 * Converts a stored client; returns undefined for a disabled client (it then cannot authenticate).
 * @param nowMs the clock (epoch ms) deciding whether a rotated-out secret is still carried.
 */
export function toClientMetadata(c: Client, nowMs: number = Date.now()): ClientMetadata | undefined {
  if (!c.enabled) return undefined;
  const previousLive = c.clientType === 'CONFIDENTIAL' && c.previousSecretHash !== null && c.previousSecretExpiresAt !== null && c.previousSecretExpiresAt > nowMs;
  const grantTypes = c.authorizedGrantTypes.filter((g) => SERVED_GRANT_TYPES.has(g));
  const code = grantTypes.includes('authorization_code');
  const method = effectiveAuthMethod(c);
  return {
    client_id: c.clientId,
    client_name: c.name,
    ...(method === 'none'
      ? { token_endpoint_auth_method: 'none' }
      : method === 'private_key_jwt'
        ? { token_endpoint_auth_method: 'private_key_jwt' }
        : { client_secret: c.secretHash ?? undefined, token_endpoint_auth_method: method }),
    ...(c.jwks ? { jwks: c.jwks } : {}),
    ...(c.jwksUri ? { jwks_uri: c.jwksUri } : {}),
    ...(c.requirePushedAuthorizationRequests ? { require_pushed_authorization_requests: true } : {}),
    grant_types: grantTypes,
    response_types: code ? ['code'] : [],
    redirect_uris: code ? c.redirectUris : [],
    scope: clientOidcScope(c.scope),
    ccauth_access_token_ttl: c.accessTokenTtlSeconds,
    ccauth_refresh_token_ttl: c.refreshTokenTtlSeconds,
    ccauth_internal: c.internalClient,
    ccauth_authorities: c.authorities,
    ccauth_scopes: c.scope,
    ccauth_contact_center_ids: c.contactCenterIds,
    ccauth_pkce_required: c.pkceRequired,
    ccauth_access_token_format: c.accessTokenFormat,
    // RFC 9449 §5.2: oidc-provider then refuses token requests without a proof
    dpop_bound_access_tokens: c.dpopBoundAccessTokens,
    ...(previousLive ? { ccauth_previous_secret_hash: c.previousSecretHash!, ccauth_previous_secret_expires_at: c.previousSecretExpiresAt! } : {}),
  };
}
