/**
 * oidc-provider's `clientBasedCORS` hook (design.md §3 "CORS"; genesys-api.md §6).
 *
 * oidc-provider calls it synchronously, once the client of a token, introspection or revocation
 * request with an `Origin` header is known (node_modules/oidc-provider/lib/shared/cors.js, on
 * `assign.client`, before the client secret is checked). `false` makes oidc-provider drop its
 * `Access-Control-Allow-Origin` and answer `400 invalid_request` ("origin ... not allowed for
 * client"), so a refused origin never reaches the grant. The answer comes from the in-process
 * snapshot of {@link CorsPolicy}; the HTTP edge refreshes it before the provider runs.
 */
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { CorsPolicy } from '../services/cors.service.ts';
import type { CcauthClientExtras } from './client-metadata.ts';

/** `ctx.state` key set to `true` once the CORS decision for this request was taken with its client. */
export const CORS_DECIDED_WITH_CLIENT = 'ccauthCorsDecidedWithClient';

/** The hook's signature (oidc-provider `Configuration['clientBasedCORS']`). */
export type ClientBasedCors = (ctx: KoaContextWithOIDC, origin: string, client: unknown) => boolean;

/**
 * Builds the hook: the origin must be global or listed by one of the client's contact centers
 * (`ccauth_contact_center_ids`). With no policy every cross-origin call with an `Origin` is refused.
 */
export function createClientBasedCors(policy: CorsPolicy | undefined): ClientBasedCors {
  return (ctx, origin, client) => {
    (ctx.state as Record<string, unknown>)[CORS_DECIDED_WITH_CLIENT] = true;
    if (!policy) return false;
    return policy.allowedFor(origin, (client as CcauthClientExtras).ccauth_contact_center_ids ?? []);
  };
}
