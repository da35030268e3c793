// oidc-provider's grant internals, imported to wrap the built-in client_credentials handler.
declare module 'oidc-provider/lib/actions/grants/client_credentials.js' {
  export const handler: (provider: unknown, helpers: Record<string, unknown>, ctx: unknown) => Promise<void>;
  export const parameters: Set<string>;
  export const grantType: string;
}
declare module 'oidc-provider/lib/helpers/grants.js' {
  const helpers: Record<string, (...args: unknown[]) => unknown>;
  export = helpers;
}
