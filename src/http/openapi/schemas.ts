/**
 * The response objects of the admin APIs, userinfo and health routes as zod schemas, registered by
 * name in {@link responseSchemas}; the OpenAPI document (document.ts) turns them into
 * `components.schemas` with zod 4's `z.toJSONSchema`. Objects are strict: a field a route sends
 * that is not described here fails the contract test (test/integration/openapi-contract.test.ts).
 *
 * Shapes follow the route files' `to*Body` functions (Genesys field names, genesys-api.md §5);
 * times are epoch milliseconds unless the field says ISO 8601, durations are seconds.
 */
import { z } from 'zod';
import { CLIENT_AUTH_METHODS, INTEGRATION_GRANT_TYPES } from '../../domain/integration.ts';

/** Component schemas by name (`#/components/schemas/<name>`). */
export const responseSchemas = z.registry<{ id: string; description?: string }>();

/** Registers `schema` as the component `id`; returns it for reuse inside other schemas. */
function component<T extends z.ZodType>(id: string, description: string, schema: T): T {
  responseSchemas.add(schema, { id, description });
  return schema;
}

const epochMs = z.number().int().describe('epoch milliseconds');
const seconds = z.number().int().describe('seconds');
const uuid = z.string().describe('UUID');

export const ClientSchema = component(
  'Client',
  'An OAuth client as the ops API shows it (Genesys client object). Never its secret or hash.',
  z.object({
    client_id: z.string(),
    name: z.string(),
    description: z.string().optional(),
    clientType: z.enum(['CONFIDENTIAL', 'PUBLIC']),
    internalClient: z.boolean(),
    authorities: z.array(z.string()),
    scope: z.array(z.string()),
    authorizedGrantTypes: z.array(z.string()),
    redirectURIs: z.array(z.string()),
    accessTokenExpirationTimeout: seconds,
    refreshTokenExpirationTimeout: seconds,
    contactCenterIds: z.array(uuid),
    pkceRequired: z.boolean(),
    accessTokenFormat: z.enum(['opaque', 'jwt']),
    dpopBoundAccessTokens: z.boolean().describe('every token request must carry a DPoP proof (RFC 9449 §5.2)'),
    tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']).describe('how the client authenticates at the token endpoint'),
    jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).optional().describe('public keys verifying its JWT assertions (private_key_jwt, jwt-bearer)'),
    jwksUri: z.string().optional().describe('where it publishes its JWK Set'),
    requirePushedAuthorizationRequests: z.boolean().describe('authorization requests must be pushed first (RFC 9126 §6)'),
    createdAt: epochMs,
    encrypted_client_secret: z.string().optional().describe('a fingerprint of the stored secret hash (never the secret)'),
  }),
);

export const NewClientSchema = component(
  'NewClient',
  'A created client; `client_secret` is present only when ccauth generated it, in this response only.',
  ClientSchema.extend({ client_secret: z.string().optional() }),
);

const isoTime = z.string().describe('ISO 8601 date-time');
export const SigningKeySchema = component(
  'SigningKey',
  'A signing key: identifiers, state and dates only, never key material.',
  z.object({
    kid: z.string(),
    alg: z.string(),
    state: z.enum(['next', 'current', 'retired']),
    createdAt: isoTime,
    promotableAt: isoTime.optional(),
    activatedAt: isoTime.optional(),
    retiredAt: isoTime.optional(),
    expiresAt: isoTime.optional(),
  }),
);

export const KeyRotationSchema = component(
  'KeyRotation',
  'The outcome of a rotation: the next (or promoted) key and every key now kept.',
  z.object({ key: SigningKeySchema, created: z.boolean(), promoted: z.boolean(), retiredKid: z.string().optional(), keys: z.array(SigningKeySchema) }),
);

const setupStep = z.object({ field: z.string(), value: z.string() });
export const IntegrationSchema = component(
  'Integration',
  'A prebuilt-integration catalogue entry: the template of the clients its activations make.',
  z.object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    authorizedGrantTypes: z.array(z.enum(INTEGRATION_GRANT_TYPES)),
    scope: z.array(z.string()),
    clientAuthMethods: z.array(z.enum(CLIENT_AUTH_METHODS)),
    accessTokenExpirationTimeout: seconds,
    refreshTokenExpirationTimeout: seconds,
    pkceRequired: z.boolean(),
    redirectURIsRequired: z.boolean(),
    setupSteps: z.array(setupStep).describe("which ccauth value goes into which field of the product's own form; values may hold {placeholders}"),
    createdAt: epochMs,
    updatedAt: epochMs,
    activeContactCenterIds: z.array(uuid).optional(),
  }),
);

export const ActivationSchema = component(
  'Activation',
  'An activation of an integration for one contact center. Never a secret.',
  z.object({
    activationId: uuid,
    integrationId: z.string(),
    contactCenterId: uuid,
    status: z.enum(['Activated', 'Deactivated']),
    client_id: z.string(),
    createdAt: epochMs,
    deactivatedAt: epochMs.optional(),
    secretRotatedAt: epochMs.optional(),
    redirectURIs: z.array(z.string()).optional(),
    scope: z.array(z.string()).optional(),
    authorizedGrantTypes: z.array(z.string()).optional(),
  }),
);

export const IssuedActivationSchema = component(
  'IssuedActivation',
  'A new activation with its credentials: `client_secret` (absent for a public client) is shown in this response only.',
  ActivationSchema.extend({ client_secret: z.string().optional(), clientAuthMethods: z.array(z.enum(CLIENT_AUTH_METHODS)), tokenEndpoint: z.string() }),
);

export const RotatedSecretSchema = component(
  'RotatedSecret',
  'A rotated client secret, shown in this response only; the previous one works until `previousSecretExpiresAt` (null: no longer).',
  ActivationSchema.extend({ client_secret: z.string(), previousSecretExpiresAt: epochMs.nullable(), tokenEndpoint: z.string() }),
);

export const AuditEventSchema = component(
  'AuditEvent',
  'One audit event: who did what to which object, when and from where. Never a secret.',
  z.object({
    id: z.number().int(),
    at: epochMs,
    actor: z.string(),
    action: z.string(),
    targetType: z.string(),
    targetId: z.string(),
    sourceIp: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  }),
);

const configServer = z.object({
  primaryAddress: z.string(),
  primaryPort: z.number().int(),
  backupAddress: z.string().optional(),
  backupPort: z.number().int().optional(),
  readOnly: z.boolean(),
  locations: z.string(),
});
export const EnvironmentSchema = component(
  'Environment',
  'A Configuration Server environment (Genesys E1 fields; timeouts in seconds). Never its password.',
  z.object({
    id: uuid,
    username: z.string(),
    connectionProtocol: z.string(),
    localTimeout: seconds,
    remoteTimeout: seconds,
    appName: z.string(),
    traceMode: z.string(),
    tlsEnabled: z.boolean(),
    tenant: z.string(),
    configServers: z.array(configServer),
    createdAt: epochMs,
  }),
);

export const ContactCenterSchema = component(
  'ContactCenter',
  'A contact center and its login domains.',
  z.object({ id: uuid, environmentId: uuid, domains: z.array(z.string()), auth: z.string(), createdAt: epochMs }),
);

export const DataCenterSchema = component(
  'DataCenter',
  'A data center (region).',
  z.object({ id: uuid, location: z.string(), entryPoint: z.string(), readOnly: z.boolean(), createdAt: epochMs }),
);

export const SettingSchema = component(
  'Setting',
  'A contact-center setting; `cors-origins` is a comma-separated origin list.',
  z.object({ name: z.string(), value: z.string(), location: z.string(), shared: z.boolean() }),
);

export const SettingsSchema = component('Settings', "A contact center's settings, ordered by name.", z.object({ settings: z.array(SettingSchema) }));

export const UserSchema = component(
  'User',
  'A contact-center user (logs in as domain\\user). Never the password or its hash.',
  z.object({
    id: uuid,
    username: z.string(),
    dbid: z.number().int(),
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    email: z.string().nullable(),
    authorities: z.array(z.string()),
    properties: z.record(z.string(), z.string()),
    enabled: z.boolean(),
    mustChangePassword: z.boolean().describe('the user must choose a new password at the next sign-in'),
    passwordChangedAt: epochMs,
    externalId: z.string().nullable().describe('Genesys "Use External User ID" (single sign-on matching)'),
    contactCenterId: uuid,
    createdAt: epochMs,
  }),
);

export const IdentityProviderSchema = component(
  'IdentityProvider',
  "A contact center's single sign-on identity provider: its settings (never the upstream client secret), what the SAML metadata says (`idp`), ccauth's SP endpoints to give the IdP (`serviceProvider`), and the last sign-in and refusal. Fields depend on `type`.",
  z.looseObject({
    contactCenterId: uuid,
    type: z.enum(['saml', 'oidc']),
    userMatch: z.enum(['username', 'externalId', 'email']),
    jitProvisioning: z.boolean(),
    ssoOnly: z.boolean(),
    createdAt: epochMs,
    updatedAt: epochMs,
  }),
);

export const AuthSchemeSchema = component('AuthScheme', 'How the user signs in: `basic` (password), `saml` or `oidc` (single sign-on); decided by the login domain only.', z.object({ scheme: z.enum(['basic', 'saml', 'oidc']) }));

export const CorsOriginsSchema = component(
  'CorsOrigins',
  "Every contact center's CORS origins, one entry per origin (the contact centers' `cors-origins` settings).",
  z.object({ origins: z.array(z.object({ origin: z.string(), contactCenterId: uuid })) }),
);

export const CorsOriginAddedSchema = component(
  'CorsOriginAdded',
  'The origin as stored (normalized), and whether it was new.',
  z.object({ origin: z.string(), contactCenterId: uuid, added: z.boolean() }),
);

const role = z.object({ name: z.string(), privileges: z.array(z.string()) });
export const CloudUserDetailsSchema = component(
  'CloudUserDetails',
  "Genesys CloudUserDetails: who the access token stands for (a user, the ops principal, or the client for client-credentials tokens).",
  z.object({
    authorities: z.array(role),
    username: z.string(),
    loginName: z.string().optional(),
    cmeUserName: z.string().optional(),
    dbid: z.number().int().optional(),
    contactCenterId: uuid.optional(),
    environmentId: uuid.optional(),
    properties: z.record(z.string(), z.string()),
  }),
);

export const OpenIdUserInfoSchema = component(
  'OpenIdUserInfo',
  'OpenID Connect claims (OIDC Core §5.3.2) plus the Genesys extras; absent values are omitted.',
  z.object({
    sub: z.string(),
    aud: z.string(),
    name: z.string().optional(),
    given_name: z.string().optional(),
    family_name: z.string().optional(),
    email: z.string().optional(),
    preferred_username: z.string().optional(),
    user_name: z.string(),
    contact_center_id: uuid.optional(),
    environment_id: uuid.optional(),
    dbid: z.number().int().optional(),
    authorities: z.array(role),
    properties: z.record(z.string(), z.string()),
  }),
);

export const OAuthErrorSchema = component(
  'OAuthError',
  'RFC 6749 §5.2 / RFC 6750 §3 error JSON.',
  z.object({ error: z.string(), error_description: z.string().optional() }),
);

export const HealthSchema = component('Health', 'Liveness or readiness.', z.object({ status: z.string(), database: z.string().optional() }));
