/**
 * CORS at the edge of the OAuth endpoints that browsers call: token, introspection, revocation
 * (oidc-provider) and the two userinfo routes (ours) — genesys-api.md §6, design.md §3 "CORS".
 *
 * - Preflight (`OPTIONS` with `Access-Control-Request-Method`): answered here, never by
 *   oidc-provider (which would reflect any origin). `204`; the allow headers only when the origin
 *   is global (`CORS_ORIGINS`) or listed by some contact center's `cors-origins` — a preflight has
 *   no client or token yet. Requested headers are echoed, max age 600 s.
 * - Actual request with `Origin`: the allow-list snapshot is refreshed (≤ 1 s old) before the
 *   handler runs, because oidc-provider's `clientBasedCORS` hook is synchronous
 *   (oauth/cors.ts decides with the client's contact centers; the userinfo route decides with the
 *   token's). When nobody decided with a client — e.g. the client was unknown and oidc-provider
 *   answered an error — a reflected `Access-Control-Allow-Origin` is kept only for an origin that
 *   is allowed somewhere, and removed otherwise.
 * - `Access-Control-Allow-Credentials` is never sent; `Vary: Origin` always is.
 */
import type { Context, Next } from 'koa';
import { CORS_DECIDED_WITH_CLIENT } from '../../oauth/cors.ts';
import type { CorsPolicy } from '../../services/cors.service.ts';

/** Preflight cache lifetime announced to browsers, seconds. */
export const CORS_PREFLIGHT_MAX_AGE_SECONDS = 600;

/** Path → the methods a browser may use on it (e.g. `POST`, `GET, POST`). */
export type CorsRoutes = ReadonlyMap<string, string>;

const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;

/** Marks the request's CORS decision as taken (routes that check the origin themselves). */
export function markCorsDecided(ctx: Context): void {
  (ctx.state as Record<string, unknown>)[CORS_DECIDED_WITH_CLIENT] = true;
}

/** Builds the middleware for `routes`; other paths pass through untouched. */
export function oauthCors(policy: CorsPolicy, routes: CorsRoutes) {
  return async function oauthCorsMiddleware(ctx: Context, next: Next): Promise<void> {
    const methods = routes.get(ctx.path);
    if (!methods) return next();
    ctx.vary('Origin');
    const origin = ctx.get('Origin');

    if (ctx.method === 'OPTIONS') {
      ctx.status = 204;
      ctx.set('Allow', `${methods}, OPTIONS`);
      if (!origin || !ctx.get('Access-Control-Request-Method')) return;
      await policy.refresh();
      if (!policy.allowedAnywhere(origin)) {
        ctx.log?.info({ event: 'cors_preflight_refused', origin: origin.slice(0, 200), path: ctx.path }, 'CORS preflight from an unlisted origin');
        return;
      }
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.set('Access-Control-Allow-Methods', methods);
      const requested = ctx.get('Access-Control-Request-Headers');
      if (requested && requested.length <= 1024 && HEADER_LIST.test(requested.trim())) {
        ctx.set('Access-Control-Allow-Headers', requested.trim());
      }
      ctx.set('Access-Control-Max-Age', String(CORS_PREFLIGHT_MAX_AGE_SECONDS));
      return;
    }

    if (!origin) return next();
    await policy.refresh();
    try {
      await next();
    } finally {
      const decided = (ctx.state as Record<string, unknown>)[CORS_DECIDED_WITH_CLIENT] === true;
      if (!decided && ctx.response.get('Access-Control-Allow-Origin') && !policy.allowedAnywhere(origin)) {
        ctx.remove('Access-Control-Allow-Origin');
        ctx.remove('Access-Control-Expose-Headers');
      }
      ctx.remove('Access-Control-Allow-Credentials');
    }
  };
}
