// oidc-provider's built-in refresh_token grant, wrapped by src/oauth/grants/refresh-token.ts.
declare module 'oidc-provider/lib/actions/grants/refresh_token.js' {
  export const handler: (provider: unknown, helpers: Record<string, unknown>, ctx: unknown) => Promise<void>;
  export const parameters: Set<string>;
}
declare module 'oidc-provider/lib/helpers/grants.js' {
  const helpers: Record<string, (...args: unknown[]) => unknown>;
  export = helpers;
}
// oidc-provider's built-in authorization_code grant, wrapped by src/oauth/grants/authorization-code.ts.
declare module 'oidc-provider/lib/actions/grants/authorization_code.js' {
  export const handler: (provider: unknown, helpers: Record<string, unknown>, ctx: unknown) => Promise<void>;
  export const parameters: Set<string>;
}
// oidc-provider's JWT verification against a keystore (refetching a client's jwks_uri for an
// unknown kid), used by src/oauth/assertions.ts.
declare module 'oidc-provider/lib/helpers/jwt.js' {
  export function verify(
    jwt: string,
    keystore: unknown,
    options?: { ignoreExpiration?: boolean; ignoreNotBefore?: boolean; ignoreIssued?: boolean; clockTolerance?: number },
  ): Promise<{ payload: Record<string, unknown>; header: Record<string, unknown> }>;
}
// oidc-provider's per-provider private state (the provider keystore lives in `.keystore`).
declare module 'oidc-provider/lib/helpers/weak_cache.js' {
  const instance: (provider: unknown) => { keystore: unknown; configuration: Record<string, unknown> };
  export default instance;
}
