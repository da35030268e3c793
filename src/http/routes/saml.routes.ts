/**
 * SAML 2.0 service provider endpoints of a contact center (README "Signing in" → "Single
 * sign-on"):
 *
 * - `GET /auth/v3/saml/{ccid}/metadata` — ccauth's SP metadata (entityID `{PUBLIC_URL}/auth/v3/saml/{ccid}`,
 *   the ACS, the signing certificate), for the IdP administrator.
 * - `POST /auth/v3/saml/{ccid}/acs` — the HTTP-POST binding response (SAML 2.0 Bindings §3.5). The
 *   IdP posts it cross-site, so the browser sends none of the interaction's cookies; the answer is
 *   tied to its interaction by the signed InResponseTo (federation/single-sign-on.service.ts) and
 *   the browser is sent on (a meta-refresh page: http/sso-redirect.ts `continueToSignIn`) to
 *   `GET /auth/v3/sign-in/sso?uid=…`, a same-site navigation that carries the interaction cookie, which finishes the interaction exactly as a password sign-in
 *   does. A refused answer goes back to the sign-in page with an error (or, with no interaction to
 *   go back to, a 400 page); the reason is logged and audited, never the assertion.
 *   IdP-initiated (no InResponseTo; `allowIdpInitiated`): RelayState must name a client; the browser
 *   gets a one-time token (HttpOnly cookie for `/auth/v3/sign-in`, 10 minutes) and goes to that
 *   client's authorization with its first registered redirect URI, whose login page takes the token
 *   instead of asking for a password: the user lands only on a registered redirect URI.
 */
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { AppError } from '../../errors/app-error.ts';
import type { SingleSignOnService } from '../../federation/single-sign-on.service.ts';
import type { PrincipalsService } from '../../services/principals.service.ts';
import {
  SIGN_IN_PATH,
  expiredPage,
  interactionClient,
  loadInteraction,
  nonceOf,
  pageErrors,
  seeOther,
  sendPage,
  signInPath,
} from '../interaction-pages.ts';
import { securityHeaders } from '../middleware/security-headers.ts';
import { IDP_INITIATED_COOKIE, continueToSignIn, finishSsoSignIn } from '../sso-redirect.ts';
import { messagePage } from '../views/message.view.ts';

/** Where the ACS sends the browser to finish its interaction. */
export const SSO_COMPLETE_PATH = `${SIGN_IN_PATH}/sso`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the SAML routes need. */
export interface SamlRoutesDeps {
  getProvider: () => Provider;
  principals: PrincipalsService;
  sso: SingleSignOnService;
  /** Mark cookies Secure (PUBLIC_URL is https) even when koa sees plain http behind a proxy. */
  secureCookies?: boolean;
}

function refusedPage(ctx: Context): void {
  sendPage(
    ctx,
    400,
    messagePage({
      nonce: nonceOf(ctx),
      title: 'Sign-in refused',
      message: "Your organization's sign-in answer could not be accepted. Go back to the application and sign in again; if this keeps happening, contact your administrator.",
    }),
  );
}

/** Routes of the SAML SP and of the SSO completion. */
export function createSamlRouter(deps: SamlRoutesDeps): Router {
  const router = new Router();
  const parseForm = bodyParser({
    enableTypes: ['form'],
    formLimit: '1mb',
    encoding: 'utf-8',
    onError(_err, ctx) {
      (ctx as Context).request.body = {};
    },
  });

  router.get('/auth/v3/saml/:ccid/metadata', async (ctx) => {
    const ccid = String(ctx.params.ccid ?? '');
    if (!UUID.test(ccid)) {
      ctx.status = 404;
      ctx.body = { status: { code: 6, message: 'contact center not found' } };
      return;
    }
    try {
      const xml = await deps.sso.spMetadata(ccid.toLowerCase());
      ctx.status = 200;
      ctx.type = 'application/samlmetadata+xml; charset=utf-8';
      ctx.set('Content-Disposition', `inline; filename="ccauth-sp-${ccid.toLowerCase()}.xml"`);
      ctx.body = xml;
    } catch (err) {
      if (err instanceof AppError && err.code === 'not_found') {
        ctx.status = 404;
        ctx.body = { status: { code: 6, message: 'contact center not found' } };
        return;
      }
      throw err;
    }
  });

  router.post('/auth/v3/saml/:ccid/acs', pageErrors, securityHeaders(), parseForm, async (ctx) => {
    const ccid = String(ctx.params.ccid ?? '');
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const samlResponse = typeof body.SAMLResponse === 'string' ? body.SAMLResponse : '';
    if (!UUID.test(ccid) || !samlResponse) return refusedPage(ctx);
    // IdP-initiated: RelayState names the client whose registered redirect URI the user lands on
    const relayState = typeof body.RelayState === 'string' ? body.RelayState.slice(0, 255) : '';
    const idpClient = relayState ? await interactionClient(deps.getProvider(), relayState) : undefined;
    const outcome = await deps.sso.acceptSamlResponse(ccid.toLowerCase(), samlResponse, { actor: 'saml-acs', sourceIp: ctx.ip || null }, idpClient && idpClient.redirectUris.length ? idpClient : null);
    if (outcome.ok && outcome.interactionUid === null) {
      ctx.log.info({ event: 'sso_accepted', ccid, protocol: 'saml', idp_initiated: true, client_id: idpClient!.clientId }, 'identity provider answer accepted');
      ctx.cookies.set(IDP_INITIATED_COOKIE, outcome.idpInitiatedToken, { path: SIGN_IN_PATH, httpOnly: true, sameSite: 'lax', secure: ctx.protocol === 'https' || deps.secureCookies === true, maxAge: 600_000, overwrite: true });
      const q = new URLSearchParams({ client_id: idpClient!.clientId, redirect_uri: idpClient!.redirectUris[0]!, response_type: 'code', scope: 'openid' });
      return continueToSignIn(ctx, `/auth/v3/oauth/authorize?${q.toString()}`);
    }
    if (outcome.ok) {
      ctx.log.info({ event: 'sso_accepted', ccid, protocol: 'saml' }, 'identity provider answer accepted');
      return continueToSignIn(ctx, `${SSO_COMPLETE_PATH}?uid=${encodeURIComponent(outcome.interactionUid)}`);
    }
    ctx.log.warn({ event: 'sso_refused', ccid, protocol: 'saml', reason: outcome.reason }, 'identity provider answer refused');
    if (outcome.interactionUid) return seeOther(ctx, signInPath(outcome.interactionUid, 'sso'));
    return refusedPage(ctx);
  });

  router.get(SSO_COMPLETE_PATH, pageErrors, securityHeaders(), async (ctx) => {
    const uid = typeof ctx.query.uid === 'string' ? ctx.query.uid : '';
    const interaction = uid ? await loadInteraction(deps.getProvider(), ctx) : undefined;
    if (!interaction || interaction.uid !== uid || interaction.prompt.name !== 'login') return expiredPage(ctx);
    const client = await interactionClient(deps.getProvider(), interaction.params.client_id);
    if (!client) return expiredPage(ctx);
    const answer = await deps.sso.takeAnswer(uid);
    if (!answer) return expiredPage(ctx);
    // the user may have been disabled since the IdP answered; a client bound to contact centers accepts only theirs
    await finishSsoSignIn(ctx, deps, interaction, client, answer.accountId, 'sso');
  });

  return router;
}
