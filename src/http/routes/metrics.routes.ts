/**
 * `GET /metrics`: Prometheus text exposition (design.md §1; metric list in
 * src/observability/metrics.ts).
 *
 * With METRICS_TOKEN set, the request must carry `Authorization: Bearer <METRICS_TOKEN>` (compared
 * in constant time); otherwise `401` with `WWW-Authenticate: Bearer realm="ccauth"` and
 * `{"error":"invalid_token"}`. Without METRICS_TOKEN the endpoint is open: expose it only on a
 * network the operator trusts.
 */
import Router from '@koa/router';
import { constantTimeEqual } from '../../security/tokens.ts';

/** Path of the endpoint. */
export const METRICS_PATH = '/metrics';

export interface MetricsRouterDeps {
  /** The exposition text (one registry, or the sum over cluster workers). */
  metricsText(): Promise<string>;
  /** Content-Type of the text (prom-client's `registry.contentType`). */
  contentType: string;
  /** METRICS_TOKEN; undefined leaves the endpoint open. */
  token: string | undefined;
}

const BEARER = /^bearer\s+(\S+)\s*$/i;

/** Builds the router. */
export function createMetricsRouter(deps: MetricsRouterDeps): Router {
  const router = new Router();
  router.get(METRICS_PATH, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    if (deps.token !== undefined) {
      const presented = BEARER.exec(ctx.get('authorization'))?.[1];
      if (!presented || !constantTimeEqual(presented, deps.token)) {
        ctx.status = 401;
        ctx.set('WWW-Authenticate', presented ? 'Bearer realm="ccauth", error="invalid_token"' : 'Bearer realm="ccauth"');
        ctx.body = { error: 'invalid_token', error_description: 'a valid metrics bearer token is required' };
        return;
      }
    }
    try {
      ctx.body = await deps.metricsText();
      ctx.type = deps.contentType;
    } catch (err) {
      ctx.log?.error({ err }, 'metrics collection failed');
      ctx.status = 500;
      ctx.body = { error: 'server_error', error_description: 'metrics unavailable' };
    }
  });
  return router;
}
