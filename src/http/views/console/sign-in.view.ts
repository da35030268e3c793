/** The console sign-in page (ops credentials). */
import { html } from '../html.ts';
import { renderConsolePage } from './layout.ts';

/** Renders the form; `error` is one of the fixed messages of console.routes.ts. */
export function consoleSignInPage(v: { nonce: string; csrf: string; next: string; error?: string | undefined; notice?: string | undefined }): string {
  return renderConsolePage({
    title: 'Sign in to the ops console',
    nonce: v.nonce,
    lead: 'Use the ops credentials of this ccauth deployment.',
    body: html`<div class="card narrow">
${v.notice ? html`<div class="notice ok" role="status">${v.notice}</div>` : ''}
${v.error ? html`<div class="notice error" role="alert" id="sign-in-error">${v.error}</div>` : ''}
<form method="post" action="/console/sign-in">
<input type="hidden" name="csrf" value="${v.csrf}">
<input type="hidden" name="next" value="${v.next}">
<div class="field"><label for="username">Username</label><input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus></div>
<div class="field"><label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required></div>
<button type="submit" class="btn primary">Sign in</button>
</form>
</div>`,
  });
}
