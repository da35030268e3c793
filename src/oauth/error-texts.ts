/**
 * Clearer `error_description` texts for oidc-provider errors whose own words mislead the people
 * integrating a client (RFC 6749 §5.2: the description helps the client developer). Applied as an
 * after-middleware on the client-authenticating endpoints (token, introspection, revocation); the
 * `error` code and HTTP status stay oidc-provider's.
 *
 * - "no client authentication mechanism provided" (the request named no client at all) → says that
 *   `client_id` is missing and how each kind of client sends it. A data store set up from the
 *   Genesys document "Adding a data store with OAuth 2.0 authorization" has no Client ID field, so
 *   this is the first error its integrators meet (README "Prebuilt integrations").
 */
import type { KoaContextWithOIDC } from 'oidc-provider';

/** The description of a request to a client-authenticating endpoint that named no client. */
export const MISSING_CLIENT_ID_DESCRIPTION =
  'client_id is missing: a public client sends client_id in the form body; a confidential client authenticates with HTTP Basic (client_id:client_secret) or with client_id and client_secret in the form body (RFC 6749 §2.3.1, §3.2.1)';

/** oidc-provider's description → ours, per error code. */
const CLEARER: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  invalid_request: { 'no client authentication mechanism provided': MISSING_CLIENT_ID_DESCRIPTION },
};

const ROUTES = new Set(['token', 'introspection', 'revocation']);

/** provider.use() middleware rewriting the descriptions above on the token, introspection and revocation endpoints. */
export async function clearerErrorTexts(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
  await next();
  if (!ROUTES.has(ctx.oidc?.route ?? '') || !ctx.body || typeof ctx.body !== 'object') return;
  const body = ctx.body as { error?: unknown; error_description?: unknown };
  if (typeof body.error !== 'string' || typeof body.error_description !== 'string') return;
  const clearer = CLEARER[body.error]?.[body.error_description];
  if (clearer) body.error_description = clearer;
}
