/**
 * An OAuth client as ccauth stores it (genesys-api.md §5.3; seed 003 "Create a new API Client").
 * Durations are in seconds, timestamps in epoch milliseconds.
 */

/** Grant types a client may be given. The two URNs are accepted and echoed for Genesys but not served. */
export const CLIENT_GRANT_TYPES = [
  'client_credentials',
  'authorization_code',
  'refresh_token',
  'password',
  'implicit',
  'urn:ietf:params:oauth:grant-type:token-exchange',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
] as const;
export type ClientGrantType = (typeof CLIENT_GRANT_TYPES)[number];

/** Grant types ccauth actually serves at the token endpoint. */
export const SERVED_GRANT_TYPES: ReadonlySet<string> = new Set([
  'client_credentials',
  'authorization_code',
  'refresh_token',
  'password',
]);

/** Grant types Genesys adds to every client it creates (seed 003 response). */
export const GENESYS_IMPLIED_GRANT_TYPES: readonly ClientGrantType[] = [
  'urn:ietf:params:oauth:grant-type:token-exchange',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
];

export type ClientType = 'CONFIDENTIAL' | 'PUBLIC';

/** Access token format: opaque (stored by digest, introspectable) or RFC 9068 JWT. */
export type AccessTokenFormat = 'opaque' | 'jwt';

/** Authority that lets a client's client-credentials tokens call the Environment API. */
export const ROLE_INTERNAL_CLIENT = 'ROLE_INTERNAL_CLIENT';

export interface Client {
  clientId: string;
  name: string;
  description: string | null;
  clientType: ClientType;
  internalClient: boolean;
  /** argon2id PHC string; null for PUBLIC clients. */
  secretHash: string | null;
  /**
   * argon2id PHC string of the secret replaced by the last rotation, accepted until
   * {@link Client.previousSecretExpiresAt}; null when no grace period is running (issue 4).
   */
  previousSecretHash: string | null;
  /** Epoch milliseconds after which {@link Client.previousSecretHash} no longer authenticates; null with it. */
  previousSecretExpiresAt: number | null;
  authorities: string[];
  scope: string[];
  authorizedGrantTypes: string[];
  redirectUris: string[];
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  contactCenterIds: string[];
  /** PKCE (S256) required even though the client is confidential. */
  pkceRequired: boolean;
  /** `opaque` (default) or `jwt` (RFC 9068 access tokens). */
  accessTokenFormat: AccessTokenFormat;
  /** Every token request must carry a DPoP proof (RFC 9449 §5.2 `dpop_bound_access_tokens`). */
  dpopBoundAccessTokens: boolean;
  enabled: boolean;
  /** Epoch milliseconds. */
  createdAt: number;
}
