/**
 * `GET /auth/v3/oidc/{ccid}/callback` — the redirect URI ccauth registers at a contact center's
 * upstream OpenID Connect provider (README "Signing in" → "Single sign-on"). The answer is tied
 * to its interaction by `state` (federation/single-sign-on.service.ts); the code is redeemed with
 * the PKCE verifier and the ID token checked (issuer, audience, nonce, signature) by openid-client.
 * Accepted: a page moving on at once (meta refresh, http/sso-redirect.ts) to `GET /auth/v3/sign-in/sso?uid=…`, which finishes the interaction (saml.routes.ts);
 * refused: back to the sign-in page with an error, or a 400 page when no interaction is known.
 */
import Router from '@koa/router';
import type { SingleSignOnService } from '../../federation/single-sign-on.service.ts';
import { oidcCallbackUrl } from '../../federation/oidc-rp.ts';
import { nonceOf, pageErrors, seeOther, sendPage, signInPath } from '../interaction-pages.ts';
import { securityHeaders } from '../middleware/security-headers.ts';
import { continueToSignIn } from '../sso-redirect.ts';
import { messagePage } from '../views/message.view.ts';
import { SSO_COMPLETE_PATH } from './saml.routes.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The upstream OIDC callback route. */
export function createOidcRpRouter(deps: { sso: SingleSignOnService; publicUrl: string }): Router {
  const router = new Router();
  router.get('/auth/v3/oidc/:ccid/callback', pageErrors, securityHeaders(), async (ctx) => {
    const ccid = String(ctx.params.ccid ?? '').toLowerCase();
    const refused = () =>
      sendPage(
        ctx,
        400,
        messagePage({
          nonce: nonceOf(ctx),
          title: 'Sign-in refused',
          message: "Your organization's sign-in answer could not be accepted. Go back to the application and sign in again; if this keeps happening, contact your administrator.",
        }),
      );
    if (!UUID.test(ccid) || ctx.querystring.length > 8192) return refused();
    // the URL as the upstream redirected to it: the registered redirect URI plus this query
    const currentUrl = new URL(`${oidcCallbackUrl(deps.publicUrl, ccid)}?${ctx.querystring}`);
    const outcome = await deps.sso.acceptOidcCallback(ccid, currentUrl, { actor: 'oidc-callback', sourceIp: ctx.ip || null });
    if (outcome.ok) {
      if (outcome.interactionUid === null) return refused(); // IdP-initiated exists for SAML only
      ctx.log.info({ event: 'sso_accepted', ccid, protocol: 'oidc' }, 'identity provider answer accepted');
      return continueToSignIn(ctx, `${SSO_COMPLETE_PATH}?uid=${encodeURIComponent(outcome.interactionUid)}`);
    }
    ctx.log.warn({ event: 'sso_refused', ccid, protocol: 'oidc', reason: outcome.reason }, 'identity provider answer refused');
    if (outcome.interactionUid) return seeOther(ctx, signInPath(outcome.interactionUid, 'sso'));
    return refused();
  });
  return router;
}
