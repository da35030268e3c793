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
