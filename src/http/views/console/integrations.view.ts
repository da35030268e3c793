/**
 * Console pages of the Integrations section (issue 4; seed 001): the catalogue with a search box
 * and status per contact center, the Manage page (Activate, the activations with Rotate secret
 * and Deactivate), the two confirmation pages, and the credentials dialog.
 */
import type { Client } from '../../../domain/client.ts';
import { isPublicIntegration, needsRedirectUris } from '../../../domain/integration.ts';
import type { Activation, SetupStep } from '../../../domain/integration.ts';
import type { IntegrationSummary } from '../../../services/integrations.service.ts';
import { html } from '../html.ts';
import type { SafeHtml } from '../html.ts';
import { authMethodsText, credentialsDialog, setupStepsList, csrfField, emptyState, fieldError, flashNotices, formatTime, formValue } from './components.ts';
import { renderConsolePage } from './layout.ts';
import type { ConsolePageContext, ContactCenterOption } from './page-context.ts';

const label = (ccs: Map<string, ContactCenterOption>, id: string) => ccs.get(id)?.label ?? id.slice(0, 8);

function grantsText(grants: readonly string[]): string {
  return grants.map((g) => g.replace(/_/g, ' ')).join(', ');
}

/** `/console/integrations?q=`: the catalogue. */
export function integrationsListPage(c: ConsolePageContext, v: { items: IntegrationSummary[]; q: string; contactCenters: Map<string, ContactCenterOption> }): string {
  const rows = v.items.map(
    (i) => html`<tr data-integration="${i.id}">
<td data-label="Integration"><strong>${i.name}</strong><span class="desc">${i.description}</span></td>
<td data-label="Client">${grantsText(i.grantTypes)}<span class="desc">${authMethodsText(i.clientAuthMethods)}</span></td>
<td data-label="Status">${i.activeContactCenterIds.length
      ? i.activeContactCenterIds.map((id) => html`<span class="badge ok" title="${id}">Activated · ${label(v.contactCenters, id)}</span>`)
      : html`<span class="badge off">Not activated</span>`}</td>
<td data-label="Actions"><a class="btn secondary small" href="/console/integrations/${i.id}" aria-label="Manage ${i.name}">Manage</a></td>
</tr>`,
  );
  const table = v.items.length
    ? html`<div class="card table-card"><table class="responsive"><thead><tr><th>Integration</th><th>Client</th><th>Status per contact center</th><th><span class="sr">Actions</span></th></tr></thead><tbody>${rows}</tbody></table></div>`
    : html`<div class="card">${v.q
        ? emptyState(`No integration matches “${v.q}”.`, 'Try another name, or clear the search.', html`<a class="btn secondary" href="/console/integrations">Clear search</a>`)
        : emptyState('The catalogue is empty.', 'Add prebuilt integrations with POST /auth/v3/ops/integrations.')}</div>`;
  return renderConsolePage({
    title: 'Integrations',
    nonce: c.nonce,
    section: 'integrations',
    username: c.username,
    csrf: c.csrf,
    lead: 'Prebuilt integrations: activate one for a contact center to get the Client ID and Client Secret the other side needs.',
    notices: flashNotices(c.flash),
    body: html`<form class="search" method="get" action="/console/integrations" role="search">
<label class="sr" for="q">Search integrations</label>
<input type="search" id="q" name="q" value="${v.q}" placeholder="Search by name" maxlength="200">
<button type="submit" class="btn secondary">Search</button>${v.q ? html` <a class="btn secondary" href="/console/integrations">Clear</a>` : ''}
</form>
${table}`,
  });
}

/**
 * `/console/integrations/{id}`: details, Activate, the product's set-up steps (which ccauth value
 * goes into which field of its form), activations; the credentials dialog after an activation or
 * rotation, with the steps filled in.
 */
export function integrationManagePage(
  c: ConsolePageContext,
  v: {
    integration: IntegrationSummary;
    activations: { activation: Activation; client: Client | undefined }[];
    contactCenters: ContactCenterOption[];
    /** The product's set-up steps, deployment values filled in. */
    setupSteps: SetupStep[];
  },
): string {
  const i = v.integration;
  const ccs = new Map(v.contactCenters.map((cc) => [cc.id, cc]));
  const free = v.contactCenters.filter((cc) => !i.activeContactCenterIds.includes(cc.id));
  const base = `/console/integrations/${i.id}`;
  const f = c.flash;

  const facts = html`<dl class="facts">
<dt>Grant types</dt><dd>${grantsText(i.grantTypes)}</dd>
<dt>Scopes</dt><dd><code>${i.scopes.join(' ')}</code></dd>
<dt>Client authentication</dt><dd>${authMethodsText(i.clientAuthMethods)}</dd>
<dt>Access token lifetime</dt><dd>${i.accessTokenTtlSeconds} s</dd>
${i.grantTypes.includes('refresh_token') ? html`<dt>Refresh token lifetime</dt><dd>${i.refreshTokenTtlSeconds} s</dd>` : ''}
<dt>PKCE</dt><dd>${i.pkceRequired ? 'required' : needsRedirectUris(i) ? 'optional' : 'not used'}</dd>
</dl>`;

  const activateForm = v.contactCenters.length === 0
    ? emptyState('No contact centers yet.', 'Create one with the Environment API (POST /environment/v3/contact-centers), then come back to activate.')
    : free.length === 0
      ? emptyState('Activated for every contact center.', 'Deactivate an activation below to activate it again.')
      : html`<form method="post" action="${base}/activate" id="activate-form">
${csrfField(c.csrf)}
<div class="field"><label for="contactCenterId">Contact center</label>
<select id="contactCenterId" name="contactCenterId" required>${free.map(
          (cc) => html`<option value="${cc.id}"${formValue(f, 'contactCenterId') === cc.id ? html` selected` : ''}>${cc.label} (${cc.id})</option>`,
        )}</select>${fieldError(f, 'contactCenterId')}</div>
${needsRedirectUris(i)
          ? html`<div class="field"><label for="redirectURIs">Redirect URIs <span class="hint">One per line: where the customer's chat window receives the authorization code.</span></label>
<textarea id="redirectURIs" name="redirectURIs" required placeholder="https://chat.example.com/callback">${formValue(f, 'redirectURIs')}</textarea>${fieldError(f, 'redirectURIs')}</div>`
          : ''}
<button type="submit" class="btn primary" id="activate">Activate</button>
</form>`;

  const rows = v.activations.map(({ activation: a }) => {
    const active = a.status === 'Activated';
    return html`<tr data-activation="${a.id}">
<td data-label="Contact center"><strong>${label(ccs, a.contactCenterId)}</strong><span class="desc mono">${a.contactCenterId}</span></td>
<td data-label="Status"><span class="badge ${active ? 'ok' : 'off'}">${a.status}</span></td>
<td data-label="Client ID"><code>${a.clientId}</code></td>
<td data-label="Activated">${formatTime(a.createdAt)}${a.secretRotatedAt ? html`<span class="desc">secret rotated ${formatTime(a.secretRotatedAt)}</span>` : ''}${a.deactivatedAt ? html`<span class="desc">deactivated ${formatTime(a.deactivatedAt)}</span>` : ''}</td>
<td data-label="Actions">${active
      ? html`<div class="actions">${isPublicIntegration(i) ? '' : html`<a class="btn secondary small" href="${base}/activations/${a.id}/rotate">Rotate secret</a>`}<a class="btn danger small" href="${base}/activations/${a.id}/deactivate">Deactivate</a></div>`
      : html`<span class="muted">—</span>`}</td>
</tr>`;
  });

  return renderConsolePage({
    title: i.name,
    nonce: c.nonce,
    section: 'integrations',
    username: c.username,
    csrf: c.csrf,
    crumb: { href: '/console/integrations', label: 'Integrations' },
    lead: i.description,
    notices: flashNotices(f),
    body: html`<div class="grid">
<section class="card" aria-labelledby="template-h"><h2 id="template-h">What its clients get</h2>${facts}</section>
<section class="card" aria-labelledby="activate-h"><h2 id="activate-h">Activate</h2>${activateForm}</section>
</div>
${v.setupSteps.length
  ? html`<section class="card" aria-labelledby="setup-h"><h2 id="setup-h">Set up in the product</h2><p class="muted">After activation, enter these values in the product's own form:</p>${setupStepsList(v.setupSteps)}</section>`
  : ''}
<section aria-labelledby="activations-h"><h2 id="activations-h">Activations</h2>
${v.activations.length
  ? html`<div class="card table-card"><table class="responsive"><thead><tr><th>Contact center</th><th>Status</th><th>Client ID</th><th>Activated</th><th><span class="sr">Actions</span></th></tr></thead><tbody>${rows}</tbody></table></div>`
  : html`<div class="card">${emptyState('Not activated yet.', 'Choose a contact center above and press Activate.')}</div>`}
</section>`,
    overlay: f?.credentials ? credentialsDialog(f.credentials, base) : undefined,
    copyScript: Boolean(f?.credentials),
  });
}

/** Confirmation pages of Deactivate and Rotate secret. */
export function activationConfirmPage(
  c: ConsolePageContext,
  v: { kind: 'deactivate' | 'rotate'; integration: IntegrationSummary; activation: Activation; contactCenter: string },
): string {
  const i = v.integration;
  const a = v.activation;
  const back = `/console/integrations/${i.id}`;
  const action = `${back}/activations/${a.id}/${v.kind}`;
  const body: SafeHtml =
    v.kind === 'deactivate'
      ? html`<div class="card danger-zone">
<p>Deactivate <strong>${i.name}</strong> for contact center <strong>${v.contactCenter}</strong>?</p>
<p>Client <code>${a.clientId}</code> is disabled and <strong>every token it holds stops working at once</strong>. The other side can no longer get tokens; activate again for new credentials.</p>
<form method="post" action="${action}" class="actions">${csrfField(c.csrf)}<button type="submit" class="btn danger" id="confirm">Deactivate</button><a class="btn secondary" href="${back}">Cancel</a></form>
</div>`
      : html`<div class="card">
<p>Rotate the client secret of <strong>${i.name}</strong> for contact center <strong>${v.contactCenter}</strong> (client <code>${a.clientId}</code>)?</p>
<p>A new secret is shown once. Tokens already issued keep working.</p>
<form method="post" action="${action}">${csrfField(c.csrf)}
<div class="field"><label for="gracePeriodSeconds">Keep the old secret working for</label>
<select id="gracePeriodSeconds" name="gracePeriodSeconds">
<option value="0">No grace period: it stops now</option>
<option value="300">5 minutes</option>
<option value="3600" selected>1 hour</option>
<option value="86400">24 hours</option>
<option value="604800">7 days</option>
</select>${fieldError(c.flash, 'gracePeriodSeconds')}<span class="hint">Time to put the new secret in place on the other side.</span></div>
<div class="actions"><button type="submit" class="btn primary" id="confirm">Rotate secret</button><a class="btn secondary" href="${back}">Cancel</a></div>
</form>
</div>`;
  return renderConsolePage({
    title: v.kind === 'deactivate' ? 'Deactivate integration' : 'Rotate client secret',
    nonce: c.nonce,
    section: 'integrations',
    username: c.username,
    csrf: c.csrf,
    crumb: { href: back, label: i.name },
    notices: flashNotices(c.flash),
    body,
  });
}
