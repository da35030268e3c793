/**
 * The compatibility matrix (docs/compatibility.md): which client library runs which flow against
 * ccauth, configured as its own documentation shows, and what (if anything) has to be configured
 * beyond ccauth's issuer, client id and secret.
 *
 * Each row is one test of test/compat/: {@link compatTest} declares the test from its row, so a
 * row without a test, or a test without a row, cannot exist (compatibility-table.test.ts checks
 * the files; the table in docs/compatibility.md is rendered from these rows and compared).
 */
import { it } from 'vitest';

/**
 * Where a library comes from, for its version: an npm package (`with`: other npm packages the
 * flow runs on, listed with their versions), or a Python module from a Debian package (`with`:
 * other Python modules).
 */
export type LibrarySource = { npm: string; with?: readonly string[] } | { python: string; debian: string; with?: readonly string[] };

/** One library × flow. */
export interface CompatRow {
  readonly id: string;
  /** The library as people know it. */
  readonly library: string;
  readonly source: LibrarySource;
  /** The flow, in RFC / library vocabulary. */
  readonly flow: string;
  /** The test file under test/compat/ (file name only). */
  readonly file: string;
  /** The test's title (what `it` is called with). */
  readonly test: string;
  /** What a user must configure besides issuer/endpoints, client id and secret; empty: nothing. */
  readonly configure: string;
}

const WIDGET = 'chat-widget.browser.test.ts';
const OPENID_CLIENT = 'openid-client.test.ts';
const OAUTH4WEBAPI = 'oauth4webapi.test.ts';
const SIMPLE = 'simple-oauth2.test.ts';
const PASSPORT = 'passport-oauth2.test.ts';
const PYTHON = 'python.test.ts';
const widgetSource = { npm: 'oidc-client-ts', with: ['playwright-core'] };
const openidClient = { npm: 'openid-client' };
const oauth4 = { npm: 'oauth4webapi' };
const simple = { npm: 'simple-oauth2' };
const authlib = { python: 'authlib', debian: 'python3-authlib' };
const rol = { python: 'requests_oauthlib', debian: 'python3-requests-oauthlib', with: ['oauthlib'] };
const INSECURE = '`OAUTHLIB_INSECURE_TRANSPORT=1` only when the issuer is plain `http://` (local tests)';

/** Every row of the matrix, in table order. */
export const COMPAT_ROWS = [
  { id: 'widget-code-pkce', library: 'oidc-client-ts (chat widget in Chromium)', source: widgetSource, file: WIDGET, flow: 'authorization code + PKCE, `scope: "openid profile email offline_access"`, login and consent pages', test: 'signs in with code + PKCE through the login and consent pages (scope openid profile email offline_access)', configure: 'a PUBLIC client (no secret) whose redirect URIs include the widget page; the widget origin in the contact center\'s `cors-origins` setting' },
  { id: 'widget-userinfo-cors', library: 'oidc-client-ts (chat widget in Chromium)', source: widgetSource, file: WIDGET, flow: '`/auth/v3/openid/userinfo` (the library\'s own `loadUserInfo`) and `/auth/v3/userinfo` from another origin through per-contact-center CORS', test: 'reads /auth/v3/openid/userinfo and /auth/v3/userinfo from the widget origin through the contact center CORS setting', configure: '' },
  { id: 'widget-silent-renew', library: 'oidc-client-ts (chat widget in Chromium)', source: widgetSource, file: WIDGET, flow: 'silent renew (`signinSilent`) with the refresh token', test: 'renews silently with the refresh token (signinSilent)', configure: '' },
  { id: 'widget-consent-deny', library: 'oidc-client-ts (chat widget in Chromium)', source: widgetSource, file: WIDGET, flow: 'consent Deny → `access_denied` at the widget', test: 'hands a consent Deny to the widget as access_denied', configure: '' },
  { id: 'widget-signout', library: 'oidc-client-ts (chat widget in Chromium)', source: widgetSource, file: WIDGET, flow: '`revokeTokensOnSignout` + RP-initiated logout (`signoutRedirect`) back to `post_logout_redirect_uri`', test: 'revokes its tokens on sign-out and ends the session with RP-initiated logout', configure: '`post_logout_redirect_uri` must be one of the client\'s redirect URIs (or under one registered as a bare origin)' },

  { id: 'openid-client-code', library: 'openid-client', source: openidClient, file: OPENID_CLIENT, flow: 'discovery, authorization code + PKCE with `scope: "openid profile email"`, ID token validation, userinfo', test: 'runs discovery, code + PKCE (openid profile email) with ID token validation, and userinfo', configure: '`allowInsecureRequests` only when the issuer is plain `http://` (local tests)' },
  { id: 'openid-client-refresh', library: 'openid-client', source: openidClient, file: OPENID_CLIENT, flow: 'refresh token grant, introspection, revocation', test: 'refreshes, introspects and revokes', configure: '' },
  { id: 'openid-client-client-credentials', library: 'openid-client', source: openidClient, file: OPENID_CLIENT, flow: 'client credentials', test: 'gets a client credentials token', configure: '' },
  { id: 'openid-client-passport', library: 'openid-client/passport (express)', source: { npm: 'openid-client', with: ['passport', 'express'] }, file: OPENID_CLIENT, flow: 'passport `Strategy` in an express app: code + PKCE, `scope: "openid profile email"`, ID token and userinfo', test: 'signs a person in to an express app through the openid-client/passport Strategy', configure: '' },

  { id: 'oauth4webapi-code', library: 'oauth4webapi', source: oauth4, file: OAUTH4WEBAPI, flow: 'discovery, authorization code + PKCE, ID token validation, userinfo (strict checks)', test: 'runs code + PKCE with ID token validation and userinfo', configure: '`[allowInsecureRequests]` only when the issuer is plain `http://` (local tests)' },
  { id: 'oauth4webapi-refresh', library: 'oauth4webapi', source: oauth4, file: OAUTH4WEBAPI, flow: 'refresh token grant, introspection, revocation', test: 'refreshes, introspects and revokes', configure: '' },
  { id: 'oauth4webapi-client-credentials', library: 'oauth4webapi', source: oauth4, file: OAUTH4WEBAPI, flow: 'client credentials (`ClientSecretBasic` and `ClientSecretPost`)', test: 'gets client credentials tokens with ClientSecretBasic and ClientSecretPost', configure: '' },

  { id: 'simple-oauth2-code', library: 'simple-oauth2', source: simple, file: SIMPLE, flow: '`AuthorizationCode`: `authorizeURL` with no scope, `getToken`, `refresh`', test: 'runs AuthorizationCode with no scope, then refreshes', configure: '`tokenPath`, `authorizePath`, `revokePath` under `/auth/v3/oauth/`' },
  { id: 'simple-oauth2-password', library: 'simple-oauth2', source: simple, file: SIMPLE, flow: '`ResourceOwnerPassword`', test: 'gets a token with ResourceOwnerPassword', configure: '' },
  { id: 'simple-oauth2-client-credentials', library: 'simple-oauth2', source: simple, file: SIMPLE, flow: '`ClientCredentials` (header and body authorization)', test: 'gets client credentials tokens with header and body authorization', configure: '' },
  { id: 'simple-oauth2-revoke', library: 'simple-oauth2', source: simple, file: SIMPLE, flow: '`revokeAll()`', test: 'revokes access and refresh token with revokeAll()', configure: '' },

  { id: 'passport-oauth2-code', library: 'passport-oauth2 (express)', source: { npm: 'passport-oauth2', with: ['passport', 'express'] }, file: PASSPORT, flow: '`OAuth2Strategy` with no `scope` option: authorization code, tokens used at `/auth/v3/userinfo`', test: 'signs a person in to an express app through OAuth2Strategy with no scope option', configure: '' },

  { id: 'authlib-client-credentials-basic', library: 'Authlib (Python)', source: authlib, file: PYTHON, flow: 'client credentials, `client_secret_basic`', test: 'authlib: client credentials with client_secret_basic', configure: '' },
  { id: 'authlib-client-credentials-post', library: 'Authlib (Python)', source: authlib, file: PYTHON, flow: 'client credentials, `client_secret_post`', test: 'authlib: client credentials with client_secret_post', configure: '' },
  { id: 'authlib-password-refresh', library: 'Authlib (Python)', source: authlib, file: PYTHON, flow: 'password, then refresh', test: 'authlib: password grant, then refresh', configure: '' },
  { id: 'authlib-code-pkce', library: 'Authlib (Python)', source: authlib, file: PYTHON, flow: 'authorization code + PKCE (`openid profile email`), ID token validated with `authlib.jose` against the JWKS', test: 'authlib: code + PKCE with ID token validation', configure: '' },
  { id: 'requests-oauthlib-client-credentials-basic', library: 'requests-oauthlib (Python)', source: rol, file: PYTHON, flow: 'client credentials (`BackendApplicationClient`), HTTP Basic', test: 'requests-oauthlib: client credentials with HTTP Basic', configure: INSECURE },
  { id: 'requests-oauthlib-client-credentials-post', library: 'requests-oauthlib (Python)', source: rol, file: PYTHON, flow: 'client credentials, credentials in the body (`include_client_id=True`)', test: 'requests-oauthlib: client credentials with the secret in the body', configure: INSECURE },
  { id: 'requests-oauthlib-password-refresh', library: 'requests-oauthlib (Python)', source: rol, file: PYTHON, flow: 'password (`LegacyApplicationClient`), then `refresh_token`', test: 'requests-oauthlib: password grant, then refresh', configure: INSECURE },
  { id: 'requests-oauthlib-code-pkce', library: 'requests-oauthlib (Python)', source: rol, file: PYTHON, flow: 'authorization code + PKCE (`openid profile email`), ID token validated with `authlib.jose`', test: 'requests-oauthlib: code + PKCE with ID token validation', configure: `${INSECURE}; version 1.3 has no PKCE option: pass \`code_challenge\`/\`code_challenge_method\` to \`authorization_url\` and \`code_verifier\` to \`fetch_token\`` },
] as const satisfies readonly CompatRow[];

/** A row id. */
export type CompatId = (typeof COMPAT_ROWS)[number]['id'];

/** The row with `id`. @throws when there is none. */
export function compatRow(id: CompatId): CompatRow {
  const row = COMPAT_ROWS.find((r) => r.id === id);
  if (!row) throw new Error(`no compatibility row ${id}`);
  return row;
}

/** Declares the test of row `id` (title from the row); `timeoutMs` bounds it (default 60 s). */
export function compatTest(id: CompatId, fn: () => Promise<void>, timeoutMs = 60_000): void {
  it(compatRow(id).test, fn, timeoutMs);
}
