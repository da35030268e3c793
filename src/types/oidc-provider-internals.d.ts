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
