/** A console page that only says something: not found, refused form, internal error. */
import { html } from '../html.ts';
import { renderConsolePage } from './layout.ts';
import type { ConsoleSection } from './layout.ts';

/** Renders a titled message with a link back (signed-in frame when `username`/`csrf` are given). */
export function consoleMessagePage(v: {
  nonce: string;
  title: string;
  message: string;
  back?: { href: string; label: string };
  username?: string | undefined;
  csrf?: string | undefined;
  section?: ConsoleSection | undefined;
}): string {
  return renderConsolePage({
    title: v.title,
    nonce: v.nonce,
    section: v.section,
    username: v.username,
    csrf: v.csrf,
    body: html`<div class="card"><p>${v.message}</p>${v.back ? html`<a class="btn secondary" href="${v.back.href}">${v.back.label}</a>` : ''}</div>`,
  });
}
