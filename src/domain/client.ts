/**
 * An OAuth client as ccauth stores it (genesys-api.md §5.3; seed 003 "Create a new API Client").
 * Durations are in seconds, timestamps in epoch milliseconds.
 */

/** Grant types a client may be given (Genesys names; the URNs are RFC 7523 §2.1, RFC 8693 and RFC 8628). */
export const CLIENT_GRANT_TYPES = [
  'client_credentials',
  'authorization_code',
  'refresh_token',
  'password',
  'implicit',
  'urn:ietf:params:oauth:grant-type:token-exchange',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'urn:ietf:params:oauth:grant-type:device_code',
] as const;
export type ClientGrantType = (typeof CLIENT_GRANT_TYPES)[number];

/** Grant types ccauth actually serves at the token endpoint. */
export const SERVED_GRANT_TYPES: ReadonlySet<string> = new Set([
  'client_credentials',
  'authorization_code',
  'refresh_token',
  'password',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'urn:ietf:params:oauth:grant-type:token-exchange',
  'urn:ietf:params:oauth:grant-type:device_code',
]);

/** RFC 7523 §2.1 grant type. */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** RFC 8693 grant type. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** RFC 8628 grant type. */
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * How a client authenticates at the token endpoint (RFC 7591 §2 `token_endpoint_auth_method`):
 * CONFIDENTIAL clients `client_secret_basic` (default; `client_secret_post` is accepted too),
 * `client_secret_post` or `private_key_jwt` (RFC 7523 §2.2, needs `jwks` or `jwksUri`, no secret);
 * PUBLIC clients `none`.
 */
export const TOKEN_ENDPOINT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;
export type TokenEndpointAuthMethod = (typeof TOKEN_ENDPOINT_AUTH_METHODS)[number];

/** A JWK Set of public keys (RFC 7517 §5) as registered on a client. */
export interface ClientJwks {
  keys: Array<Record<string, unknown>>;
}

/** The auth method a client uses: its stored one, or its type's default. */
export function effectiveAuthMethod(c: Pick<Client, 'clientType' | 'tokenEndpointAuthMethod'>): TokenEndpointAuthMethod {
  return c.tokenEndpointAuthMethod ?? (c.clientType === 'PUBLIC' ? 'none' : 'client_secret_basic');
}

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
  /**
   * Public keys verifying the client's JWT assertions (private_key_jwt, jwt-bearer); null/absent:
   * none. At most one of `jwks` and `jwksUri`.
   */
  jwks?: ClientJwks | null;
  /** Where the client publishes its JWK Set (https in production); null/absent: none. */
  jwksUri?: string | null;
  /** The registered method; null/absent: the client type's default ({@link effectiveAuthMethod}). */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod | null;
  /** RFC 9126 §6: authorization requests must be pushed first (absent: false). */
  requirePushedAuthorizationRequests?: boolean;
  enabled: boolean;
  /** Epoch milliseconds. */
  createdAt: number;
}
