/**
 * oidc-provider's grant helpers (`lib/helpers/grants.js`) bound to a provider, as oidc-provider's own
 * initialisation binds them for its built-in grant handlers; ccauth calls those handlers itself
 * (grants/refresh-token.ts, grants/authorization-code.ts).
 */
import type Provider from 'oidc-provider';
import * as grantHelpers from 'oidc-provider/lib/helpers/grants.js';

/** The helpers object a built-in handler takes as its second argument: `{ name: helper bound to provider }`. */
export function boundGrantHelpers(provider: Provider): Record<string, unknown> {
  return Object.fromEntries(Object.entries(grantHelpers).map(([n, fn]) => [n, (fn as (...a: unknown[]) => unknown).bind(undefined, provider)]));
}
