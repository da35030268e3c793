/**
 * The forced password change of the login page (README "Signing in" → "Password change and
 * policy"): shown after a correct password when the user must choose a new one (`mustChangePassword`
 * or an expired password). Two password fields, the proof of the sign-in in hidden fields, the
 * policy's problems shown in place.
 */
import { html } from './html.ts';
import { renderPage } from './layout.ts';

export interface ChangePasswordView {
  nonce: string;
  uid: string;
  /** The user whose password is changed (hidden field, bound to the CSRF token). */
  userId: string;
  /** The CSRF token bound to the interaction and the user. */
  csrf: string;
  /** Where the form posts. */
  action: string;
  /** Where "Cancel" goes (the interaction's abort URL). */
  cancelUrl: string;
  clientName: string;
  /** The policy's length rule, shown as a hint. */
  minLength: number;
  /** Problems of the last attempt, shown above the form. */
  errors?: readonly string[] | undefined;
  /** Why a change is asked for. */
  reason: 'required' | 'expired';
}

/** Renders the page. */
export function changePasswordPage(v: ChangePasswordView): string {
  const invalid = v.errors?.length ? html` aria-invalid="true" aria-describedby="change-error new-hint"` : html` aria-describedby="new-hint"`;
  const body = html`<p class="muted">to continue to <strong>${v.clientName}</strong></p>
<p>${v.reason === 'expired' ? 'Your password has expired. Choose a new one to continue.' : 'You must choose a new password before you continue.'}</p>
${v.errors?.length ? html`<div class="error" role="alert" id="change-error">${v.errors.map((e) => html`<div>${e}</div>`)}</div>` : ''}
<form method="post" action="${v.action}">
<input type="hidden" name="uid" value="${v.uid}">
<input type="hidden" name="user" value="${v.userId}">
<input type="hidden" name="csrf" value="${v.csrf}">
<label for="newPassword">New password</label>
<input id="newPassword" name="newPassword" type="password" autocomplete="new-password" required autofocus maxlength="1024"${invalid}>
<p class="hint" id="new-hint">At least ${String(v.minLength)} characters, not your user name, hard to guess.</p>
<label for="confirmPassword">Confirm the new password</label>
<input id="confirmPassword" name="confirmPassword" type="password" autocomplete="new-password" required maxlength="1024">
<button class="primary" type="submit">Change password</button>
</form>
<a class="link" href="${v.cancelUrl}">Cancel</a>`;
  return renderPage({ title: 'Change your password', nonce: v.nonce, body });
}
