/**
 * Request schemas of `/auth/v3/ops/integrations` (issue 4). Field names follow the ops client
 * object (genesys-api.md §5.3) where they mean the same thing: `authorizedGrantTypes`, `scope`,
 * `accessTokenExpirationTimeout` / `refreshTokenExpirationTimeout` (seconds), `pkceRequired`,
 * `redirectURIs`; plus `id` (slug), `name`, `description`, `clientAuthMethods` (RFC 7591 names),
 * `contactCenterId` (CCID), `gracePeriodSeconds` and `setupSteps` (`[{field, value}]`: which ccauth
 * value goes into which field of the other product's form; domain/integration.ts).
 */
import { z } from 'zod';
import { CLIENT_AUTH_METHODS, INTEGRATION_GRANT_TYPES, INTEGRATION_ID_PATTERN, MAX_SECRET_GRACE_SECONDS, MAX_SETUP_STEPS, SETUP_PLACEHOLDERS } from '../../domain/integration.ts';
import { fields } from '../validate.ts';
import { redirectUriSchema } from './ops-clients.schemas.ts';

export const integrationIdSchema = z.string().regex(INTEGRATION_ID_PATTERN, 'must be 1-64 characters: lowercase letters, digits and -, starting with a letter or digit');

const grantType = z.enum(INTEGRATION_GRANT_TYPES, { error: `must be one of ${INTEGRATION_GRANT_TYPES.join(', ')}` });
const authMethod = z.enum(CLIENT_AUTH_METHODS, { error: `must be one of ${CLIENT_AUTH_METHODS.join(', ')}` });
const scopeToken = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/, 'must be a scope token (RFC 6749 §3.3)');

const common = {
  name: fields.text(255),
  description: fields.storableText(2000),
  authorizedGrantTypes: z.array(grantType).min(1, 'at least one grant type is required').max(10),
  scope: z.array(scopeToken).min(1, 'at least one scope is required').max(100),
  clientAuthMethods: z.array(authMethod).min(1, 'at least one client authentication method is required').max(3),
  accessTokenExpirationTimeout: fields.seconds,
  refreshTokenExpirationTimeout: fields.seconds,
  pkceRequired: z.boolean(),
  setupSteps: z
    .array(
      z.object({
        field: fields.text(200),
        value: fields.text(500).refine(
          (v) => [...v.matchAll(/\{([a-z_]+)\}/g)].every((m) => (SETUP_PLACEHOLDERS as readonly string[]).includes(m[1]!)),
          `placeholders must be one of ${SETUP_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
        ),
      }),
    )
    .max(MAX_SETUP_STEPS, `at most ${MAX_SETUP_STEPS} steps`),
};

/** Default lifetime (seconds) of a new entry's tokens when the caller gives none: 1 hour. */
export const DEFAULT_INTEGRATION_TOKEN_TTL_SECONDS = 3600;

export const createIntegrationBody = z.object({
  data: z.object({
    id: integrationIdSchema,
    name: common.name,
    description: common.description.default(''),
    authorizedGrantTypes: common.authorizedGrantTypes,
    scope: common.scope.default(['*']),
    clientAuthMethods: common.clientAuthMethods.default(['client_secret_basic', 'client_secret_post']),
    accessTokenExpirationTimeout: common.accessTokenExpirationTimeout.default(DEFAULT_INTEGRATION_TOKEN_TTL_SECONDS),
    refreshTokenExpirationTimeout: common.refreshTokenExpirationTimeout.default(DEFAULT_INTEGRATION_TOKEN_TTL_SECONDS),
    pkceRequired: common.pkceRequired.default(false),
    setupSteps: common.setupSteps.default([]),
  }),
});

export const updateIntegrationBody = z.object({
  data: z.object({
    id: integrationIdSchema.optional(),
    name: common.name.optional(),
    description: common.description.optional(),
    authorizedGrantTypes: common.authorizedGrantTypes.optional(),
    scope: common.scope.optional(),
    clientAuthMethods: common.clientAuthMethods.optional(),
    accessTokenExpirationTimeout: common.accessTokenExpirationTimeout.optional(),
    refreshTokenExpirationTimeout: common.refreshTokenExpirationTimeout.optional(),
    pkceRequired: common.pkceRequired.optional(),
    setupSteps: common.setupSteps.optional(),
  }),
});

export const activateBody = z.object({
  data: z.object({
    contactCenterId: fields.uuid,
    redirectURIs: z.array(redirectUriSchema).max(100).optional(),
  }),
});

/** The body of a rotation is optional; `{}` or no body means "no grace period". */
export const rotateSecretBody = z
  .object({
    data: z
      .object({
        gracePeriodSeconds: z
          .number({ error: 'must be a number of seconds' })
          .int('must be a whole number of seconds')
          .min(0, 'must not be negative')
          .max(MAX_SECRET_GRACE_SECONDS, `must be at most ${MAX_SECRET_GRACE_SECONDS} seconds (7 days)`)
          .optional(),
      })
      .optional(),
  })
  .optional();

/** `GET /auth/v3/ops/integrations?q=`: the search text, at most 200 characters. */
export const listIntegrationsQuery = z.object({ q: fields.storableText(200).optional() });
