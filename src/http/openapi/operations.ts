/**
 * Every route the OpenAPI document describes (README "API"): the ops API (`/auth/v3/ops/*`), the
 * Environment API (`/environment/v3/*`), userinfo, sign-out, health, metrics and the document
 * itself. Request schemas are the ones the routes validate with; response schemas are in
 * schemas.ts. One entry per route: test/integration/openapi.test.ts fails while a mounted route has
 * no entry here, or an entry has no route.
 *
 * Not described here: oidc-provider's OAuth endpoints (token, authorize, introspection,
 * revocation, JWKS, logout), which discovery describes (RFC 8414, `/.well-known/*`), and the pages
 * people use in a browser (sign-in, interaction, console) and the single sign-on protocol endpoints
 * an identity provider talks to (SAML metadata and ACS, the OpenID Connect callback), listed in
 * {@link UNDOCUMENTED_ROUTES}.
 */
import { z } from 'zod';
import { createContactCenterBody, updateContactCenterBody } from '../routes/contact-centers.schemas.ts';
import { createDataCenterBody, updateDataCenterBody } from '../routes/data-centers.schemas.ts';
import { createEnvironmentBody, updateEnvironmentBody } from '../routes/environments.schemas.ts';
import { auditQuery } from '../routes/ops-audit.routes.ts';
import { createClientBody, updateClientBody } from '../routes/ops-clients.schemas.ts';
import { activateBody, createIntegrationBody, listIntegrationsQuery, rotateSecretBody, updateIntegrationBody } from '../routes/ops-integrations.schemas.ts';
import { rotateKeysBody } from '../routes/ops-keys.routes.ts';
import { putSettingBody } from '../routes/settings.schemas.ts';
import { createUserBody, updateUserBody } from '../routes/users.schemas.ts';
import { addCorsOriginBody, removeCorsOriginQuery } from '../routes/cors.routes.ts';
import { changePasswordBody } from '../routes/change-password.routes.ts';
import { putIdentityProviderBody } from '../routes/identity-provider.schemas.ts';
import { authSchemeBody } from '../routes/auth-scheme.routes.ts';
import type { ApiOperation } from './operation.ts';

/**
 * Path prefixes of mounted routes that are deliberately not API operations: browser pages (HTML
 * for people, README "Signing in" and "Prebuilt integrations and the ops console").
 */
export const UNDOCUMENTED_ROUTES: readonly string[] = ['/console', '/auth/v3/interaction', '/auth/v3/sign-in', '/auth/v3/sign-out/confirm', '/auth/v3/saml', '/auth/v3/oidc'];

const ops = '/auth/v3/ops';
const env = '/environment/v3';
const signOutQuery = z.object({
  global: z.enum(['true', 'false']).optional().describe('true: every grant, token and session of the account'),
  redirectUri: z.string().optional().describe('GET only: where to send the browser afterwards, when its origin is a registered redirect origin of the client'),
});
const signOut = { tag: 'Sign-out', auth: 'bearer', query: signOutQuery, ok: { envelope: {} }, errors: [400] } as const;

/** The described operations, grouped by tag. */
export const OPERATIONS: readonly ApiOperation[] = [
  // ops API: clients (Genesys A15-A19)
  { method: 'get', path: `${ops}/clients`, operationId: 'listClients', summary: 'List OAuth clients', tag: 'Clients', auth: 'ops', ok: { envelope: { data: ['Client'] } } },
  { method: 'post', path: `${ops}/clients`, operationId: 'createClient', summary: 'Create a client (an empty client_secret: ccauth generates one, shown once)', tag: 'Clients', auth: 'ops', body: createClientBody, ok: { envelope: { data: 'NewClient' } }, errors: [409] },
  { method: 'get', path: `${ops}/clients/{clientId}`, operationId: 'getClient', summary: 'Read a client', tag: 'Clients', auth: 'ops', ok: { envelope: { data: 'Client' } } },
  { method: 'put', path: `${ops}/clients/{clientId}`, operationId: 'updateClient', summary: 'Update a client (merge; a new client_secret replaces the old)', tag: 'Clients', auth: 'ops', body: updateClientBody, ok: { envelope: { data: 'Client' } } },
  { method: 'delete', path: `${ops}/clients/{clientId}`, operationId: 'deleteClient', summary: 'Delete a client and revoke every token it holds', tag: 'Clients', auth: 'ops', ok: { envelope: {} } },
  // ops API: signing keys
  { method: 'get', path: `${ops}/keys`, operationId: 'listSigningKeys', summary: 'List signing keys (never key material)', tag: 'Signing keys', auth: 'ops', ok: { envelope: { data: ['SigningKey'] } } },
  { method: 'post', path: `${ops}/keys/rotate`, operationId: 'rotateSigningKey', summary: 'Rotate: create the next key, or promote it at once with {"data":{"immediate":true}}', tag: 'Signing keys', auth: 'ops', body: rotateKeysBody, bodyOptional: true, ok: { envelope: { data: 'KeyRotation' } } },
  // ops API: prebuilt integrations
  { method: 'get', path: `${ops}/integrations`, operationId: 'listIntegrations', summary: 'The integration catalogue (q: search names)', tag: 'Integrations', auth: 'ops', query: listIntegrationsQuery, ok: { envelope: { data: ['Integration'] } } },
  { method: 'post', path: `${ops}/integrations`, operationId: 'createIntegration', summary: 'Add a catalogue entry', tag: 'Integrations', auth: 'ops', body: createIntegrationBody, ok: { envelope: { data: 'Integration', path: true } }, errors: [409] },
  { method: 'get', path: `${ops}/integrations/{id}`, operationId: 'getIntegration', summary: 'Read a catalogue entry', tag: 'Integrations', auth: 'ops', ok: { envelope: { data: 'Integration' } } },
  { method: 'put', path: `${ops}/integrations/{id}`, operationId: 'updateIntegration', summary: 'Update a catalogue entry (merge)', tag: 'Integrations', auth: 'ops', body: updateIntegrationBody, ok: { envelope: { data: 'Integration' } }, errors: [409] },
  { method: 'delete', path: `${ops}/integrations/{id}`, operationId: 'deleteIntegration', summary: 'Delete a catalogue entry (409 code 19 while activated)', tag: 'Integrations', auth: 'ops', ok: { envelope: {} }, errors: [409] },
  { method: 'post', path: `${ops}/integrations/{id}/activations`, operationId: 'activateIntegration', summary: 'Activate for a contact center: a new client, its secret shown once', tag: 'Integrations', auth: 'ops', body: activateBody, ok: { envelope: { data: 'IssuedActivation', path: true } }, errors: [409] },
  { method: 'get', path: `${ops}/integrations/{id}/activations`, operationId: 'listActivations', summary: 'Activations of an entry', tag: 'Integrations', auth: 'ops', ok: { envelope: { data: ['Activation'] } } },
  { method: 'get', path: `${ops}/integrations/{id}/activations/{activationId}`, operationId: 'getActivation', summary: 'Read an activation', tag: 'Integrations', auth: 'ops', ok: { envelope: { data: 'Activation' } } },
  { method: 'delete', path: `${ops}/integrations/{id}/activations/{activationId}`, operationId: 'deactivateIntegration', summary: 'Deactivate: the client is disabled, its tokens stop working', tag: 'Integrations', auth: 'ops', ok: { envelope: { data: 'Activation' } } },
  { method: 'post', path: `${ops}/integrations/{id}/activations/{activationId}/secret`, operationId: 'rotateActivationSecret', summary: 'Rotate the client secret (shown once), with an optional grace period', tag: 'Integrations', auth: 'ops', body: rotateSecretBody, bodyOptional: true, ok: { envelope: { data: 'RotatedSecret' } } },
  // ops API: audit trail
  {
    method: 'get',
    path: `${ops}/audit`,
    operationId: 'listAuditEvents',
    summary: 'The audit trail: filters, cursor pages, or every match as JSON lines',
    description:
      'Filters: `actor`, `event` (exactly, or a prefix ending in `*`), `subject` (the target id), `from` (inclusive) and `to` (exclusive) as ISO 8601 or epoch milliseconds. JSON: one page newest first, `nextCursor` while more remain. `Accept: application/x-ndjson`: every matching event, oldest first, one JSON object per line (streamed; `limit`, `cursor` and `before` do not apply).',
    tag: 'Audit',
    auth: 'ops',
    query: auditQuery,
    ok: { envelope: { data: ['AuditEvent'], nextCursor: true } },
    alsoProduces: { 'application/x-ndjson': 'one AuditEvent per line, oldest first' },
  },
  // Environment API (Genesys E1-E11)
  { method: 'get', path: `${env}/environments`, operationId: 'listEnvironments', summary: 'List environments', tag: 'Environments', auth: 'admin', ok: { envelope: { data: ['Environment'] } } },
  { method: 'post', path: `${env}/environments`, operationId: 'createEnvironment', summary: 'Create an environment', tag: 'Environments', auth: 'admin', body: createEnvironmentBody, ok: { envelope: { path: true } }, errors: [409] },
  { method: 'get', path: `${env}/environments/{id}`, operationId: 'getEnvironment', summary: 'Read an environment', tag: 'Environments', auth: 'admin', ok: { envelope: { data: 'Environment' } } },
  { method: 'put', path: `${env}/environments/{id}`, operationId: 'updateEnvironment', summary: 'Update an environment', tag: 'Environments', auth: 'admin', body: updateEnvironmentBody, ok: { envelope: { data: 'Environment', path: true } } },
  { method: 'delete', path: `${env}/environments/{id}`, operationId: 'deleteEnvironment', summary: 'Delete an environment (409 code 19 while contact centers use it)', tag: 'Environments', auth: 'admin', ok: { envelope: {} }, errors: [409] },
  { method: 'get', path: `${env}/contact-centers`, operationId: 'listContactCenters', summary: 'List contact centers', tag: 'Contact centers', auth: 'admin', ok: { envelope: { data: ['ContactCenter'] } } },
  { method: 'post', path: `${env}/contact-centers`, operationId: 'createContactCenter', summary: 'Create a contact center', tag: 'Contact centers', auth: 'admin', body: createContactCenterBody, ok: { envelope: { path: true } }, errors: [409] },
  { method: 'get', path: `${env}/contact-centers/{ccid}`, operationId: 'getContactCenter', summary: 'Read a contact center', tag: 'Contact centers', auth: 'admin', ok: { envelope: { data: 'ContactCenter' } } },
  { method: 'put', path: `${env}/contact-centers/{ccid}`, operationId: 'updateContactCenter', summary: 'Update a contact center', tag: 'Contact centers', auth: 'admin', body: updateContactCenterBody, ok: { envelope: { data: 'ContactCenter', path: true } }, errors: [409] },
  { method: 'delete', path: `${env}/contact-centers/{ccid}`, operationId: 'deleteContactCenter', summary: 'Delete a contact center', tag: 'Contact centers', auth: 'admin', ok: { envelope: {} }, errors: [409] },
  { method: 'get', path: `${env}/contact-centers/{ccid}/settings`, operationId: 'listSettings', summary: "A contact center's settings", tag: 'Contact centers', auth: 'admin', ok: { envelope: { data: 'Settings' } } },
  { method: 'post', path: `${env}/contact-centers/{ccid}/settings`, operationId: 'putSetting', summary: 'Create or replace a setting (cors-origins: comma-separated origins; audited)', tag: 'Contact centers', auth: 'admin', body: putSettingBody, ok: { envelope: {} } },
  { method: 'delete', path: `${env}/contact-centers/{ccid}/settings/{name}`, operationId: 'deleteSetting', summary: 'Delete a setting', tag: 'Contact centers', auth: 'admin', ok: { envelope: {} } },
  { method: 'get', path: `${env}/contact-centers/{ccid}/users`, operationId: 'listUsers', summary: "A contact center's users", tag: 'Users', auth: 'admin', ok: { envelope: { data: ['User'] } } },
  { method: 'post', path: `${env}/contact-centers/{ccid}/users`, operationId: 'createUser', summary: 'Create a user (logs in as domain\\user)', tag: 'Users', auth: 'admin', body: createUserBody, ok: { envelope: { data: 'User', path: true } }, errors: [409] },
  { method: 'get', path: `${env}/contact-centers/{ccid}/users/{id}`, operationId: 'getUser', summary: 'Read a user', tag: 'Users', auth: 'admin', ok: { envelope: { data: 'User' } } },
  { method: 'put', path: `${env}/contact-centers/{ccid}/users/{id}`, operationId: 'updateUser', summary: 'Update a user (merge; a password is re-hashed)', tag: 'Users', auth: 'admin', body: updateUserBody, ok: { envelope: { data: 'User' } }, errors: [409] },
  { method: 'delete', path: `${env}/contact-centers/{ccid}/users/{id}`, operationId: 'deleteUser', summary: 'Delete a user', tag: 'Users', auth: 'admin', ok: { envelope: {} } },
  { method: 'get', path: `${env}/data-centers`, operationId: 'listDataCenters', summary: 'List data centers', tag: 'Data centers', auth: 'admin', ok: { envelope: { data: ['DataCenter'] } } },
  { method: 'post', path: `${env}/data-centers`, operationId: 'createDataCenter', summary: 'Create a data center', tag: 'Data centers', auth: 'admin', body: createDataCenterBody, ok: { envelope: { path: true } }, errors: [409] },
  { method: 'get', path: `${env}/data-centers/{id}`, operationId: 'getDataCenter', summary: 'Read a data center', tag: 'Data centers', auth: 'admin', ok: { envelope: { data: 'DataCenter' } } },
  { method: 'put', path: `${env}/data-centers/{id}`, operationId: 'updateDataCenter', summary: 'Update a data center', tag: 'Data centers', auth: 'admin', body: updateDataCenterBody, ok: { envelope: { data: 'DataCenter', path: true } }, errors: [409] },
  { method: 'delete', path: `${env}/data-centers/{id}`, operationId: 'deleteDataCenter', summary: 'Delete a data center', tag: 'Data centers', auth: 'admin', ok: { envelope: {} } },
  { method: 'put', path: `${env}/contact-centers/{ccid}/identity-provider`, operationId: 'putIdentityProvider', summary: "Set the contact center's single sign-on identity provider (SAML 2.0 or OpenID Connect; audited)", tag: 'Single sign-on', auth: 'admin', body: putIdentityProviderBody, ok: { envelope: { data: 'IdentityProvider', path: true } } },
  { method: 'get', path: `${env}/contact-centers/{ccid}/identity-provider`, operationId: 'getIdentityProvider', summary: "The contact center's identity provider (never a secret)", tag: 'Single sign-on', auth: 'admin', ok: { envelope: { data: 'IdentityProvider' } } },
  { method: 'delete', path: `${env}/contact-centers/{ccid}/identity-provider`, operationId: 'deleteIdentityProvider', summary: 'Remove the identity provider: its users sign in with a password again', tag: 'Single sign-on', auth: 'admin', ok: { envelope: {} } },
  { method: 'post', path: '/auth/v3/auth-scheme', operationId: 'authScheme', summary: 'Password or single sign-on for a login name (Genesys A10; the same answer time for unknown names)', tag: 'Single sign-on', auth: 'none', body: authSchemeBody, ok: { envelope: { data: 'AuthScheme' } } },
  { method: 'get', path: `${env}/cors`, operationId: 'listCorsOrigins', summary: "Every contact center's CORS origins (Genesys E12)", tag: 'CORS', auth: 'admin', ok: { envelope: { data: 'CorsOrigins' } } },
  { method: 'post', path: `${env}/cors`, operationId: 'addCorsOrigin', summary: "Add one origin to a contact center's cors-origins (normalized, idempotent; Genesys E13)", tag: 'CORS', auth: 'admin', body: addCorsOriginBody, ok: { envelope: { data: 'CorsOriginAdded' } } },
  { method: 'delete', path: `${env}/cors`, operationId: 'removeCorsOrigin', summary: "Remove one origin from a contact center's cors-origins (404 when not listed)", tag: 'CORS', auth: 'admin', query: removeCorsOriginQuery, ok: { envelope: {} }, errors: [404] },
  // userinfo (Genesys A3, A4)
  { method: 'get', path: '/auth/v3/userinfo', operationId: 'getCloudUserDetails', summary: 'Who the token stands for (Genesys CloudUserDetails)', tag: 'User info', auth: 'bearer', ok: { json: 'CloudUserDetails' } },
  { method: 'post', path: '/auth/v3/userinfo', operationId: 'postCloudUserDetails', summary: 'Same, the token in the header or an access_token form field', tag: 'User info', auth: 'bearer', ok: { json: 'CloudUserDetails' } },
  { method: 'get', path: '/auth/v3/openid/userinfo', operationId: 'getOpenIdUserInfo', summary: 'OpenID Connect user info (claims plus Genesys extras)', tag: 'User info', auth: 'bearer', ok: { json: 'OpenIdUserInfo' } },
  { method: 'post', path: '/auth/v3/openid/userinfo', operationId: 'postOpenIdUserInfo', summary: 'Same, the token in the header or an access_token form field', tag: 'User info', auth: 'bearer', ok: { json: 'OpenIdUserInfo' } },
  {
    method: 'get',
    path: '/auth/v3/jwt-userinfo',
    operationId: 'getJwtUserInfo',
    summary: 'The CloudUserDetails as a signed JWT in the X-GWS-User header (Genesys A5)',
    description: 'Answers the envelope; the `X-GWS-User` response header holds a JWT signed with the current signing key (verify it with `/auth/v3/oauth/jwks`): `iss` and `aud` = the issuer, `sub`, `iat`, `exp` (5 minutes), `jti`, and every CloudUserDetails field.',
    tag: 'User info',
    auth: 'bearer',
    ok: { envelope: {} },
    oauthErrors: true,
  },
  {
    method: 'get',
    path: '/auth/v3/ping',
    operationId: 'ping',
    summary: "Keep-alive: 200 for a live browser session (its idle time restarts) or access token, 403 otherwise (Genesys A6)",
    tag: 'User info',
    auth: 'none',
    ok: { envelope: {} },
    errors: [403],
  },
  {
    method: 'post',
    path: '/auth/v3/change-password',
    operationId: 'changePassword',
    summary: "A user changes their own password (Genesys A9): the user's access token, or userName; the old password always",
    description: "403 code 3 \"Unable to update password\" for a wrong old password (a failed login for the lockout), 400 code 10 when the contact center's password policy refuses the new one (README \"Password change and policy\").",
    tag: 'User info',
    auth: 'none',
    body: changePasswordBody,
    ok: { envelope: {} },
    errors: [401, 403, 429],
  },
  // sign-out (Genesys A7, A8)
  { method: 'post', path: '/auth/v3/sign-out', operationId: 'signOut', summary: "Revoke the token's grant (global=true: everything of the account)", ...signOut },
  { method: 'get', path: '/auth/v3/sign-out', operationId: 'signOutBrowser', summary: 'Sign out a browser: token and/or session cookie; redirects (303) to a registered redirectUri', ...signOut, redirect: 'signed out; sent to redirectUri (its origin is a registered redirect origin of the client)' },
  // operations
  { method: 'get', path: '/healthz', operationId: 'liveness', summary: 'The process is up', tag: 'Operations', auth: 'none', ok: { json: 'Health' } },
  { method: 'get', path: '/health', operationId: 'health', summary: 'The process is up (the path Genesys probes use)', tag: 'Operations', auth: 'none', ok: { json: 'Health' } },
  { method: 'get', path: '/readyz', operationId: 'readiness', summary: 'The database answers (503 when not)', tag: 'Operations', auth: 'none', ok: { json: 'Health' }, errors: [503] },
  { method: 'get', path: '/metrics', operationId: 'metrics', summary: 'Prometheus metrics (ccauth_*)', tag: 'Operations', auth: 'metrics', ok: { media: 'text/plain', description: 'Prometheus text exposition format' } },
  { method: 'get', path: '/openapi.json', operationId: 'openApiDocument', summary: 'This document', tag: 'Operations', auth: 'none', ok: { media: 'application/json', description: 'OpenAPI 3.1' } },
  { method: 'get', path: '/docs', operationId: 'apiDocs', summary: 'This document, rendered (Swagger UI, served by ccauth itself)', tag: 'Operations', auth: 'none', ok: { media: 'text/html', description: 'the docs page' } },
];
