/**
 * `GET/POST /auth/v3/sign-in` — the login page (genesys-api.md §2 A11, §7).
 *
 * GET renders the form for the interaction named by `?uid=` (it must be the one bound to this
 * browser). POST checks the per-interaction CSRF token (403 page when missing or wrong), the
 * failed-authentication limits (README "Signing in", "Security model"), then
 * `principals.authenticate(login, password, tenant)`: to oidc-provider's resume URL on success
 * (303, consent implied for internal clients), or the forced password change page when the user must
 * choose a new password (http/routes/forced-password-change.routes.ts), else back to the form with
 * an error code (303). A
 * wrong password and an unknown user get the same message. Limits (services/rate-limit.service.ts):
 * a locked (name, address) pair answers 303 to the form with `error=locked` and `Retry-After`; a
 * name or an address over its limit answers 429 with the form and the same message, and
 * `Retry-After` (seconds).
 */
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { PrincipalsService } from '../../services/principals.service.ts';
import type { CredentialGuard } from '../../services/rate-limit.service.ts';
import type { CsrfTokens } from '../csrf.ts';
import type { SingleSignOnService } from '../../federation/single-sign-on.service.ts';
import { IDP_INITIATED_COOKIE, finishSsoSignIn, sendToIdentityProvider } from '../sso-redirect.ts';
import {
  SIGN_IN_PATH,
  abortPath,
  completeSignIn,
  expiredPage,
  forbiddenPage,
  hideTenantOf,
  interactionClient,
  interactionPath,
  loadInteraction,
  nonceOf,
  pageErrors,
  seeOther,
  sendPage,
  signInPath,
} from '../interaction-pages.ts';
import { formActionSource, securityHeaders, setPageSecurityHeaders } from '../middleware/security-headers.ts';
import { signInPage } from '../views/sign-in.view.ts';
import type { PasswordChangeService } from '../../services/password-change.service.ts';
import { showForcedPasswordChange } from './forced-password-change.routes.ts';

/** Error codes the form can show (`?error=`), with their fixed text. */
export const SIGN_IN_ERRORS = {
  credentials: 'The username or password is incorrect.',
  locked: 'Too many failed sign-in attempts. Wait a few minutes, then try again.',
  missing: 'Enter your username and password.',
  sso: "Your organization's sign-in did not succeed. Try again, or contact your administrator.",
} as const;

/** What the login routes need; `guard` enforces the failed-attempt limits, `csrf` the form tokens. */
export interface SignInDeps {
  /** The live provider (it is rebuilt when signing keys change; read it per request). */
  getProvider: () => Provider;
  principals: PrincipalsService;
  guard: CredentialGuard;
  csrf: CsrfTokens;
  /** The password policy and change (a user who must change their password is asked to here). */
  passwords: PasswordChangeService;
  /**
   * Single sign-on (README "Signing in" → "Single sign-on"): a login name whose domain belongs to a
   * contact center with an identity provider is sent there when no password is given, or always
   * when the contact center is `ssoOnly`.
   */
  sso?: SingleSignOnService;
}

const FORM_LIMIT = '16kb';

/** Reads a form field as a string ('' when absent or repeated). */
const field = (body: unknown, name: string): string => {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : '';
};

/** Routes of the login page. */
export function createSignInRouter(deps: SignInDeps): Router {
  const router = new Router();
  // the form's post may be answered with a redirect to a single sign-on IdP (CSP form-action covers redirects)
  const ssoFormActions = (ccids: string[]): Promise<string[]> => (deps.sso ? deps.sso.formActionOrigins(ccids) : Promise.resolve([]));
  const parseForm = bodyParser({
    enableTypes: ['form'],
    formLimit: FORM_LIMIT,
    encoding: 'utf-8',
    onError(_err, ctx) {
      (ctx as Context).request.body = {};
    },
  });

  router.get(SIGN_IN_PATH, pageErrors, securityHeaders(), async (ctx) => {
    const uid = typeof ctx.query.uid === 'string' ? ctx.query.uid : '';
    const interaction = uid ? await loadInteraction(deps.getProvider(), ctx) : undefined;
    if (!interaction || interaction.uid !== uid) return expiredPage(ctx);
    if (interaction.prompt.name !== 'login') return seeOther(ctx, interactionPath(uid));
    const client = await interactionClient(deps.getProvider(), interaction.params.client_id);
    if (!client) return expiredPage(ctx);
    // an accepted IdP-initiated SAML sign-in for this client (http/routes/saml.routes.ts): no form
    const idpToken = deps.sso ? ctx.cookies.get(IDP_INITIATED_COOKIE) : undefined;
    if (idpToken && deps.sso) {
      ctx.cookies.set(IDP_INITIATED_COOKIE, '', { path: SIGN_IN_PATH, httpOnly: true, sameSite: 'lax', maxAge: 0, overwrite: true });
      const answer = await deps.sso.takeIdpInitiated(idpToken, client.clientId, uid);
      if (answer) return finishSsoSignIn(ctx, deps, interaction, client, answer.accountId, 'sso_idp_initiated');
    }

    const code = typeof ctx.query.error === 'string' ? ctx.query.error : '';
    const error = Object.hasOwn(SIGN_IN_ERRORS, code) ? SIGN_IN_ERRORS[code as keyof typeof SIGN_IN_ERRORS] : undefined;
    const nonce = nonceOf(ctx);
    setPageSecurityHeaders(ctx, { nonce, formActions: [formActionSource(String(interaction.params.redirect_uri ?? '')), ...(await ssoFormActions(client.contactCenterIds))] });
    sendPage(
      ctx,
      200,
      signInPage({
        nonce,
        uid,
        csrf: deps.csrf.issue('sign-in', uid),
        action: SIGN_IN_PATH,
        cancelUrl: abortPath(uid),
        clientName: client.name,
        hideTenant: hideTenantOf(interaction),
        error,
      }),
    );
  });

  router.post(SIGN_IN_PATH, pageErrors, securityHeaders(), parseForm, async (ctx) => {
    const body = ctx.request.body;
    const interaction = await loadInteraction(deps.getProvider(), ctx);
    if (!interaction) return expiredPage(ctx);
    const uid = interaction.uid;
    if (field(body, 'uid') !== uid || !deps.csrf.verify('sign-in', uid, field(body, 'csrf'))) {
      ctx.log.warn({ event: 'csrf_refused', form: 'sign-in' }, 'sign-in form refused: missing or wrong CSRF token');
      return forbiddenPage(ctx);
    }
    if (interaction.prompt.name !== 'login') return seeOther(ctx, interactionPath(uid));
    const client = await interactionClient(deps.getProvider(), interaction.params.client_id);
    if (!client) return expiredPage(ctx);

    const login = field(body, 'username').trim();
    const password = field(body, 'password');
    const tenant = hideTenantOf(interaction) ? undefined : field(body, 'tenant').trim() || undefined;
    if (login && deps.sso) {
      const idp = await deps.sso.providerForLogin(login, tenant);
      if (idp && (!password || idp.settings.ssoOnly)) return sendToIdentityProvider(ctx, deps.sso, idp, uid);
    }
    if (!login || !password) return seeOther(ctx, signInPath(uid, 'missing'));

    const attempt = await deps.guard.begin({ kind: 'user', login, tenant }, ctx.ip, { surface: 'sign_in', log: ctx.log, clientId: client.clientId });
    if (!attempt.ok) {
      ctx.set('Retry-After', String(attempt.retryAfterSeconds));
      // this name from this address is locked: back to the form (README "Signing in")
      if (attempt.limiter === 'user_addr') return seeOther(ctx, signInPath(uid, 'locked'));
      // the name (from unknown addresses) or this address is over its limit: 429 with the form
      const nonce = nonceOf(ctx);
      setPageSecurityHeaders(ctx, { nonce, formActions: [formActionSource(String(interaction.params.redirect_uri ?? '')), ...(await ssoFormActions(client.contactCenterIds))] });
      return sendPage(
        ctx,
        429,
        signInPage({
          nonce,
          uid,
          csrf: deps.csrf.issue('sign-in', uid),
          action: SIGN_IN_PATH,
          cancelUrl: abortPath(uid),
          clientName: client.name,
          hideTenant: hideTenantOf(interaction),
          error: SIGN_IN_ERRORS.locked,
        }),
      );
    }

    let principal: Awaited<ReturnType<PrincipalsService['authenticate']>>;
    try {
      principal = await deps.principals.authenticate(login, password, tenant);
    } catch (err) {
      await attempt.cancel();
      throw err;
    }
    // a client bound to contact centers accepts only their users (as the password grant does)
    const outside = principal?.kind === 'user' && client.contactCenterIds.length > 0 && !client.contactCenterIds.includes(principal.user.ccid);
    if (!principal || outside) {
      const { lockedForSeconds } = await attempt.failed();
      if (lockedForSeconds > 0) ctx.set('Retry-After', String(lockedForSeconds));
      return seeOther(ctx, signInPath(uid, lockedForSeconds > 0 ? 'locked' : 'credentials'));
    }
    await attempt.succeeded();
    // the password is right but must be changed first (README "Password change and policy")
    if (principal.kind === 'user' && principal.passwordChangeRequired) {
      return showForcedPasswordChange(ctx, deps, { uid, user: principal.user, client, redirectUri: String(interaction.params.redirect_uri ?? '') });
    }
    await completeSignIn(deps.getProvider(), ctx, interaction, client, principal.accountId);
  });

  return router;
}
