/**
 * Database outages on the OAuth and browser paths (README "Security model" → "Concurrency and
 * faults"): a request that fails because PostgreSQL is unreachable answers
 * `503 {"error":"temporarily_unavailable","error_description":...}` with `Retry-After` and
 * `Cache-Control: no-store`, instead of oidc-provider's `500 server_error` or koa's plain-text 500.
 * (`temporarily_unavailable` is RFC 6749 §4.1.2.1's code for exactly this; token, introspection
 * and revocation clients that only know §5.2 still see a JSON error with a 5xx status.) The admin
 * APIs answer their own Genesys envelope (error-handler.ts); both use db/errors.ts.
 *
 * oidc-provider catches every error of its endpoints and renders it itself, so the cause is
 * reported from its `server_error` event through {@link noteProviderServerError}; this middleware
 * (mounted around everything below the request context) then rewrites the response:
 * - a JSON error response (status 500) → the 503 above; an HTML error page (oidc-provider's
 *   `renderError` for a browser, http/oauth-error-pages.ts) → 503 with the "temporarily
 *   unavailable" page;
 * - an authorization-endpoint error redirect (`Location: ...?error=server_error`) →
 *   `error=temporarily_unavailable` (RFC 6749 §4.1.2.1), status unchanged;
 * - an error thrown by our own routes (userinfo, sign-in, interaction pages) → the 503 above;
 * - any other `500` (a route that caught the error itself and answered 500): when the database
 *   does not answer a probe right then (`select 1`, bounded by `probeTimeoutMs`; concurrent 500s
 *   share one probe), the status becomes 503 with `Retry-After`, and an RFC 6749 error body
 *   becomes the body above. A 500 while the database answers stays a 500.
 */
import type { Context, Next } from 'koa';
import { isDatabaseUnavailable } from '../../db/errors.ts';
import { renderUnavailablePage } from '../oauth-error-pages.ts';

/** Seconds a client is told to wait before retrying (`Retry-After`). */
export const DB_UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** The RFC 6749 error body of a database outage. */
export const DB_UNAVAILABLE_BODY = Object.freeze({
  error: 'temporarily_unavailable',
  error_description: 'the service is temporarily unavailable; retry shortly',
});

/** Errors oidc-provider reported through `server_error` for a request (keyed by its koa context). */
const providerErrors = new WeakMap<object, unknown>();

/**
 * Records the error behind an oidc-provider `server_error` event (`provider.on('server_error',
 * (ctx, err) => noteProviderServerError(ctx, err))`) so {@link databaseUnavailable} can tell a
 * database outage from a bug. Returns true when `err` is a database outage (the caller may then
 * log it as such rather than as a server error).
 */
export function noteProviderServerError(ctx: object, err: unknown): boolean {
  providerErrors.set(ctx, err);
  return isDatabaseUnavailable(err);
}

function answer503(ctx: Context, err: unknown): void {
  ctx.log?.warn({ err, event: 'database_unavailable' }, 'database unavailable');
  ctx.status = 503;
  ctx.set('Retry-After', String(DB_UNAVAILABLE_RETRY_AFTER_SECONDS));
  ctx.set('Cache-Control', 'no-store');
  // a page for a person in a browser (oidc-provider's renderError answered HTML), JSON otherwise
  if (ctx.response.is('html')) renderUnavailablePage(ctx);
  else ctx.body = { ...DB_UNAVAILABLE_BODY };
}

/** Rewrites `error=server_error` in an authorization error redirect; true when it did. */
function rewriteErrorRedirect(ctx: Context): boolean {
  const location = ctx.response.get('Location');
  if (!location || !/[?&#]error=server_error(&|$)/.test(location)) return false;
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return false;
  }
  const params = url.hash.length > 1 ? new URLSearchParams(url.hash.slice(1)) : url.searchParams;
  if (params.get('error') !== 'server_error') return false;
  params.set('error', DB_UNAVAILABLE_BODY.error);
  params.set('error_description', DB_UNAVAILABLE_BODY.error_description);
  if (url.hash.length > 1) url.hash = params.toString();
  ctx.redirect(url.toString()); // Location and koa's "Redirecting to" body; the 3xx status stays
  ctx.set('Retry-After', String(DB_UNAVAILABLE_RETRY_AFTER_SECONDS));
  return true;
}

/** Options of {@link databaseUnavailable}. */
export interface DatabaseUnavailableOptions {
  /** Sends a trivial query (`select 1`); rejects when the database does not answer. */
  probe?: () => Promise<void>;
  /** Longest wait for the probe, milliseconds (longer counts as unavailable). Default 1000. */
  probeTimeoutMs?: number;
}

/**
 * koa middleware: mount it right after the request context (it logs through `ctx.log`) and above
 * the routers and the provider. Errors that are not database outages pass through untouched.
 */
export function databaseUnavailable(opts: DatabaseUnavailableOptions = {}) {
  const probeTimeoutMs = opts.probeTimeoutMs ?? 1000;
  let probing: Promise<unknown> | undefined;

  /** The error that shows the database unavailable now, or undefined when it answers. */
  function probeNow(): Promise<unknown> {
    if (!opts.probe) return Promise.resolve(undefined);
    probing ??= new Promise<unknown>((resolve) => {
      const timer = setTimeout(() => resolve(new Error(`database probe timeout expired after ${probeTimeoutMs} ms`)), probeTimeoutMs);
      timer.unref();
      opts.probe!().then(
        () => resolve(undefined),
        (err: unknown) => resolve(isDatabaseUnavailable(err) ? err : undefined),
      ).finally(() => clearTimeout(timer));
    }).finally(() => {
      probing = undefined;
    });
    return probing;
  }

  return async function databaseUnavailableMiddleware(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      answer503(ctx, err);
      return;
    }
    const reported = providerErrors.get(ctx);
    if (reported !== undefined) {
      providerErrors.delete(ctx);
      if (isDatabaseUnavailable(reported)) {
        if (ctx.status === 500) answer503(ctx, reported);
        else {
          if (ctx.status >= 300 && ctx.status < 400) rewriteErrorRedirect(ctx);
          ctx.log?.warn({ err: reported, event: 'database_unavailable' }, 'database unavailable');
        }
        return;
      }
    }
    if (ctx.status !== 500) return;
    const down = await probeNow();
    if (down === undefined) return;
    const body = ctx.body as { error?: unknown } | undefined;
    if (body && typeof body === 'object' && !Buffer.isBuffer(body) && typeof body.error === 'string') {
      answer503(ctx, down);
    } else {
      // a page of our own (HTML): keep it, but say "unavailable, retry" rather than "broken"
      ctx.log?.warn({ err: down, event: 'database_unavailable' }, 'database unavailable');
      ctx.status = 503;
      ctx.set('Retry-After', String(DB_UNAVAILABLE_RETRY_AFTER_SECONDS));
    }
  };
}
