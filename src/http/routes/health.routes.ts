/**
 * `/healthz` (the process is up) and `/readyz` (the database answers), for load balancers and
 * Kubernetes probes. Also `/health`, the path Genesys probes use (genesys-api.md §2 A20).
 */
import Router from '@koa/router';
import type { Context } from 'koa';

export function createHealthRouter(deps: { pingDatabase: () => Promise<void> }): Router {
  const router = new Router();
  const live = (ctx: Context) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  };
  router.get('/healthz', live);
  router.get('/health', live);
  router.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    try {
      await Promise.race([
        deps.pingDatabase(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref()),
      ]);
      ctx.body = { status: 'ready', database: 'ok' };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'not ready', database: 'unreachable' };
    }
  });
  return router;
}
