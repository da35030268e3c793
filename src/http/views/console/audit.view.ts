/** The Audit page of the console: the latest events, newest first, with an "Older" link. */
import type { AuditEvent } from '../../../domain/audit-event.ts';
import { html } from '../html.ts';
import { emptyState, flashNotices, formatTime } from './components.ts';
import { renderConsolePage } from './layout.ts';
import type { ConsolePageContext } from './page-context.ts';

function detailsText(d: Record<string, unknown>): string {
  return Object.entries(d)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ');
}

/** `/console/audit?before=`. `olderBefore` is the cursor of the next page, when there is one. */
export function auditPage(c: ConsolePageContext, v: { events: AuditEvent[]; olderBefore?: number | undefined; paged: boolean }): string {
  const rows = v.events.map(
    (e) => html`<tr data-action="${e.action}">
<td data-label="When" class="mono">${formatTime(e.at)}</td>
<td data-label="Actor">${e.actor}</td>
<td data-label="Action"><span class="badge info">${e.action}</span></td>
<td data-label="Target">${e.targetType} <code>${e.targetId}</code></td>
<td data-label="From" class="mono">${e.sourceIp ?? '—'}</td>
<td data-label="Details"><span class="desc mono">${detailsText(e.details)}</span></td>
</tr>`,
  );
  return renderConsolePage({
    title: 'Audit',
    nonce: c.nonce,
    section: 'audit',
    username: c.username,
    csrf: c.csrf,
    lead: 'Who changed what, when, and from which address. Secrets are never recorded.',
    notices: flashNotices(c.flash),
    body: html`${v.events.length
      ? html`<div class="card table-card"><table class="responsive"><thead><tr><th>When</th><th>Actor</th><th>Action</th><th>Target</th><th>From</th><th>Details</th></tr></thead><tbody>${rows}</tbody></table></div>`
      : html`<div class="card">${emptyState('No events yet.', 'Changes to clients and integrations appear here.')}</div>`}
<div class="pager">${v.paged ? html`<a class="btn secondary" href="/console/audit">Newest</a>` : ''}${v.olderBefore !== undefined ? html`<a class="btn secondary" href="/console/audit?before=${v.olderBefore}">Older</a>` : ''}</div>`,
  });
}
