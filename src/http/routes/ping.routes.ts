/**
 * `GET /auth/v3/ping` — the agent desktop's keep-alive (Genesys Authentication API "ping",
 * genesys-api.md §2 A6).
 *
 * - A live browser session (oidc-provider's session cookie, signed-in account still enabled):
 *   `200 {"status":{"code":0}}`, and the session's idle time restarts — its server-side expiry and
 *   the cookie's are set {@link SESSION_TTL_SECONDS} ahead again.
 * - A live access token (`Authorization: Bearer`, or `DPoP` with a proof for a DPoP-bound token, as
 *   on the userinfo routes) of a user, the ops principal or a client:
 *   `200 {"status":{"code":0}}` (tokens have a fixed lifetime; nothing restarts).
 * - Anything else — no session, an expired or unknown one, a token that is not live — `403
 *   {"status":{"code":3,"message":"no live session or access token"}}`, as Genesys answers.
 * Always `Cache-Control: no-store`.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { SESSION_TTL_SECONDS } from '../../oauth/provider.ts';
import type { PrincipalsService } from '../../services/principals.service.ts';
import { parseAuthorization } from '../middleware/access-token.ts';
import type { AccessTokenVerifier } from '../middleware/access-token.ts';

/** The route's path. */
export const PING_PATH = '/auth/v3/ping';

export interface PingDeps {
  getProvider: () => Provider;
  /** Verifies a Bearer or DPoP-presented access token (http/middleware/access-token.ts). */
  verifyAccessToken: AccessTokenVerifier;
  principals: Pick<PrincipalsService, 'principalOf' | 'findByAccountId'>;
}

/** True when `ctx` carries a live access token. */
async function liveToken(ctx: Context, deps: PingDeps): Promise<boolean> {
  const presented = parseAuthorization(ctx.get('authorization'));
  if (!presented || 'malformed' in presented) return false;
  const outcome = await deps.verifyAccessToken(ctx, presented);
  if (!outcome.ok) return false;
  const resolved = outcome.token;
  if (resolved.kind === 'client_credentials') return true;
  return resolved.accountId !== undefined && deps.principals.principalOf(resolved.accountId, resolved.user) !== undefined;
}

/** True when the browser's session is live; restarts its idle time (see the module comment). */
async function liveSession(ctx: Context, deps: PingDeps): Promise<boolean> {
  const provider = deps.getProvider();
  // `new` and `id` are oidc-provider Session members its type declarations leave out
  const session = (await provider.Session.get(ctx as never)) as InstanceType<Provider['Session']> & { new?: boolean; id: string };
  if (session.new || !session.accountId) return false;
  if (!(await deps.principals.findByAccountId(session.accountId))) return false;
  const pctx = provider.createContext(ctx.req, ctx.res);
  pctx.cookies.set(provider.cookieName('session'), session.id, { httpOnly: true, sameSite: 'lax', signed: true, overwrite: true, maxAge: SESSION_TTL_SECONDS * 1000 });
  await session.save(SESSION_TTL_SECONDS);
  return true;
}

/** Builds the router. */
export function createPingRouter(deps: PingDeps): Router {
  const router = new Router();
  router.get(PING_PATH, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const alive = ctx.get('authorization') ? await liveToken(ctx, deps) : await liveSession(ctx, deps);
    if (alive) {
      ctx.body = { status: { code: 0 } };
      return;
    }
    ctx.status = 403;
    ctx.body = { status: { code: 3, message: 'no live session or access token' } };
  });
  return router;
}
