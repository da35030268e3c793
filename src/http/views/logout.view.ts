/**
 * Pages of OIDC RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §2-§3), rendered for
 * oidc-provider's `features.rpInitiatedLogout.logoutSource` and `postLogoutSuccessSource`, and the
 * confirmation of the Genesys sign-out `GET /auth/v3/sign-out` when only the session cookie came
 * (README "Signing in" → "Sessions and sign-out").
 */
import { html } from './html.ts';
import type { SafeHtml } from './html.ts';
import { renderPage } from './layout.ts';

/**
 * The "sign out?" confirmation. `form` is oidc-provider's own hidden form
 * (`<form id="op.logoutForm" ...>` with its xsrf field); the buttons submit it.
 */
export function logoutConfirmPage(v: { nonce: string; form: SafeHtml; clientName?: string | undefined }): string {
  const body = html`<p>${v.clientName ? html`<strong>${v.clientName}</strong> asks to sign you out.` : 'An application asks to sign you out.'} Do you want to sign out of ccauth?</p>
${v.form}
<div class="actions">
<button class="primary" type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Yes, sign me out</button>
<button class="secondary" type="submit" form="op.logoutForm">No, stay signed in</button>
</div>`;
  return renderPage({ title: 'Sign out', nonce: v.nonce, body });
}

/** Shown after a logout that had no (allowed) post-logout redirect URI. */
export function loggedOutPage(v: { nonce: string; clientName?: string | undefined }): string {
  const body = html`<p>${v.clientName ? html`You have been signed out of <strong>${v.clientName}</strong>.` : 'You have been signed out.'} You can close this window.</p>`;
  return renderPage({ title: 'Signed out', nonce: v.nonce, body });
}

/** What the sign-out confirmation shows and posts back. */
export interface SignOutConfirmView {
  nonce: string;
  /** Where the form posts. */
  action: string;
  /** CSRF token bound to the browser session (http/csrf.ts, purpose `sign-out`). */
  csrf: string;
  /** `global=true`: every session, grant and token of the account, on every device. */
  global: boolean;
  /** Where to go afterwards, as requested ('' for none); checked again when the form comes back. */
  redirectUri: string;
}

/**
 * "Sign out?" for `GET /auth/v3/sign-out` with only the session cookie: a link cannot sign a person
 * out (cross-site request forgery); the Yes button posts the form with its CSRF token, the No
 * button posts it without `logout=yes`.
 */
export function signOutConfirmPage(v: SignOutConfirmView): string {
  const what = v.global
    ? 'Sign out of ccauth and of every application, on every device where you are signed in?'
    : 'Sign out of ccauth in this browser?';
  const body = html`<p>${what}</p>
<form method="post" action="${v.action}">
<input type="hidden" name="csrf" value="${v.csrf}">
<input type="hidden" name="global" value="${v.global ? 'true' : 'false'}">
<input type="hidden" name="redirectUri" value="${v.redirectUri}">
<div class="actions">
<button class="primary" type="submit" name="logout" value="yes" autofocus>Yes, sign me out</button>
<button class="secondary" type="submit">No, stay signed in</button>
</div>
</form>`;
  return renderPage({ title: 'Sign out', nonce: v.nonce, body });
}

/** After "No, stay signed in". */
export function stillSignedInPage(v: { nonce: string }): string {
  return renderPage({ title: 'Still signed in', nonce: v.nonce, body: html`<p>You are still signed in. You can close this window.</p>` });
}
