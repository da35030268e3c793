/**
 * Sending a browser to its contact center's identity provider (README "Signing in" → "Single
 * sign-on"): HTTP-Redirect binding → 303 to the IdP with the signed AuthnRequest in the query;
 * OpenID Connect → 303 to the upstream's authorization endpoint (code + PKCE + state + nonce);
 * HTTP-POST binding → a page with a form the user submits (no scripts on ccauth's pages), its CSP
 * `form-action` opened to the IdP's origin only.
 */
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { PrincipalsService } from '../services/principals.service.ts';
import type { IdentityProvider } from '../domain/identity-provider.ts';
import type { SingleSignOnService } from '../federation/single-sign-on.service.ts';
import { OidcRefusal } from '../federation/oidc-rp.ts';
import { approveGrant, finishInteraction, nonceOf, seeOther, sendPage, signInPath } from './interaction-pages.ts';
import type { Interaction, InteractionClient } from './interaction-pages.ts';
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

/** Cookie carrying the one-time token of an accepted IdP-initiated SAML sign-in to the login page. */
export const IDP_INITIATED_COOKIE = 'ccauth_sso_idp';

/**
 * Finishes interaction `interaction` for the account an identity provider signed in, exactly as a
 * password sign-in does: the user must still be enabled and, for a client bound to contact
 * centers, one of theirs (else back to the form with `error=sso`); consent is implied for internal
 * clients.
 */
export async function finishSsoSignIn(
  ctx: Context,
  deps: { getProvider: () => Provider; principals: PrincipalsService },
  interaction: Interaction,
  client: InteractionClient,
  accountId: string,
  how: 'sso' | 'sso_idp_initiated',
): Promise<void> {
  const principal = await deps.principals.findByAccountId(accountId);
  const outside = principal?.kind === 'user' && client.contactCenterIds.length > 0 && !client.contactCenterIds.includes(principal.user.ccid);
  if (!principal || principal.kind !== 'user' || outside) return seeOther(ctx, signInPath(interaction.uid, 'sso'));
  const consent = client.internal ? { consent: { grantId: await approveGrant(deps.getProvider(), interaction, principal.accountId, client.clientId) } } : {};
  ctx.log.info({ event: 'login', method: how, account_id: principal.accountId, client_id: client.clientId, consent_implied: client.internal }, 'signed in');
  await finishInteraction(deps.getProvider(), ctx, { login: { accountId: principal.accountId, amr: ['ext'] }, ...consent });
}
