/**
 * The device authorization pages (RFC 8628 §3.3 "User Interaction"): the user code entry, the
 * "sign in to this device?" confirmation, the success page and the lockout page, in the login
 * page's look. Every form carries oidc-provider's `xsrf` token (bound to the browser session).
 */
import { html } from './html.ts';
import { renderPage } from './layout.ts';

/** The user code entry page. */
export interface UserCodeView {
  nonce: string;
  /** Where the form posts (`/auth/v3/device`). */
  action: string;
  /** The session-bound CSRF token (oidc-provider's `xsrf`). */
  xsrf: string;
  /** A code to prefill (from `verification_uri_complete`, or the one that was refused). */
  userCode?: string | undefined;
  /** A message shown above the form. */
  error?: string | undefined;
}

/** Renders the user code entry page. */
export function userCodePage(v: UserCodeView): string {
  const invalid = v.error ? html` aria-invalid="true" aria-describedby="device-error code-hint"` : html` aria-describedby="code-hint"`;
  const body = html`<p class="muted">Enter the code shown on your device to sign it in.</p>
${v.error ? html`<div class="error" role="alert" id="device-error">${v.error}</div>` : ''}
<form method="post" action="${v.action}">
<input type="hidden" name="xsrf" value="${v.xsrf}">
<label for="user_code">Code</label>
<input id="user_code" name="user_code" type="text" autocomplete="off" autocapitalize="characters" autocorrect="off" spellcheck="false" required autofocus maxlength="64" value="${v.userCode ?? ''}"${invalid}>
<p class="hint" id="code-hint">For example BDWP-HQPK</p>
<button class="primary" type="submit">Continue</button>
</form>`;
  return renderPage({ title: 'Connect a device', nonce: v.nonce, body });
}

/** The confirmation page. */
export interface ConfirmDeviceView {
  nonce: string;
  action: string;
  xsrf: string;
  userCode: string;
  clientName: string;
}

/** Renders the confirmation page: Continue signs in, Cancel aborts the device's request. */
export function confirmDevicePage(v: ConfirmDeviceView): string {
  const body = html`<p><strong>${v.clientName}</strong> is asking to sign in on a device showing the code</p>
<p><strong>${v.userCode}</strong></p>
<p class="muted">Continue only if you started this on your own device and the codes match.</p>
<form method="post" action="${v.action}">
<input type="hidden" name="xsrf" value="${v.xsrf}">
<input type="hidden" name="user_code" value="${v.userCode}">
<div class="actions">
<button class="primary" type="submit" name="confirm" value="yes">Continue</button>
<button class="secondary" type="submit" name="abort" value="yes">Cancel</button>
</div>
</form>`;
  return renderPage({ title: 'Sign in to a device?', nonce: v.nonce, body });
}

/** Renders the success page. */
export function deviceSuccessPage(v: { nonce: string; clientName: string }): string {
  const body = html`<p>Your device is signed in to <strong>${v.clientName}</strong>. You can close this page and go back to your device.</p>`;
  return renderPage({ title: 'Device connected', nonce: v.nonce, body });
}

/** Renders the lockout page (too many wrong codes from this address). */
export function deviceLockedPage(v: { nonce: string; retryAfterSeconds: number }): string {
  const body = html`<div class="error" role="alert">Too many wrong codes. Try again in ${String(Math.ceil(v.retryAfterSeconds / 60))} minute(s).</div>`;
  return renderPage({ title: 'Connect a device', nonce: v.nonce, body });
}
