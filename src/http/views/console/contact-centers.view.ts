/**
 * Console pages of the Contact centers section (issue 4): the list, and one contact center with
 * its CORS origins editor (the `cors-origins` setting, genesys-api.md §6) and its users.
 */
import type { ContactCenter } from '../../../domain/environment.ts';
import type { User } from '../../../domain/user.ts';
import { html } from '../html.ts';
import { csrfField, emptyState, fieldError, flashNotices, formValue, formatTime } from './components.ts';
import { renderConsolePage } from './layout.ts';
import type { ConsolePageContext } from './page-context.ts';

/** `/console/contact-centers`. */
export function contactCentersListPage(c: ConsolePageContext, v: { contactCenters: ContactCenter[] }): string {
  const rows = v.contactCenters.map(
    (cc) => html`<tr data-ccid="${cc.id}">
<td data-label="Domains"><a href="/console/contact-centers/${cc.id}"><strong>${cc.domains.length ? cc.domains.join(', ') : '(no domain)'}</strong></a></td>
<td data-label="CCID"><code>${cc.id}</code></td>
<td data-label="Authentication">${cc.auth}</td>
<td data-label="Created">${formatTime(cc.createdAt)}</td>
<td data-label="Actions"><a class="btn secondary small" href="/console/contact-centers/${cc.id}">Open</a></td>
</tr>`,
  );
  return renderConsolePage({
    title: 'Contact centers',
    nonce: c.nonce,
    section: 'contact-centers',
    username: c.username,
    csrf: c.csrf,
    lead: 'Contact centers, their browser origins (CORS) and their users.',
    notices: flashNotices(c.flash),
    body: v.contactCenters.length
      ? html`<div class="card table-card"><table class="responsive"><thead><tr><th>Domains</th><th>CCID</th><th>Authentication</th><th>Created</th><th><span class="sr">Actions</span></th></tr></thead><tbody>${rows}</tbody></table></div>`
      : html`<div class="card">${emptyState('No contact centers yet.', 'Create them with the Environment API (POST /environment/v3/contact-centers).')}</div>`,
  });
}

/** `/console/contact-centers/{ccid}`. */
export function contactCenterPage(c: ConsolePageContext, v: { contactCenter: ContactCenter; corsOrigins: string[]; users: User[] }): string {
  const cc = v.contactCenter;
  const f = c.flash;
  const rows = v.users.map(
    (u) => html`<tr>
<td data-label="Username"><strong>${u.username}</strong></td>
<td data-label="Name">${[u.firstName, u.lastName].filter(Boolean).join(' ') || html`<span class="muted">—</span>`}</td>
<td data-label="Email">${u.email ?? html`<span class="muted">—</span>`}</td>
<td data-label="Status">${u.enabled ? html`<span class="badge ok">Enabled</span>` : html`<span class="badge off">Disabled</span>`}${u.mustChangePassword ? html` <span class="badge warn">Must change password</span>` : ''}</td>
<td data-label="Created">${formatTime(u.createdAt)}</td>
<td data-label="Password"><form method="post" action="/console/contact-centers/${cc.id}/users/${u.id}/password-change">${csrfField(c.csrf)}<input type="hidden" name="required" value="${u.mustChangePassword ? 'false' : 'true'}"><button type="submit" class="btn secondary small">${u.mustChangePassword ? 'Lift password change' : 'Require password change'}</button></form></td>
</tr>`,
  );
  return renderConsolePage({
    title: cc.domains[0] ?? cc.id,
    nonce: c.nonce,
    section: 'contact-centers',
    username: c.username,
    csrf: c.csrf,
    crumb: { href: '/console/contact-centers', label: 'Contact centers' },
    lead: `CCID ${cc.id}`,
    notices: flashNotices(f),
    body: html`<div class="grid">
<section class="card" aria-labelledby="cors-h"><h2 id="cors-h">CORS origins</h2>
<form method="post" action="/console/contact-centers/${cc.id}/cors">${csrfField(c.csrf)}
<div class="field"><label for="origins">Browser origins allowed to call the token, introspection, revocation and userinfo endpoints for this contact center's clients <span class="hint">One per line, scheme://host[:port]. Empty: none.</span></label>
<textarea id="origins" name="origins">${formValue(f, 'origins', v.corsOrigins.join('\n'))}</textarea>${fieldError(f, 'origins')}</div>
<button type="submit" class="btn primary">Save origins</button>
</form></section>
<section class="card" aria-labelledby="facts-h"><h2 id="facts-h">Details</h2><dl class="facts">
<dt>Domains</dt><dd>${cc.domains.length ? cc.domains.join(', ') : '—'}</dd>
<dt>Environment</dt><dd><code>${cc.environmentId}</code></dd>
<dt>Authentication</dt><dd>${cc.auth}</dd>
<dt>Single sign-on</dt><dd><a class="link" href="/console/contact-centers/${cc.id}/sso">Configure single sign-on</a></dd>
<dt>Created</dt><dd>${formatTime(cc.createdAt)}</dd>
</dl></section>
</div>
<section aria-labelledby="users-h"><h2 id="users-h">Users</h2>
${v.users.length
  ? html`<div class="card table-card"><table class="responsive"><thead><tr><th>Username</th><th>Name</th><th>Email</th><th>Status</th><th>Created</th><th><span class="sr">Password</span></th></tr></thead><tbody>${rows}</tbody></table></div>`
  : html`<div class="card">${emptyState('No users yet.', 'Create users with the Environment API (POST /environment/v3/contact-centers/{ccid}/users).')}</div>`}
</section>`,
  });
}
