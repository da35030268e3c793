/**
 * `POST /auth/v3/change-password` — a user changes their own password (Genesys Authentication
 * API, genesys-api.md §2 A9; README "Signing in" → "Password change and policy").
 *
 * Body `{"data": {"oldPassword": "...", "newPassword": "...", "userName"?: "domain\\user",
 * "tenant"?: "..."}}` (JSON, the Genesys envelope answers). Who changes:
 * - with the access token of a user (`Authorization: Bearer`, or `DPoP` with a proof for a
 *   DPoP-bound token; http/middleware/access-token.ts): that user (`userName` is ignored); the
 *   grant of that token is kept, every other grant, token and session of the user is revoked;
 * - without a token: the user named by `userName` (`domain\user`, or the user plus `tenant`), so a
 *   user whose password expired or must be changed (who can get no token) can change it; every
 *   grant of the user is revoked.
 * The old password is always required. Answers:
 * - `200 {"status":{"code":0}}`;
 * - `403` code 3 "Unable to update password": a wrong old password, an unknown or disabled user,
 *   the ops principal (its password is configuration), a client-credentials token; a wrong password
 *   counts as a failed login (the lockout of README "Security model" applies, `429` when over it);
 * - `401` code 20 with `WWW-Authenticate: Bearer ... error="invalid_token"`: a token that is not live;
 * - `400` code 10 with `status.detail.errors` on `data.newPassword`: the contact center's password
 *   policy refuses the new password (services/password-change.service.ts); code 1/10 for a missing
 *   or malformed field.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.ts';
import type { PasswordChangeService } from '../../services/password-change.service.ts';
import type { Principal, PrincipalsService } from '../../services/principals.service.ts';
import type { CredentialGuard } from '../../services/rate-limit.service.ts';

import { ok } from '../envelope.ts';
import { parseAuthorization } from '../middleware/access-token.ts';
import type { AccessTokenVerifier } from '../middleware/access-token.ts';
import { REALM } from '../middleware/realm.ts';
import { tooManyAttemptsEnvelope } from '../middleware/rate-limit.ts';
import { validateBody } from '../validate.ts';

/** The route's path. */
export const CHANGE_PASSWORD_PATH = '/auth/v3/change-password';

const secret = z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(1024, 'must be at most 1024 characters');

/** The request body (Genesys `ChangePasswordOperation`). */
export const changePasswordBody = z.object({
  data: z.object({
    oldPassword: secret,
    newPassword: secret,
    userName: z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty').max(512, 'must be at most 512 characters').optional(),
    tenant: z.string({ error: 'must be a string' }).trim().max(255, 'must be at most 255 characters').optional(),
  }),
});

export interface ChangePasswordDeps {
  /** Verifies a Bearer or DPoP-presented access token (http/middleware/access-token.ts). */
  verifyAccessToken: AccessTokenVerifier;
  principals: PrincipalsService;
  guard: CredentialGuard;
  passwords: PasswordChangeService;
}

/** The Genesys answer to any refused change (genesys-api.md §2 A9). */
const unableToUpdate = (): AppError => new AppError('forbidden', 'Unable to update password');

function invalidToken(ctx: Context, challenge = `Bearer realm="${REALM}", error="invalid_token"`): void {
  ctx.status = 401;
  ctx.set('WWW-Authenticate', challenge);
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { status: { code: 20, message: 'the access token is invalid, expired or revoked' } };
}

/** Builds the router; mount it behind the envelope error handler and the JSON body parser. */
export function createChangePasswordRouter(deps: ChangePasswordDeps): Router {
  const router = new Router();

  router.post(CHANGE_PASSWORD_PATH, async (ctx) => {
    const { data } = validateBody(ctx, changePasswordBody);
    const header = ctx.get('authorization');
    let login: string | undefined;
    let tenant: string | undefined;
    let keepGrantId: string | undefined;
    if (header) {
      const presented = parseAuthorization(header);
      if (!presented || 'malformed' in presented) return invalidToken(ctx);
      const outcome = await deps.verifyAccessToken(ctx, presented);
      if (!outcome.ok) return invalidToken(ctx, outcome.challenge);
      const resolved = outcome.token;
      const principal = resolved.accountId ? deps.principals.principalOf(resolved.accountId, resolved.user) : undefined;
      if (resolved.kind !== 'access_token' || principal?.kind !== 'user') throw unableToUpdate();
      login = await deps.passwords.loginNameOf(principal.user);
      keepGrantId = resolved.grantId;
    } else {
      if (!data.userName) throw new AppError('missing_parameter', "missing required parameter 'data.userName' (or send the user's access token)");
      login = data.userName;
      tenant = data.tenant || undefined;
    }
    if (!login) throw unableToUpdate();

    const attempt = await deps.guard.begin({ kind: 'user', login, tenant }, ctx.ip, { surface: 'change_password', log: ctx.log });
    if (!attempt.ok) return tooManyAttemptsEnvelope(ctx, attempt.retryAfterSeconds);
    let principal: Principal | undefined;
    try {
      principal = await deps.principals.authenticate(login, data.oldPassword, tenant);
    } catch (err) {
      await attempt.cancel();
      throw err;
    }
    if (!principal) {
      const { lockedForSeconds } = await attempt.failed();
      if (lockedForSeconds > 0) return tooManyAttemptsEnvelope(ctx, lockedForSeconds);
      ctx.log.info({ event: 'password_change_refused', reason: 'credentials' }, 'password change refused');
      throw unableToUpdate();
    }
    await attempt.succeeded();
    if (principal.kind !== 'user') throw unableToUpdate();

    await deps.passwords.change({
      user: principal.user,
      newPassword: data.newPassword,
      keepGrantId,
      who: { actor: login, sourceIp: ctx.ip || null },
      via: keepGrantId !== undefined ? 'token' : 'credentials',
    });
    ctx.log.info({ event: 'password_changed', user_id: principal.user.id, ccid: principal.user.ccid }, 'password changed');
    ok(ctx);
  });

  return router;
}
