/**
 * Console page Contact centers → one contact center → Single sign-on (README "Signing in" →
 * "Single sign-on"): what is configured, ccauth's SP endpoints and metadata download, the last
 * successful and failed sign-in, a SAML form (paste the IdP metadata or give its URL), an OpenID
 * Connect form (issuer + client), and removal. Never shows the upstream client secret.
 */
import type { ContactCenter } from '../../../domain/environment.ts';
import type { IdentityProvider } from '../../../domain/identity-provider.ts';
import { html } from '../html.ts';
import type { SafeHtml } from '../html.ts';
import { csrfField, fieldError, flashNotices, formValue, formatTime } from './components.ts';
import { renderConsolePage } from './layout.ts';
import type { ConsolePageContext } from './page-context.ts';

/** What the page shows. */
export interface SsoPageView {
  contactCenter: ContactCenter;
  provider: IdentityProvider | undefined;
  /** The API view of the provider (routes/identity-provider.routes.ts), for the facts. */
  api: Record<string, any> | undefined;
  sp: { entityId: string; acsUrl: string; metadataUrl: string; oidcRedirectUri: string };
}

const option = (value: string, label: string, current: string): SafeHtml => html`<option value="${value}"${value === current ? html` selected` : ''}>${label}</option>`;
const checkbox = (name: string, label: string, checked: boolean): SafeHtml =>
  html`<div class="field"><label><input type="checkbox" name="${name}" value="true"${checked ? html` checked` : ''}> ${label}</label></div>`;

/** `/console/contact-centers/{ccid}/sso`. */
export function ssoPage(c: ConsolePageContext, v: SsoPageView): string {
  const f = c.flash;
  const cc = v.contactCenter;
  const s = v.provider?.settings;
  const saml = s?.type === 'saml' ? s : undefined;
  const oidc = s?.type === 'oidc' ? s : undefined;
  const userMatch = (fallback: string) => formValue(f, 'userMatch', fallback);
  const matchOptions = (current: string) => html`${option('username', 'Username (NameID, attribute or claim)', current)}${option('externalId', 'External ID (NameID or sub)', current)}${option('email', 'Email', current)}`;
  const status = v.provider
    ? html`<dl class="facts">
<dt>Protocol</dt><dd>${s!.type === 'saml' ? 'SAML 2.0' : 'OpenID Connect'}</dd>
${saml ? html`<dt>IdP entity ID</dt><dd><code>${v.api?.idp?.entityId ?? '—'}</code></dd><dt>Binding</dt><dd>${saml.binding === 'post' ? 'HTTP-POST' : 'HTTP-Redirect'}</dd><dt>Metadata</dt><dd>${saml.metadataUrl ? html`<code>${saml.metadataUrl}</code> (fetched ${formatTime(v.provider.metadataFetchedAt)})` : 'pasted'}${v.provider.metadataError ? html` <span class="badge off">refresh failed: ${v.provider.metadataError}</span>` : ''}</dd>` : ''}
${oidc ? html`<dt>Issuer</dt><dd><code>${oidc.issuer}</code></dd><dt>Client ID</dt><dd><code>${oidc.clientId}</code></dd><dt>Client secret</dt><dd>set (never shown)</dd>` : ''}
<dt>User match</dt><dd>${s!.userMatch}</dd>
<dt>Just-in-time users</dt><dd>${s!.jitProvisioning ? 'on' : 'off'}</dd>
<dt>Passwords</dt><dd>${s!.ssoOnly ? html`<span class="badge off">refused (single sign-on only)</span>` : 'still accepted'}</dd>
<dt>Last sign-in</dt><dd>${v.provider.lastSuccessAt ? html`${formatTime(v.provider.lastSuccessAt)} — ${v.provider.lastSuccessUser ?? ''}` : html`<span class="muted">none yet</span>`}</dd>
<dt>Last refusal</dt><dd>${v.provider.lastFailureAt ? html`${formatTime(v.provider.lastFailureAt)} — ${v.provider.lastFailureReason ?? ''}` : html`<span class="muted">none</span>`}</dd>
</dl>
<form method="post" action="/console/contact-centers/${cc.id}/sso/delete">${csrfField(c.csrf)}<button type="submit" class="btn secondary">Remove single sign-on</button></form>`
    : html`<p class="muted">Not configured: users sign in with their password.</p>`;

  return renderConsolePage({
    title: 'Single sign-on',
    nonce: c.nonce,
    section: 'contact-centers',
    username: c.username,
    csrf: c.csrf,
    crumb: { href: `/console/contact-centers/${cc.id}`, label: cc.domains[0] ?? cc.id },
    lead: `The identity provider that signs in the users of ${cc.domains.join(', ') || cc.id}.`,
    notices: flashNotices(f),
    body: html`<div class="grid">
<section class="card" aria-labelledby="status-h"><h2 id="status-h">Status</h2>${status}</section>
<section class="card" aria-labelledby="sp-h"><h2 id="sp-h">Give your identity provider</h2><dl class="facts">
<dt>SAML entity ID</dt><dd><code>${v.sp.entityId}</code></dd>
<dt>SAML ACS (HTTP-POST)</dt><dd><code>${v.sp.acsUrl}</code></dd>
<dt>SAML metadata</dt><dd><a class="link" href="${v.sp.metadataUrl}" download>Download ccauth's SP metadata</a></dd>
<dt>OIDC redirect URI</dt><dd><code>${v.sp.oidcRedirectUri}</code></dd>
</dl></section>
</div>
<section class="card" aria-labelledby="saml-h"><h2 id="saml-h">SAML 2.0 identity provider</h2>
<form method="post" action="/console/contact-centers/${cc.id}/sso/saml">${csrfField(c.csrf)}
<div class="field"><label for="metadataXml">IdP metadata XML <span class="hint">Paste the federation metadata document, or leave empty and give its URL.</span></label>
<textarea id="metadataXml" name="metadataXml">${formValue(f, 'metadataXml', '')}</textarea>${fieldError(f, 'metadataXml')}</div>
<div class="field"><label for="metadataUrl">IdP metadata URL</label><input id="metadataUrl" name="metadataUrl" type="url" value="${formValue(f, 'metadataUrl', saml?.metadataUrl ?? '')}">${fieldError(f, 'metadataUrl')}</div>
<div class="field"><label for="binding">AuthnRequest binding</label><select id="binding" name="binding">${option('redirect', 'HTTP-Redirect', formValue(f, 'binding', saml?.binding ?? 'redirect'))}${option('post', 'HTTP-POST', formValue(f, 'binding', saml?.binding ?? 'redirect'))}</select>${fieldError(f, 'binding')}</div>
<div class="field"><label for="saml-userMatch">Match users by</label><select id="saml-userMatch" name="userMatch">${matchOptions(userMatch(saml?.userMatch ?? 'username'))}</select></div>
<div class="field"><label for="usernameAttribute">Username attribute <span class="hint">Empty: the NameID.</span></label><input id="usernameAttribute" name="usernameAttribute" value="${formValue(f, 'usernameAttribute', saml?.usernameAttribute ?? '')}">${fieldError(f, 'usernameAttribute')}</div>
${checkbox('jitProvisioning', 'Create missing users (just-in-time)', saml?.jitProvisioning ?? false)}
${checkbox('ssoOnly', 'Single sign-on only (refuse passwords)', saml?.ssoOnly ?? false)}
<button type="submit" class="btn primary">Save SAML identity provider</button>
</form></section>
<section class="card" aria-labelledby="oidc-h"><h2 id="oidc-h">OpenID Connect identity provider</h2>
<form method="post" action="/console/contact-centers/${cc.id}/sso/oidc">${csrfField(c.csrf)}
<div class="field"><label for="issuer">Issuer</label><input id="issuer" name="issuer" type="url" value="${formValue(f, 'issuer', oidc?.issuer ?? '')}">${fieldError(f, 'issuer')}</div>
<div class="field"><label for="clientId">Client ID</label><input id="clientId" name="clientId" value="${formValue(f, 'clientId', oidc?.clientId ?? '')}">${fieldError(f, 'clientId')}</div>
<div class="field"><label for="clientSecret">Client secret <span class="hint">${oidc ? 'Leave empty to keep the stored one.' : 'Kept sealed; never shown again.'}</span></label><input id="clientSecret" name="clientSecret" type="password" autocomplete="off">${fieldError(f, 'clientSecret')}</div>
<div class="field"><label for="scope">Scope</label><input id="scope" name="scope" value="${formValue(f, 'scope', oidc?.scope ?? 'openid profile email')}">${fieldError(f, 'scope')}</div>
<div class="field"><label for="oidc-userMatch">Match users by</label><select id="oidc-userMatch" name="userMatch">${matchOptions(userMatch(oidc?.userMatch ?? 'username'))}</select></div>
<div class="field"><label for="usernameClaim">Username claim</label><input id="usernameClaim" name="usernameClaim" value="${formValue(f, 'usernameClaim', oidc?.usernameClaim ?? 'preferred_username')}">${fieldError(f, 'usernameClaim')}</div>
${checkbox('jitProvisioning', 'Create missing users (just-in-time)', oidc?.jitProvisioning ?? false)}
${checkbox('ssoOnly', 'Single sign-on only (refuse passwords)', oidc?.ssoOnly ?? false)}
<button type="submit" class="btn primary">Save OpenID Connect identity provider</button>
</form></section>`,
  });
}
