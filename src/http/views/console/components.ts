/**
 * Building blocks shared by the console pages: notices, empty states, form fields with their error
 * in place, the CSRF field, dates, and the one-time credentials dialog.
 */
import type { SetupStep } from '../../../domain/integration.ts';
import { html } from '../html.ts';
import type { SafeHtml } from '../html.ts';

/**
 * The one-time message a POST leaves for the page it redirects to (sealed in the session:
 * services/console-auth.service.ts). `form` holds the submitted values to refill (never a
 * password or secret); `credentials` holds a just-issued secret, shown once.
 */
export interface ConsoleFlash {
  notice?: string;
  error?: string;
  /** Field name → message, shown under the field. */
  fieldErrors?: Record<string, string>;
  form?: Record<string, string | string[]>;
  credentials?: IssuedCredentialsView;
}

/** What the credentials dialog shows. */
export interface IssuedCredentialsView {
  kind: 'activated' | 'rotated' | 'client-created';
  /** What the credentials are for, e.g. "Workflow email listener · contact center act1". */
  subject: string;
  clientId: string;
  /** Undefined for a public client. */
  clientSecret?: string | undefined;
  tokenEndpoint: string;
  scopes: string[];
  grantTypes: string[];
  /** RFC 7591 method names. */
  authMethods: string[];
  redirectUris?: string[];
  /** Epoch ms until which the replaced secret still works (rotation with a grace period). */
  previousSecretExpiresAt?: number | null;
  /** The product's set-up steps with this activation's values filled in (domain/integration.ts). */
  setupSteps?: SetupStep[];
  /** The product the steps are for (the catalogue entry's name). */
  product?: string;
}

/** A numbered list of set-up steps: "<field>: <value>" (README "Prebuilt integrations and the ops console"). */
export function setupStepsList(steps: readonly SetupStep[], id = 'setup-steps'): SafeHtml {
  return html`<ol class="steps" id="${id}">${steps.map((s) => html`<li><strong>${s.field}</strong>: <code>${s.value}</code></li>`)}</ol>`;
}

/** UTC date and time, `2025-01-31 14:05 UTC`. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Hidden CSRF field for a POST form. */
export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${token}">`;
}

/** Flash notice and error, above the page content. */
export function flashNotices(flash: ConsoleFlash | undefined): SafeHtml {
  if (!flash) return html``;
  return html`${flash.notice ? html`<div class="notice ok" role="status">${flash.notice}</div>` : ''}${flash.error ? html`<div class="notice error" role="alert">${flash.error}</div>` : ''}`;
}

/** An empty state: a title and one line of help (optional trusted action markup). */
export function emptyState(title: string, help: string, action?: SafeHtml): SafeHtml {
  return html`<div class="empty"><strong>${title}</strong><span>${help}</span>${action ? html`<div class="actions">${action}</div>` : ''}</div>`;
}

/** The error of one field, in place. */
export function fieldError(flash: ConsoleFlash | undefined, name: string): SafeHtml {
  const msg = flash?.fieldErrors?.[name];
  return msg ? html`<span class="field-error" id="${name}-error">${msg}</span>` : html``;
}

/** A previously submitted value (after a refused form), or `fallback`. */
export function formValue(flash: ConsoleFlash | undefined, name: string, fallback = ''): string {
  const v = flash?.form?.[name];
  if (Array.isArray(v)) return v.join('\n');
  return typeof v === 'string' ? v : fallback;
}

/** Previously submitted values of a multi-valued field (checkboxes), or `fallback`. */
export function formValues(flash: ConsoleFlash | undefined, name: string, fallback: string[] = []): string[] {
  const v = flash?.form?.[name];
  if (v === undefined) return fallback;
  return Array.isArray(v) ? v : [v];
}

const AUTH_LABELS: Record<string, string> = {
  client_secret_basic: 'HTTP Basic',
  client_secret_post: 'request body',
  none: 'none (public client: client_id only)',
};

/** "HTTP Basic or request body". */
export function authMethodsText(methods: readonly string[]): string {
  return methods.map((m) => AUTH_LABELS[m] ?? m).join(' or ');
}

/** A read-only value with a copy button. */
function copyRow(id: string, label: string, value: string): SafeHtml {
  return html`<label for="${id}">${label}</label>
<div class="secret-row"><input type="text" id="${id}" value="${value}" readonly spellcheck="false" autocomplete="off"><button type="button" class="btn secondary" data-copy="${id}" aria-label="Copy ${label}">Copy</button></div>`;
}

const DIALOG_TITLES: Record<IssuedCredentialsView['kind'], string> = {
  activated: 'Integration activated',
  rotated: 'New client secret',
  'client-created': 'Client created',
};

/**
 * The credentials dialog (seed 001: "Copy your Client ID and Client Secret"): open over the page,
 * closed by a link back to it (no script needed), copy buttons, and the one-time warning.
 */
export function credentialsDialog(c: IssuedCredentialsView, closeHref: string): SafeHtml {
  return html`<div class="backdrop"></div>
<dialog class="modal" open aria-modal="true" aria-labelledby="credentials-title" id="credentials-dialog">
<h2 id="credentials-title">${DIALOG_TITLES[c.kind]}</h2>
<p class="muted">${c.subject}</p>
${c.clientSecret
    ? html`<div class="notice warn" role="alert"><strong>You will not see this secret again.</strong> Copy the Client ID and Client Secret now and store them in the system that will use them. If the secret is lost, rotate it to get a new one.</div>`
    : html`<div class="notice warn" role="alert">This is a public client: it has no secret. The other side sends its Client ID with each token request.</div>`}
${copyRow('client-id', 'Client ID', c.clientId)}
${c.clientSecret ? copyRow('client-secret', 'Client Secret', c.clientSecret) : ''}
${copyRow('token-endpoint', 'Token URL', c.tokenEndpoint)}
<dl class="facts">
<dt>Grant types</dt><dd>${c.grantTypes.filter((g) => !g.startsWith('urn:')).join(', ')}</dd>
<dt>Scopes</dt><dd><code>${c.scopes.join(' ')}</code></dd>
<dt>Client authentication</dt><dd>${authMethodsText(c.authMethods)}</dd>
${c.redirectUris?.length ? html`<dt>Redirect URIs</dt><dd>${c.redirectUris.map((u) => html`<code>${u}</code><br>`)}</dd>` : ''}
</dl>
${c.setupSteps?.length ? html`<h3 id="setup-title">Enter these values in ${c.product ?? 'the other product'}</h3>${setupStepsList(c.setupSteps, 'credentials-setup-steps')}` : ''}
${c.previousSecretExpiresAt ? html`<p class="notice ok below">The previous secret keeps working until ${formatTime(c.previousSecretExpiresAt)}, then never again.</p>` : ''}
${c.kind === 'rotated' && !c.previousSecretExpiresAt ? html`<p class="notice ok below">The previous secret no longer works.</p>` : ''}
<div class="actions end"><a class="btn primary" href="${closeHref}" id="credentials-done">I have saved the credentials</a></div>
</dialog>`;
}
