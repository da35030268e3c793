/**
 * A page that only says something: an expired sign-in request, a refused form (CSRF), signed out.
 */
import { html } from './html.ts';
import type { SafeHtml } from './html.ts';
import { renderPage } from './layout.ts';

/** Renders a titled message; `extra` is optional trusted markup below it. */
export function messagePage(v: { nonce: string; title: string; message: string; extra?: SafeHtml }): string {
  return renderPage({ title: v.title, nonce: v.nonce, body: html`<p>${v.message}</p>
${v.extra ?? ''}` });
}
