/**
 * The consent page for third-party clients (clients that are not Genesys "internal" clients): what
 * the client asks for, who is signed in, and Allow / Deny buttons posting with the CSRF token.
 */
import { html } from './html.ts';
import { renderPage } from './layout.ts';

export interface ConsentView {
  nonce: string;
  uid: string;
  csrf: string;
  /** Where "Allow" posts. */
  approveAction: string;
  /** Where "Deny" posts (the abort URL). */
  denyAction: string;
  clientName: string;
  /** Who is signed in (display name). */
  accountName: string;
  /** Requested scopes not granted yet. */
  scopes: string[];
}

const SCOPE_TEXT: Record<string, string> = {
  '*': 'Use the contact-center APIs on your behalf',
  openid: 'Know who you are (your user id)',
  offline_access: 'Stay connected when you are not using it (refresh tokens)',
  profile: 'See your name',
  email: 'See your email address',
};

/** Human wording for a scope; unknown scopes are shown by name. */
export function describeScope(scope: string): string {
  return SCOPE_TEXT[scope] ?? `Use the "${scope}" permission`;
}

/** Renders the consent page. */
export function consentPage(v: ConsentView): string {
  const items = v.scopes.length ? v.scopes : ['openid'];
  const body = html`<p><strong>${v.clientName}</strong> wants to:</p>
<ul class="scopes">
${items.map((s) => html`<li>${describeScope(s)}</li>
`)}</ul>
<p class="muted">Signed in as <strong>${v.accountName}</strong></p>
<form method="post" action="${v.approveAction}">
<input type="hidden" name="uid" value="${v.uid}">
<input type="hidden" name="csrf" value="${v.csrf}">
<div class="actions">
<button class="primary" type="submit">Allow</button>
<button class="secondary" type="submit" formaction="${v.denyAction}">Deny</button>
</div>
</form>`;
  return renderPage({ title: `Allow ${v.clientName}?`, nonce: v.nonce, body });
}
