/**
 * The ops console frame (issue 4): top bar with the product name, navigation and sign-out, one
 * inline stylesheet and (on pages that copy credentials) one inline script, both allowed by the
 * response's CSP nonce. No external resources: it works offline. Readable on a phone: the
 * navigation wraps, tables turn into cards below 700px.
 */
import { html, trustedHtml } from '../html.ts';
import type { SafeHtml } from '../html.ts';

/** Console sections, in navigation order. */
export const CONSOLE_SECTIONS = [
  { key: 'integrations', label: 'Integrations', href: '/console/integrations' },
  { key: 'clients', label: 'Clients', href: '/console/clients' },
  { key: 'contact-centers', label: 'Contact centers', href: '/console/contact-centers' },
  { key: 'audit', label: 'Audit', href: '/console/audit' },
] as const;
export type ConsoleSection = (typeof CONSOLE_SECTIONS)[number]['key'];

const STYLES = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1f2933;background:#f3f5f9}
a{color:#3451c7}
a:hover{color:#2a3fa0}
:focus-visible{outline:3px solid #a5b4fc;outline-offset:2px}
.wrap{max-width:1120px;margin:0 auto;padding:0 20px}
.top{background:#1c2541;color:#fff}
.top .wrap{display:flex;flex-wrap:wrap;align-items:center;gap:8px 24px;min-height:56px;padding-top:8px;padding-bottom:8px}
.brand{color:#fff;text-decoration:none;font-weight:700;letter-spacing:.04em;white-space:nowrap}
.brand span{font-weight:400;color:#b8c2dc;margin-left:6px}
.nav{display:flex;flex-wrap:wrap;gap:4px;flex:1}
.nav a{color:#d9def0;text-decoration:none;padding:6px 10px;border-radius:6px}
.nav a:hover{background:rgba(255,255,255,.08);color:#fff}
.nav a[aria-current=page]{background:#3451c7;color:#fff}
.who{display:flex;align-items:center;gap:10px;color:#b8c2dc;font-size:14px}
.who button{background:transparent;color:#fff;border:1px solid #5b6787;padding:5px 10px;border-radius:6px;font:inherit;cursor:pointer}
.who button:hover{background:rgba(255,255,255,.08)}
main.wrap{padding-top:24px;padding-bottom:48px}
.page-head{display:flex;flex-wrap:wrap;align-items:flex-end;justify-content:space-between;gap:12px;margin-bottom:16px}
h1{margin:0;font-size:24px;line-height:1.25}
h2{margin:0 0 12px;font-size:17px}
.crumb{margin:0 0 4px;font-size:13px}
.lead{margin:4px 0 0;color:#52606d;max-width:760px}
.card{background:#fff;border:1px solid #dde2ea;border-radius:10px;padding:18px 20px;margin:0 0 20px;box-shadow:0 1px 2px rgba(16,24,40,.04)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:20px}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:6px 16px;margin:0}
.facts dt{color:#52606d}
.facts dd{margin:0}
.steps{margin:0;padding-left:22px}.steps li{margin:4px 0}.steps code{word-break:break-all}
table{width:100%;border-collapse:collapse;background:#fff}
th,td{text-align:left;padding:10px 12px;border-bottom:1px solid #e6e9ef;vertical-align:top}
th{font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:#52606d;background:#f8f9fb}
tr:last-child td{border-bottom:0}
.table-card{padding:0;overflow:hidden}
.desc{display:block;color:#52606d;font-size:13px;margin-top:2px;max-width:520px}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px;word-break:break-all}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;font-weight:600;white-space:nowrap;margin:0 4px 4px 0}
.badge.ok{background:#e3f6ea;color:#146c37}
.badge.off{background:#eceff3;color:#52606d}
.badge.warn{background:#fff3d6;color:#7a4d00}
.badge.info{background:#e7ecff;color:#2a3fa0}
.btn{display:inline-block;padding:8px 14px;border-radius:8px;border:1px solid transparent;font:inherit;font-weight:600;text-decoration:none;cursor:pointer;line-height:1.3;white-space:nowrap}
.btn.primary{background:#3451c7;color:#fff}
.btn.primary:hover{background:#2a3fa0;color:#fff}
.btn.secondary{background:#fff;color:#3451c7;border-color:#c5cbd8}
.btn.secondary:hover{background:#f1f3f9}
.btn.danger{background:#c92a2a;color:#fff}
.btn.danger:hover{background:#a61e1e;color:#fff}
.btn.small{padding:5px 10px;font-size:13px}
.actions{display:flex;flex-wrap:wrap;gap:8px;align-items:center}
form.inline{display:inline}
label{display:block;font-weight:600;font-size:14px;margin:0 0 4px}
fieldset{border:0;padding:0;margin:0 0 14px;min-width:0}
legend{padding:0;margin:0 0 6px;font-size:14px}
.field{margin:0 0 14px}
.hint{display:block;font-weight:400;color:#52606d;font-size:13px;margin-top:2px}
input[type=text],input[type=password],input[type=search],input[type=number],select,textarea{width:100%;max-width:560px;padding:8px 10px;font:inherit;color:inherit;border:1px solid #aab4c0;border-radius:8px;background:#fff}
textarea{min-height:96px;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
.checks{display:flex;flex-wrap:wrap;gap:6px 18px}
.checks label{font-weight:400;display:flex;gap:6px;align-items:center;margin:0}
.search{display:flex;gap:8px;flex-wrap:wrap;margin:0 0 16px}
.search input{flex:1;min-width:200px;max-width:420px}
.notice{padding:10px 14px;border-radius:8px;margin:0 0 16px;border:1px solid}
.notice.ok{background:#ecfaf1;border-color:#9fdcb5;color:#0f5130}
.notice.error{background:#fff1f0;border-color:#f5a3a3;color:#8a1c1c}
.notice.warn{background:#fff8e6;border-color:#f1cf7a;color:#6b4400}
.field-error{display:block;color:#a61e1e;font-size:13px;margin-top:4px}
.empty{text-align:center;padding:36px 20px;color:#52606d}
.empty strong{display:block;color:#1f2933;font-size:16px;margin-bottom:4px}
.empty .actions{justify-content:center;margin-top:12px}
.notice.below{margin-top:14px}
.actions.end{margin-top:18px}
.card.narrow{max-width:440px}
.muted{color:#52606d}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.pager{display:flex;justify-content:flex-end;gap:8px;margin-top:12px}
.backdrop{position:fixed;inset:0;background:rgba(16,24,40,.55);z-index:10}
dialog.modal{position:fixed;top:50%;left:50%;transform:translate(-50%,-50%);z-index:11;margin:0;width:min(640px,calc(100vw - 24px));max-height:calc(100vh - 24px);overflow:auto;border:0;border-radius:12px;padding:24px;box-shadow:0 20px 50px rgba(16,24,40,.35);background:#fff;color:inherit}
dialog.modal h2{font-size:20px;margin:0 0 6px}
.secret-row{display:flex;gap:8px;align-items:stretch;margin:0 0 14px}
.secret-row input{flex:1;max-width:none;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:14px;background:#f8f9fb}
.danger-zone{border-color:#f5c2c2}
@media (max-width:700px){
  .wrap{padding:0 12px}
  .nav{flex-basis:100%;order:2}
  .nav a{padding:4px 8px}
  .who{order:3;width:100%;justify-content:space-between}
  table.responsive thead{display:none}
  table.responsive,table.responsive tbody,table.responsive tr,table.responsive td{display:block;width:100%}
  table.responsive tr{border-bottom:1px solid #dde2ea;padding:8px 0}
  table.responsive td{border:0;padding:4px 14px}
  table.responsive td[data-label]::before{content:attr(data-label);display:block;font-size:11px;text-transform:uppercase;letter-spacing:.05em;color:#52606d}
  .facts{grid-template-columns:1fr}
  .facts dd{margin-bottom:6px}
}
`;

/**
 * The copy buttons: `<button data-copy="ID">` copies the value of the element with that id (the
 * Clipboard API on secure origins, a selection + execCommand fallback elsewhere).
 */
const COPY_SCRIPT = `
document.addEventListener('click', function (e) {
  var b = e.target && e.target.closest ? e.target.closest('[data-copy]') : null;
  if (!b) return;
  var el = document.getElementById(b.getAttribute('data-copy'));
  if (!el) return;
  var text = el.value;
  var label = b.textContent;
  function done() { b.textContent = 'Copied'; setTimeout(function () { b.textContent = label; }, 1500); }
  function fallback() { el.focus(); el.select(); try { document.execCommand('copy'); done(); } catch (_) { b.textContent = 'Press Ctrl+C'; } }
  if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback); else fallback();
});
`;

/** What every console page gives the frame. */
export interface ConsolePage {
  title: string;
  /** Nonce of the response's CSP (style and script). */
  nonce: string;
  /** Current section for the navigation; undefined on the sign-in page (no navigation). */
  section?: ConsoleSection | undefined;
  /** Signed-in ops username; with `csrf`, the sign-out button is shown. */
  username?: string | undefined;
  csrf?: string | undefined;
  /** Breadcrumb link above the title. */
  crumb?: { href: string; label: string } | undefined;
  /** Text below the title. */
  lead?: string | undefined;
  /** Buttons at the right of the title. */
  headActions?: SafeHtml | undefined;
  /** Flash notices above the content. */
  notices?: SafeHtml | undefined;
  body: SafeHtml;
  /** Markup after `<main>` (dialogs). */
  overlay?: SafeHtml | undefined;
  /** Include the copy-button script. */
  copyScript?: boolean;
}

/** Renders a complete console HTML document. */
export function renderConsolePage(p: ConsolePage): string {
  const nav = p.section
    ? html`<nav class="nav" aria-label="Console sections">${CONSOLE_SECTIONS.map(
        (s) => html`<a href="${s.href}"${s.key === p.section ? trustedHtml(' aria-current="page"') : ''}>${s.label}</a>`,
      )}</nav>`
    : html`<span class="nav"></span>`;
  const who =
    p.username && p.csrf
      ? html`<form class="who" method="post" action="/console/sign-out"><span>Signed in as <strong>${p.username}</strong></span><input type="hidden" name="csrf" value="${p.csrf}"><button type="submit">Sign out</button></form>`
      : '';
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${p.title} · ccauth console</title>
<style nonce="${p.nonce}">${trustedHtml(STYLES)}</style>
</head>
<body>
<header class="top"><div class="wrap"><a class="brand" href="/console">ccauth<span>ops console</span></a>${nav}${who}</div></header>
<main class="wrap">
<div class="page-head"><div>${p.crumb ? html`<p class="crumb"><a href="${p.crumb.href}">← ${p.crumb.label}</a></p>` : ''}<h1>${p.title}</h1>${p.lead ? html`<p class="lead">${p.lead}</p>` : ''}</div>${p.headActions ? html`<div class="actions">${p.headActions}</div>` : ''}</div>
${p.notices ?? ''}
${p.body}
</main>
${p.overlay ?? ''}
${p.copyScript ? html`<script nonce="${p.nonce}">${trustedHtml(COPY_SCRIPT)}</script>` : ''}
</body>
</html>
`.__html;
}
