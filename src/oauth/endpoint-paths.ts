/**
 * Every path oidc-provider serves for ccauth (the `routes` of provider.ts, the sub-paths
 * oidc-provider derives from them, and discovery), for the one-spelling gate
 * (http/middleware/canonical-paths.ts; docs/security-model.md "Security model" → "Hostile input"). Listed whether
 * or not their feature is enabled, so enabling one later cannot open an unguarded spelling.
 */
import { OAUTH_PREFIX } from './provider.ts';

/** Exact paths (RFC 8414 §3 and OpenID Connect Discovery 1.0 §4 for the two `/.well-known` ones). */
export const PROVIDER_PATHS: readonly string[] = Object.freeze([
  ...['authorize', 'token', 'introspect', 'revoke', 'jwks', 'logout', 'logout/confirm', 'logout/success', 'par', 'device', 'device/auth', 'backchannel', 'register', 'challenge', 'credential'].map(
    (p) => `${OAUTH_PREFIX}/${p}`,
  ),
  // the device flow's user code page (provider.ts `routes.code_verification`, outside the OAuth prefix)
  '/auth/v3/device',
  '/.well-known/openid-configuration',
  '/.well-known/oauth-authorization-server',
  '/.well-known/openid-credential-issuer',
]);

/** Paths oidc-provider serves with one id segment after them: `authorize/:uid`, `device/:uid`, `register/:clientId`, and the device resume `/auth/v3/device/:uid`. */
export const PROVIDER_ID_PARENTS: readonly string[] = Object.freeze([...['authorize', 'device', 'register'].map((p) => `${OAUTH_PREFIX}/${p}`), '/auth/v3/device']);
