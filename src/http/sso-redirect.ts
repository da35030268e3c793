/**
 * Sending a browser to its contact center's identity provider (README "Signing in" → "Single
 * sign-on"): HTTP-Redirect binding → 303 to the IdP with the signed AuthnRequest in the query;
 * OpenID Connect → 303 to the upstream's authorization endpoint (code + PKCE + state + nonce);
 * HTTP-POST binding → a page with a form the user submits (no scripts on ccauth's pages), its CSP
 * `form-action` opened to the IdP's origin only.
 */
import type { Context } from 'koa';
import type { IdentityProvider } from '../domain/identity-provider.ts';
import type { SingleSignOnService } from '../federation/single-sign-on.service.ts';
import { OidcRefusal } from '../federation/oidc-rp.ts';
import { nonceOf, seeOther, sendPage } from './interaction-pages.ts';
import { formActionSource, setPageSecurityHeaders } from './middleware/security-headers.ts';
import { html } from './views/html.ts';
import { renderPage } from './views/layout.ts';
import { messagePage } from './views/message.view.ts';

/** Starts single sign-on for interaction `uid` at `provider` and answers the browser. */
export async function sendToIdentityProvider(ctx: Context, sso: SingleSignOnService, provider: IdentityProvider, uid: string): Promise<void> {
  let request: Awaited<ReturnType<SingleSignOnService['beginSignIn']>>;
  try {
    request = await sso.beginSignIn(provider, uid);
  } catch (err) {
    if (!(err instanceof OidcRefusal)) throw err;
    ctx.log.warn({ event: 'sso_unavailable', ccid: provider.ccid, reason: err.message }, 'identity provider unreachable');
    return sendPage(ctx, 502, messagePage({ nonce: nonceOf(ctx), title: 'Sign-in unavailable', message: "Your organization's sign-in service cannot be reached right now. Try again in a few minutes, or contact your administrator." }));
  }
  ctx.log.info({ event: 'sso_started', ccid: provider.ccid, protocol: provider.settings.type, binding: request.binding }, 'sent to the identity provider');
  if (request.binding === 'redirect' || request.binding === 'oidc') return seeOther(ctx, request.url);
  const nonce = nonceOf(ctx);
  setPageSecurityHeaders(ctx, { nonce, formActions: [formActionSource(request.action)] });
  const inputs = Object.entries(request.fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);
  const form = html`<form method="post" action="${request.action}">${inputs}<button type="submit">Continue to your organization's sign-in</button></form>`;
  sendPage(ctx, 200, messagePage({ nonce, title: 'Sign in with your organization', message: 'Your organization signs you in. Continue to its sign-in page.', extra: form }));
}

/**
 * Answers an accepted IdP answer (at the ACS or the OIDC callback) with a page that moves on at once
 * to `location` (same origin: `/auth/v3/sign-in/sso?uid=…`) by a meta refresh, with a link as a
 * fallback, instead of a 303. A redirect would continue the IdP's form submission, and browsers
 * apply the IdP page's CSP `form-action` to every redirect of it: an IdP that allows its forms to
 * reach only its relying party (ccauth itself does) would block the rest of the way to the client.
 * A meta refresh is a new navigation; no script runs.
 */
export function continueToSignIn(ctx: Context, location: string): void {
  const nonce = nonceOf(ctx);
  setPageSecurityHeaders(ctx, { nonce });
  sendPage(
    ctx,
    200,
    renderPage({
      title: 'Signing you in',
      nonce,
      head: html`<meta http-equiv="refresh" content="0;url=${location}">`,
      body: html`<p>Your organization signed you in. <a class="link" href="${location}">Continue</a></p>`,
    }),
  );
}
