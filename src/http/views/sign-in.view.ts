/**
 * The login form (genesys-api.md §2 A11, §7): username as `domain\user`, or a username plus a
 * separate tenant field (hidden when the authorize request said `hideTenant=true`), a password,
 * the per-interaction CSRF token, and an error shown in place. The password is optional in the
 * form: a user of a single sign-on contact center leaves it empty and is sent to the identity
 * provider (README "Signing in" → "Single sign-on").
 */
import { html } from './html.ts';
import { renderPage } from './layout.ts';

export interface SignInView {
  nonce: string;
  /** The interaction uid, posted back in a hidden field. */
  uid: string;
  /** The CSRF token bound to this interaction. */
  csrf: string;
  /** Where the form posts (`/auth/v3/sign-in`). */
  action: string;
  /** Where "Cancel" goes (the interaction's abort URL). */
  cancelUrl: string;
  /** Who asks the user to sign in (client name or id). */
  clientName: string;
  hideTenant: boolean;
  /** A message shown above the form, e.g. after a failed attempt. */
  error?: string | undefined;
}

/** Renders the sign-in page. */
export function signInPage(v: SignInView): string {
  const errorId = v.error ? 'signin-error' : undefined;
  const invalid = v.error ? html` aria-invalid="true" aria-describedby="signin-error username-hint"` : html` aria-describedby="username-hint"`;
  const body = html`<p class="muted">to continue to <strong>${v.clientName}</strong></p>
${v.error ? html`<div class="error" role="alert" id="${errorId}">${v.error}</div>` : ''}
<form method="post" action="${v.action}">
<input type="hidden" name="uid" value="${v.uid}">
<input type="hidden" name="csrf" value="${v.csrf}">
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" autocorrect="off" spellcheck="false" required autofocus maxlength="512"${invalid}>
<p class="hint" id="username-hint">${v.hideTenant ? 'As domain\\user, for example t100\\agent' : 'As domain\\user, or your user name and your tenant below'}</p>
${v.hideTenant
    ? ''
    : html`<label for="tenant">Tenant <span class="muted">(optional)</span></label>
<input id="tenant" name="tenant" type="text" autocomplete="organization" autocapitalize="none" autocorrect="off" spellcheck="false" maxlength="255">
`}<label for="password">Password</label>
<p class="hint" id="password-hint">If your organization signs you in (single sign-on), leave the password empty.</p>
<input id="password" name="password" type="password" autocomplete="current-password" maxlength="1024"${v.error ? html` aria-invalid="true"` : ''}>
<button class="primary" type="submit">Sign in</button>
</form>
<a class="link" href="${v.cancelUrl}">Cancel</a>`;
  return renderPage({ title: 'Sign in', nonce: v.nonce, body });
}
