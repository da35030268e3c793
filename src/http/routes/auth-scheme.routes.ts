/**
 * `POST /auth/v3/auth-scheme` — how a login name signs in (Genesys Authentication's login UI asks
 * this before showing a password field; README "Signing in" → "Single sign-on"). Body
 * `{"data": {"userName": "t100\\agent"}}` or `{"data": {"userName": "agent", "tenant": "t100"}}`;
 * answer `{"status": {"code": 0}, "data": {"scheme": "saml" | "oidc" | "basic"}}`. The scheme
 * depends only on the login domain (one indexed lookup whatever the name), so an unknown domain and
 * an unknown user both answer `basic` the same way and names cannot be enumerated. No
 * authentication (the login page calls it).
 */
import Router from '@koa/router';
import { z } from 'zod';
import type { SingleSignOnService } from '../../federation/single-sign-on.service.ts';
import { ok } from '../envelope.ts';
import { validateBody } from '../validate.ts';

/** Path of the endpoint. */
export const AUTH_SCHEME_PATH = '/auth/v3/auth-scheme';

/** The request body (Genesys `auth-scheme`: `userName`, optionally `tenant`). */
export const authSchemeBody = z.object({
  data: z.object({
    userName: z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(512, 'must be at most 512 characters'),
    tenant: z.string({ error: 'must be a string' }).max(255, 'must be at most 255 characters').optional(),
  }),
});

/** The auth-scheme route. */
export function createAuthSchemeRouter(deps: { sso: SingleSignOnService }): Router {
  const router = new Router();
  router.post(AUTH_SCHEME_PATH, async (ctx) => {
    const { data } = validateBody(ctx, authSchemeBody);
    const scheme = await deps.sso.schemeFor(data.userName.trim(), data.tenant?.trim() || undefined);
    ok(ctx, { data: { scheme } });
  });
  return router;
}
