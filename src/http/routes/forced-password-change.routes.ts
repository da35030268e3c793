/**
 * The login page's forced password change (README "Signing in" → "Password change and policy";
 * Genesys Workspace shows a change-password dialog at first login).
 *
 * When the sign-in form's password is right but the user must choose a new one (`mustChangePassword`,
 * or older than the contact center's `password-max-age-days`), the sign-in route answers with this
 * page instead of finishing the interaction ({@link showForcedPasswordChange}). Its form posts to
 * `POST /auth/v3/sign-in/change-password` (under the sign-in path, so oidc-provider's interaction
 * cookie, shared with `/auth/v3/sign-in`, comes along) with the interaction uid, the user id and a
 * CSRF token bound to both: an HMAC under the cookie keys that only a correct sign-in of that user
 * in that interaction was given, so the page cannot be reached with a guessed user id. A new
 * password the policy refuses shows the page again (400) with the problems; a good one is stored
 * (services/password-change.service.ts: history, revocation of the user's other grants, audit) and
 * the interaction finishes exactly as a password sign-in does.
 */
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { AppError } from '../../errors/app-error.ts';
import type { PasswordChangeService } from '../../services/password-change.service.ts';
import type { PrincipalsService } from '../../services/principals.service.ts';
import type { UserWithContext } from '../../domain/user.ts';
import { USER_ACCOUNT_PREFIX } from '../../domain/user.ts';
import type { CsrfTokens } from '../csrf.ts';
import {
  SIGN_IN_PATH,
  abortPath,
  completeSignIn,
  expiredPage,
  forbiddenPage,
  interactionClient,
  interactionPath,
  loadInteraction,
  nonceOf,
  pageErrors,
  seeOther,
  sendPage,
} from '../interaction-pages.ts';
import type { InteractionClient } from '../interaction-pages.ts';
import { formActionSource, securityHeaders, setPageSecurityHeaders } from '../middleware/security-headers.ts';
import { changePasswordPage } from '../views/change-password.view.ts';

/** Where the forced-change form posts. */
export const FORCED_CHANGE_PATH = `${SIGN_IN_PATH}/change-password`;

export interface ForcedPasswordChangeDeps {
  getProvider: () => Provider;
  principals: PrincipalsService;
  csrf: CsrfTokens;
  passwords: PasswordChangeService;
}

/** The CSRF binding of the form: the interaction and the user. */
const bindingOf = (uid: string, userId: string): string => `${uid}\n${userId}`;

const field = (body: unknown, name: string): string => {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : '';
};

/**
 * Answers the forced-change page for `user` on interaction `uid` (status 200, or 400 with
 * `errors`). Called by the sign-in route after a correct password that must be changed.
 */
export async function showForcedPasswordChange(
  ctx: Context,
  deps: Pick<ForcedPasswordChangeDeps, 'csrf' | 'passwords'>,
  v: { uid: string; user: UserWithContext; client: InteractionClient; redirectUri: string; errors?: string[] },
): Promise<void> {
  const policy = await deps.passwords.policyOf(v.user.ccid);
  const nonce = nonceOf(ctx);
  setPageSecurityHeaders(ctx, { nonce, formActions: [formActionSource(v.redirectUri)] });
  sendPage(
    ctx,
    v.errors?.length ? 400 : 200,
    changePasswordPage({
      nonce,
      uid: v.uid,
      userId: v.user.id,
      csrf: deps.csrf.issue('change-password', bindingOf(v.uid, v.user.id)),
      action: FORCED_CHANGE_PATH,
      cancelUrl: abortPath(v.uid),
      clientName: v.client.name,
      minLength: policy.minLength,
      errors: v.errors,
      reason: v.user.mustChangePassword ? 'required' : 'expired',
    }),
  );
}

/** The route the forced-change form posts to. */
export function createForcedPasswordChangeRouter(deps: ForcedPasswordChangeDeps): Router {
  const router = new Router();
  const parseForm = bodyParser({
    enableTypes: ['form'],
    formLimit: '16kb',
    encoding: 'utf-8',
    onError(_err, ctx) {
      (ctx as Context).request.body = {};
    },
  });

  router.post(FORCED_CHANGE_PATH, pageErrors, securityHeaders(), parseForm, async (ctx) => {
    const body = ctx.request.body;
    const interaction = await loadInteraction(deps.getProvider(), ctx);
    if (!interaction) return expiredPage(ctx);
    const uid = interaction.uid;
    const userId = field(body, 'user');
    if (field(body, 'uid') !== uid || !userId || !deps.csrf.verify('change-password', bindingOf(uid, userId), field(body, 'csrf'))) {
      ctx.log.warn({ event: 'csrf_refused', form: 'change-password' }, 'password change form refused: missing or wrong CSRF token');
      return forbiddenPage(ctx);
    }
    if (interaction.prompt.name !== 'login') return seeOther(ctx, interactionPath(uid));
    const client = await interactionClient(deps.getProvider(), interaction.params.client_id);
    const principal = await deps.principals.findByAccountId(`${USER_ACCOUNT_PREFIX}${userId}`);
    if (!client || principal?.kind !== 'user') return expiredPage(ctx);
    const redirectUri = String(interaction.params.redirect_uri ?? '');

    const newPassword = field(body, 'newPassword');
    if (newPassword !== field(body, 'confirmPassword')) {
      return showForcedPasswordChange(ctx, deps, { uid, user: principal.user, client, redirectUri, errors: ['The two passwords are not the same.'] });
    }
    try {
      await deps.passwords.change({ user: principal.user, newPassword, who: { actor: principal.user.username, sourceIp: ctx.ip || null }, via: 'sign_in' });
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'validation') throw err;
      const errors = (err.issues ?? []).map((i) => `The new password ${i.message}.`);
      return showForcedPasswordChange(ctx, deps, { uid, user: principal.user, client, redirectUri, errors });
    }
    ctx.log.info({ event: 'password_changed', user_id: userId, ccid: principal.user.ccid, via: 'sign_in' }, 'password changed at sign-in');
    await completeSignIn(deps.getProvider(), ctx, interaction, client, principal.accountId);
  });

  return router;
}
