/**
 * Request schemas of `/auth/v3/ops/clients` (genesys-api.md §5.3; seed 003). Field names are
 * exactly Genesys's: `client_id`, `client_secret`, `clientType`, `internalClient`, `authorities`,
 * `scope`, `authorizedGrantTypes`, `redirectURIs`, `accessTokenExpirationTimeout`,
 * `refreshTokenExpirationTimeout` (seconds), plus `name`, `description`, `contactCenterIds`,
 * `pkceRequired` (boolean), `accessTokenFormat` (`opaque` | `jwt`, RFC 9068),
 * `dpopBoundAccessTokens` (boolean: DPoP proofs mandatory, RFC 9449 §5.2), and ccauth's key
 * registration (RFC 7523, RFC 7591 §2 names in camelCase): `tokenEndpointAuthMethod`
 * (`client_secret_basic` | `client_secret_post` | `private_key_jwt` | `none`), `jwks` (a JWK Set of
 * public keys) or `jwksUri` (null clears either), and `requirePushedAuthorizationRequests`
 * (RFC 9126 §6).
 */
import { z } from 'zod';
import { CLIENT_GRANT_TYPES, TOKEN_ENDPOINT_AUTH_METHODS } from '../../domain/client.ts';
import { clientJwksProblem, jwksUriProblem } from '../../domain/client-keys.ts';
import { redirectUriProblem } from '../../domain/redirect-uri.ts';
import { isStorableText } from '../../domain/text.ts';
import { fields } from '../validate.ts';

/** Default lifetimes (seconds) when the caller gives none: Genesys's documented 43200 (12 h). */
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 43_200;
export const DEFAULT_REFRESH_TOKEN_TTL_SECONDS = 43_200;

export const clientIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._~@+-]{0,127}$/, 'must be 1-128 characters: letters, digits and . _ ~ @ + -');

/**
 * A redirect URI as the ops API, integration activations and the console accept it: the checks of
 * {@link redirectUriProblem} (absolute printable-ASCII http(s) URI, no fragment, no wildcard, no
 * user information; RFC 6749 §3.1.2, RFC 9700 §4.1.3). Plain `http` to a non-loopback host is
 * refused in production by the clients service, which applies the deployment's policy.
 */
export const redirectUriSchema = z.string({ error: 'must be a string' }).superRefine((s, ctx) => {
  const problem = redirectUriProblem(s, { allowPlainHttp: true });
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const grantType = z.enum(CLIENT_GRANT_TYPES, { error: `must be one of ${CLIENT_GRANT_TYPES.join(', ')}` });
const scopeToken = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/, 'must be a scope token (RFC 6749 §3.3)');
const authority = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'must be 1-128 letters, digits or _ . : -');

const common = {
  name: fields.text(255),
  description: fields.storableText(1024).nullable(),
  internalClient: z.boolean(),
  authorities: z.array(authority).max(100),
  scope: z.array(scopeToken).min(1).max(100),
  authorizedGrantTypes: z.array(grantType).min(1, 'at least one grant type is required'),
  redirectURIs: z.array(redirectUriSchema).max(100),
  accessTokenExpirationTimeout: fields.seconds,
  refreshTokenExpirationTimeout: fields.seconds,
  contactCenterIds: z.array(fields.uuid).max(1000),
  pkceRequired: z.boolean(),
  accessTokenFormat: z.enum(['opaque', 'jwt'], { error: 'must be opaque or jwt' }),
  dpopBoundAccessTokens: z.boolean({ error: 'must be true or false' }),
  tokenEndpointAuthMethod: z.enum(TOKEN_ENDPOINT_AUTH_METHODS, { error: `must be one of ${TOKEN_ENDPOINT_AUTH_METHODS.join(', ')}` }),
  jwks: z.unknown().superRefine((v, ctx) => {
    const problem = clientJwksProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  // the deployment's https policy is applied again by the clients service
  jwksUri: z.unknown().superRefine((v, ctx) => {
    const problem = jwksUriProblem(v, { allowPlainHttp: true });
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  requirePushedAuthorizationRequests: z.boolean(),
  client_secret: z
    .string({ error: 'must be a string' })
    .max(512)
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s) && isStorableText(s), 'must not contain control characters or unpaired surrogates'),
};

export const createClientBody = z.object({
  data: z.object({
    client_id: clientIdSchema,
    client_secret: common.client_secret.optional(),
    name: common.name.optional(),
    description: common.description.optional(),
    clientType: z.enum(['CONFIDENTIAL', 'PUBLIC'], { error: 'must be CONFIDENTIAL or PUBLIC' }).default('CONFIDENTIAL'),
    internalClient: common.internalClient.default(false),
    authorities: common.authorities.default([]),
    scope: common.scope.default(['*']),
    authorizedGrantTypes: common.authorizedGrantTypes,
    redirectURIs: common.redirectURIs.default([]),
    accessTokenExpirationTimeout: common.accessTokenExpirationTimeout.default(DEFAULT_ACCESS_TOKEN_TTL_SECONDS),
    refreshTokenExpirationTimeout: common.refreshTokenExpirationTimeout.default(DEFAULT_REFRESH_TOKEN_TTL_SECONDS),
    contactCenterIds: common.contactCenterIds.default([]),
    pkceRequired: common.pkceRequired.default(false),
    accessTokenFormat: common.accessTokenFormat.default('opaque'),
    dpopBoundAccessTokens: common.dpopBoundAccessTokens.default(false),
    tokenEndpointAuthMethod: common.tokenEndpointAuthMethod.optional(),
    jwks: common.jwks.optional(),
    jwksUri: common.jwksUri.optional(),
    requirePushedAuthorizationRequests: common.requirePushedAuthorizationRequests.default(false),
  }),
});

export const updateClientBody = z.object({
  data: z.object({
    client_id: clientIdSchema.optional(),
    client_secret: common.client_secret.optional(),
    name: common.name.optional(),
    description: common.description.optional(),
    clientType: z.enum(['CONFIDENTIAL', 'PUBLIC']).optional(),
    internalClient: common.internalClient.optional(),
    authorities: common.authorities.optional(),
    scope: common.scope.optional(),
    authorizedGrantTypes: common.authorizedGrantTypes.optional(),
    redirectURIs: common.redirectURIs.optional(),
    accessTokenExpirationTimeout: common.accessTokenExpirationTimeout.optional(),
    refreshTokenExpirationTimeout: common.refreshTokenExpirationTimeout.optional(),
    contactCenterIds: common.contactCenterIds.optional(),
    pkceRequired: common.pkceRequired.optional(),
    accessTokenFormat: common.accessTokenFormat.optional(),
    dpopBoundAccessTokens: common.dpopBoundAccessTokens.optional(),
    tokenEndpointAuthMethod: common.tokenEndpointAuthMethod.optional(),
    jwks: common.jwks.nullable().optional(),
    jwksUri: common.jwksUri.nullable().optional(),
    requirePushedAuthorizationRequests: common.requirePushedAuthorizationRequests.optional(),
  }),
});
