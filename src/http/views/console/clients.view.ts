/**
 * Console pages of the Clients section (issue 4): the list, New client, a client's page with its
 * redirect URIs editor, and the delete confirmation. The rules are the ops client API's (the
 * routes validate with its schemas and call clients.service.ts).
 */
import type { Client } from '../../../domain/client.ts';
import { html } from '../html.ts';
import { credentialsDialog, csrfField, emptyState, fieldError, flashNotices, formValue, formValues, formatTime } from './components.ts';
import { renderConsolePage } from './layout.ts';
import type { ConsolePageContext, ContactCenterOption } from './page-context.ts';

/** Grant types offered by the New client form (the ones ccauth serves). */
export const FORM_GRANT_TYPES = ['client_credentials', 'authorization_code', 'refresh_token', 'password'] as const;

const served = (grants: readonly string[]) => grants.filter((g) => !g.startsWith('urn:'));

/** `/console/clients`. */
export function clientsListPage(c: ConsolePageContext, v: { clients: Client[]; contactCenters: Map<string, ContactCenterOption> }): string {
  const rows = v.clients.map(
    (cl) => html`<tr data-client="${cl.clientId}">
<td data-label="Client ID"><a href="/console/clients/${encodeURIComponent(cl.clientId)}"><code>${cl.clientId}</code></a><span class="desc">${cl.name}</span></td>
<td data-label="Type">${cl.clientType === 'CONFIDENTIAL' ? 'Confidential' : 'Public'}${cl.internalClient ? html` <span class="badge info">internal</span>` : ''}</td>
<td data-label="Grant types">${served(cl.authorizedGrantTypes).join(', ')}</td>
<td data-label="Contact centers">${cl.contactCenterIds.length ? cl.contactCenterIds.map((id) => html`<span class="badge info" title="${id}">${v.contactCenters.get(id)?.label ?? id.slice(0, 8)}</span>`) : html`<span class="muted">all</span>`}</td>
<td data-label="Status">${cl.enabled ? html`<span class="badge ok">Enabled</span>` : html`<span class="badge off">Disabled</span>`}</td>
<td data-label="Actions"><div class="actions"><a class="btn secondary small" href="/console/clients/${encodeURIComponent(cl.clientId)}">Edit</a><a class="btn danger small" href="/console/clients/${encodeURIComponent(cl.clientId)}/delete">Delete</a></div></td>
</tr>`,
  );
  return renderConsolePage({
    title: 'Clients',
    nonce: c.nonce,
    section: 'clients',
    username: c.username,
    csrf: c.csrf,
    lead: 'OAuth clients registered with ccauth, including those made by integration activations.',
    headActions: html`<a class="btn primary" href="/console/clients/new">New client</a>`,
    notices: flashNotices(c.flash),
    body: v.clients.length
      ? html`<div class="card table-card"><table class="responsive"><thead><tr><th>Client</th><th>Type</th><th>Grant types</th><th>Contact centers</th><th>Status</th><th><span class="sr">Actions</span></th></tr></thead><tbody>${rows}</tbody></table></div>`
      : html`<div class="card">${emptyState('No clients yet.', 'Create one here, with the ops API, or by activating an integration.', html`<a class="btn primary" href="/console/clients/new">New client</a>`)}</div>`,
  });
}

/** `/console/clients/new`. */
export function clientNewPage(c: ConsolePageContext, v: { contactCenters: ContactCenterOption[] }): string {
  const f = c.flash;
  const grants = formValues(f, 'authorizedGrantTypes', ['client_credentials']);
  const ccs = formValues(f, 'contactCenterIds');
  const type = formValue(f, 'clientType', 'CONFIDENTIAL');
  return renderConsolePage({
    title: 'New client',
    nonce: c.nonce,
    section: 'clients',
    username: c.username,
    csrf: c.csrf,
    crumb: { href: '/console/clients', label: 'Clients' },
    notices: flashNotices(f),
    body: html`<form class="card" method="post" action="/console/clients" id="client-form">
${csrfField(c.csrf)}
<div class="field"><label for="client_id">Client ID <span class="hint">1-128 letters, digits and . _ ~ @ + -</span></label><input type="text" id="client_id" name="client_id" value="${formValue(f, 'client_id')}" required maxlength="128" spellcheck="false">${fieldError(f, 'client_id')}</div>
<div class="field"><label for="name">Name</label><input type="text" id="name" name="name" value="${formValue(f, 'name')}" maxlength="255">${fieldError(f, 'name')}</div>
<div class="field"><label for="description">Description</label><input type="text" id="description" name="description" value="${formValue(f, 'description')}" maxlength="1024"></div>
<div class="field"><label for="clientType">Type</label><select id="clientType" name="clientType">
<option value="CONFIDENTIAL"${type === 'CONFIDENTIAL' ? html` selected` : ''}>Confidential (has a secret)</option>
<option value="PUBLIC"${type === 'PUBLIC' ? html` selected` : ''}>Public (no secret)</option>
</select>${fieldError(f, 'clientType')}</div>
<fieldset class="field"><legend><strong>Grant types</strong></legend><div class="checks">${FORM_GRANT_TYPES.map(
      (g) => html`<label><input type="checkbox" name="authorizedGrantTypes" value="${g}"${grants.includes(g) ? html` checked` : ''}> ${g}</label>`,
    )}</div>${fieldError(f, 'authorizedGrantTypes')}</fieldset>
<div class="field"><label for="scope">Scopes <span class="hint">Space-separated; * allows any scope.</span></label><input type="text" id="scope" name="scope" value="${formValue(f, 'scope', '*')}">${fieldError(f, 'scope')}</div>
<div class="field"><label for="redirectURIs">Redirect URIs <span class="hint">One per line; required for authorization_code.</span></label><textarea id="redirectURIs" name="redirectURIs">${formValue(f, 'redirectURIs')}</textarea>${fieldError(f, 'redirectURIs')}</div>
<div class="field"><label for="accessTokenExpirationTimeout">Access token lifetime (seconds)</label><input type="number" id="accessTokenExpirationTimeout" name="accessTokenExpirationTimeout" min="1" value="${formValue(f, 'accessTokenExpirationTimeout', '43200')}">${fieldError(f, 'accessTokenExpirationTimeout')}</div>
<div class="field"><label for="refreshTokenExpirationTimeout">Refresh token lifetime (seconds)</label><input type="number" id="refreshTokenExpirationTimeout" name="refreshTokenExpirationTimeout" min="1" value="${formValue(f, 'refreshTokenExpirationTimeout', '43200')}">${fieldError(f, 'refreshTokenExpirationTimeout')}</div>
${v.contactCenters.length
      ? html`<fieldset class="field"><legend><strong>Contact centers</strong> <span class="hint">None checked: the client is not bound to a contact center.</span></legend><div class="checks">${v.contactCenters.map(
          (cc) => html`<label><input type="checkbox" name="contactCenterIds" value="${cc.id}"${ccs.includes(cc.id) ? html` checked` : ''}> ${cc.label}</label>`,
        )}</div>${fieldError(f, 'contactCenterIds')}</fieldset>`
      : ''}
<div class="field"><label><input type="checkbox" name="pkceRequired" value="true"${formValue(f, 'pkceRequired') === 'true' ? html` checked` : ''}> Require PKCE</label></div>
<div class="field"><label><input type="checkbox" name="dpopBoundAccessTokens" value="true"${formValue(f, 'dpopBoundAccessTokens') === 'true' ? html` checked` : ''}> Require DPoP proofs <span class="hint">Every token request must carry a DPoP proof; tokens are bound to the client's key (RFC 9449).</span></label></div>
<div class="actions"><button type="submit" class="btn primary">Create client</button><a class="btn secondary" href="/console/clients">Cancel</a></div>
</form>`,
  });
}

/** `/console/clients/{id}`: details and the redirect URIs editor; the credentials dialog after creation. */
export function clientEditPage(c: ConsolePageContext, v: { client: Client; contactCenters: Map<string, ContactCenterOption> }): string {
  const cl = v.client;
  const f = c.flash;
  const path = `/console/clients/${encodeURIComponent(cl.clientId)}`;
  return renderConsolePage({
    title: cl.name,
    nonce: c.nonce,
    section: 'clients',
    username: c.username,
    csrf: c.csrf,
    crumb: { href: '/console/clients', label: 'Clients' },
    headActions: html`<a class="btn danger" href="${path}/delete">Delete client</a>`,
    notices: flashNotices(f),
    body: html`<div class="grid">
<section class="card" aria-labelledby="details-h"><h2 id="details-h">Details</h2><dl class="facts">
<dt>Client ID</dt><dd><code>${cl.clientId}</code></dd>
<dt>Type</dt><dd>${cl.clientType === 'CONFIDENTIAL' ? 'Confidential' : 'Public'}${cl.internalClient ? ' · internal' : ''}</dd>
<dt>Status</dt><dd>${cl.enabled ? html`<span class="badge ok">Enabled</span>` : html`<span class="badge off">Disabled</span>`}</dd>
<dt>Grant types</dt><dd>${served(cl.authorizedGrantTypes).join(', ')}</dd>
<dt>Scopes</dt><dd><code>${cl.scope.join(' ')}</code></dd>
<dt>Contact centers</dt><dd>${cl.contactCenterIds.length ? cl.contactCenterIds.map((id) => html`<span class="badge info" title="${id}">${v.contactCenters.get(id)?.label ?? id.slice(0, 8)}</span>`) : 'all'}</dd>
<dt>Token lifetimes</dt><dd>access ${cl.accessTokenTtlSeconds} s · refresh ${cl.refreshTokenTtlSeconds} s</dd>
<dt>DPoP</dt><dd>${cl.dpopBoundAccessTokens ? 'required on every token request' : 'optional (tokens are bound when a proof is sent)'}</dd>
<dt>Created</dt><dd>${formatTime(cl.createdAt)}</dd>
</dl></section>
<section class="card" aria-labelledby="redirects-h"><h2 id="redirects-h">Redirect URIs</h2>
<form method="post" action="${path}/redirect-uris">${csrfField(c.csrf)}
<div class="field"><label for="redirectURIs">One per line <span class="hint">Absolute http(s) URLs, no fragment or wildcard.</span></label><textarea id="redirectURIs" name="redirectURIs">${formValue(f, 'redirectURIs', cl.redirectUris.join('\n'))}</textarea>${fieldError(f, 'redirectURIs')}</div>
<button type="submit" class="btn primary">Save redirect URIs</button>
</form></section>
<section class="card" aria-labelledby="dpop-h"><h2 id="dpop-h">Sender-constrained tokens</h2>
<form method="post" action="${path}/dpop">${csrfField(c.csrf)}
<div class="field"><label><input type="checkbox" name="dpopBoundAccessTokens" value="true"${cl.dpopBoundAccessTokens ? html` checked` : ''}> Require DPoP proofs <span class="hint">Token requests without a DPoP proof are refused (RFC 9449).</span></label></div>
<button type="submit" class="btn primary">Save DPoP setting</button>
</form></section>
</div>`,
    overlay: f?.credentials ? credentialsDialog(f.credentials, path) : undefined,
    copyScript: Boolean(f?.credentials),
  });
}

/** `/console/clients/{id}/delete`. */
export function clientDeletePage(c: ConsolePageContext, v: { client: Client }): string {
  const path = `/console/clients/${encodeURIComponent(v.client.clientId)}`;
  return renderConsolePage({
    title: 'Delete client',
    nonce: c.nonce,
    section: 'clients',
    username: c.username,
    csrf: c.csrf,
    crumb: { href: path, label: v.client.name },
    notices: flashNotices(c.flash),
    body: html`<div class="card danger-zone"><p>Delete client <code>${v.client.clientId}</code>? Every token it holds stops working and it can no longer authenticate. An integration activation that made it ends with it.</p>
<form method="post" action="${path}/delete" class="actions">${csrfField(c.csrf)}<button type="submit" class="btn danger" id="confirm">Delete</button><a class="btn secondary" href="${path}">Cancel</a></form></div>`,
  });
}
