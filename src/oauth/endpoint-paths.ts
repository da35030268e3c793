/**
 * Every path oidc-provider serves for ccauth (the `routes` of provider.ts, the sub-paths
 * oidc-provider derives from them, and discovery), for the one-spelling gate
 * (http/middleware/canonical-paths.ts; README "Security model" → "Hostile input"). Listed whether
 * or not their feature is enabled, so enabling one later cannot open an unguarded spelling.
 */
import { OAUTH_PREFIX } from './provider.ts';

/** Exact paths (RFC 8414 §3 and OpenID Connect Discovery 1.0 §4 for the two `/.well-known` ones). */
export const PROVIDER_PATHS: readonly string[] = Object.freeze([
  ...['authorize', 'token', 'introspect', 'revoke', 'jwks', 'logout', 'logout/confirm', 'logout/success', 'par', 'device', 'device/auth', 'backchannel', 'register', 'challenge', 'credential'].map(
    (p) => `${OAUTH_PREFIX}/${p}`,
  ),
  '/.well-known/openid-configuration',
  '/.well-known/oauth-authorization-server',
  '/.well-known/openid-credential-issuer',
]);

/** Paths oidc-provider serves with one id segment after them: `authorize/:uid`, `device/:uid`, `register/:clientId`. */
export const PROVIDER_ID_PARENTS: readonly string[] = Object.freeze(['authorize', 'device', 'register'].map((p) => `${OAUTH_PREFIX}/${p}`));
