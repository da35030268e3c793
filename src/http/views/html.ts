/**
 * A tiny HTML template helper for the server-rendered pages: every interpolated value is
 * HTML-escaped unless it is already {@link SafeHtml} (the output of `html` or `trustedHtml`).
 */

/** A fragment of HTML that is safe to insert as is. */
export interface SafeHtml {
  readonly __html: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Escapes `&`, `<`, `>`, `"`, `'` and backtick, so the result is safe in text and quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

/** Wraps markup that is known to be safe (never user input). */
export function trustedHtml(markup: string): SafeHtml {
  return { __html: markup };
}

function isSafe(v: unknown): v is SafeHtml {
  return typeof v === 'object' && v !== null && typeof (v as SafeHtml).__html === 'string';
}

function render(v: unknown): string {
  if (v === undefined || v === null || v === false) return '';
  if (Array.isArray(v)) return v.map(render).join('');
  if (isSafe(v)) return v.__html;
  return escapeHtml(String(v));
}

/**
 * Tagged template: `html\`<p>${name}</p>\`` escapes `name`. Arrays are concatenated; `undefined`,
 * `null` and `false` render as nothing.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return { __html: out };
}
