/**
 * Pages of OIDC RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §2-§3), rendered for
 * oidc-provider's `features.rpInitiatedLogout.logoutSource` and `postLogoutSuccessSource`.
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
