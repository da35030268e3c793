/**
 * Maps a stored {@link Client} to oidc-provider client metadata (design.md §3).
 *
 * - `client_secret` is the argon2id PHC string; {@link installClientSecretVerifier} compares
 *   presented secrets against it, so only `client_secret_basic`/`_post` and `none` are possible.
 * - A CONFIDENTIAL client registers `client_secret_basic`; oidc-provider then also accepts
 *   `client_secret_post` (and refuses both at once). A PUBLIC client registers `none`.
 * - Scopes: a Genesys client's `["*"]` means any scope. The provider declares `*` itself, so it is
 *   listed in the client's OIDC `scope`; other API scopes ride in `ccauth_scopes`.
 * - Genesys lifetimes and flags ride in extra metadata (`ccauth_*`).
 * - During a secret rotation's grace period (issue 4) the previous secret's hash and its expiry
 *   (epoch ms) ride in `ccauth_previous_secret_hash` / `ccauth_previous_secret_expires_at`;
 *   client-auth.ts accepts the previous secret only while that expiry is in the future.
 */
import type { ClientMetadata } from 'oidc-provider';
import { SERVED_GRANT_TYPES } from '../domain/client.ts';
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
 * Converts a stored client; returns undefined for a disabled client (it then cannot authenticate).
 * @param nowMs the clock (epoch ms) deciding whether a rotated-out secret is still carried.
 */
export function toClientMetadata(c: Client, nowMs: number = Date.now()): ClientMetadata | undefined {
  if (!c.enabled) return undefined;
  const previousLive = c.clientType === 'CONFIDENTIAL' && c.previousSecretHash !== null && c.previousSecretExpiresAt !== null && c.previousSecretExpiresAt > nowMs;
  const grantTypes = c.authorizedGrantTypes.filter((g) => SERVED_GRANT_TYPES.has(g));
  const code = grantTypes.includes('authorization_code');
  const oidcScopes = ['openid', 'offline_access'];
  if (c.scope.includes(ANY_SCOPE)) oidcScopes.push(ANY_SCOPE);
  return {
    client_id: c.clientId,
    client_name: c.name,
    ...(c.clientType === 'CONFIDENTIAL'
      ? { client_secret: c.secretHash ?? undefined, token_endpoint_auth_method: 'client_secret_basic' }
      : { token_endpoint_auth_method: 'none' }),
    grant_types: grantTypes,
    response_types: code ? ['code'] : [],
    redirect_uris: code ? c.redirectUris : [],
    scope: oidcScopes.join(' '),
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
