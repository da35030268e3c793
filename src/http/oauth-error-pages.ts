/**
 * oidc-provider's `renderError` (design.md §3): the page a browser gets when an authorization
 * request fails and cannot be redirected back to the client (RFC 6749 §4.1.2.1), and when another
 * oidc-provider endpoint fails for a request that asked for HTML. It is ccauth's own page
 * (views/oauth-error.view.ts) with the page security headers; the status oidc-provider chose
 * (400, 500, ...) stays, and nothing redirects. A caller that accepts JSON but not HTML still gets
 * oidc-provider's RFC 6749 error JSON.
 */
import type { Context } from 'koa';
import type { KoaContextWithOIDC, errors } from 'oidc-provider';
import { newCspNonce, setPageSecurityHeaders } from './middleware/security-headers.ts';
import { oauthErrorPage } from './views/oauth-error.view.ts';

/** oidc-provider routes whose errors are about signing in (the authorization endpoint and its resume). */
const SIGN_IN_ROUTES = new Set(['authorization', 'resume']);

/** The error body oidc-provider hands to `renderError` (`error`, `error_description`, `state`, `iss`). */
export interface ErrorOut {
  error: string;
  error_description?: string | undefined;
  [key: string]: unknown;
}

/**
 * Renders `out` for `ctx`: an HTML page in the login page's look, or JSON for a caller that does
 * not accept HTML. The client's name is shown only when the request named a registered client
 * (never text taken from the request).
 */
export function renderOAuthError(ctx: KoaContextWithOIDC, out: ErrorOut, _error?: errors.OIDCProviderError | Error): void {
  if (ctx.accepts('html', 'json') !== 'html') {
    ctx.type = 'json';
    ctx.body = out;
    return;
  }
  const nonce = newCspNonce();
  setPageSecurityHeaders(ctx, { nonce });
  const client = ctx.oidc?.client;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = oauthErrorPage({
    nonce,
    error: typeof out.error === 'string' ? out.error : 'server_error',
    description: typeof out.error_description === 'string' ? out.error_description : undefined,
    clientName: client ? client.clientName || client.clientId : undefined,
    signIn: SIGN_IN_ROUTES.has(ctx.oidc?.route ?? ''),
  });
}

/**
 * Replaces an HTML error page with the "temporarily unavailable" page (RFC 6749 §4.1.2.1
 * `temporarily_unavailable`), for a database outage (http/middleware/db-unavailable.ts); the
 * caller sets the status and `Retry-After`.
 */
export function renderUnavailablePage(ctx: Context): void {
  const nonce = newCspNonce();
  setPageSecurityHeaders(ctx, { nonce });
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = oauthErrorPage({ nonce, error: 'temporarily_unavailable' });
}
