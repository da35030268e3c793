/**
 * Plumbing shared by the ops console routes (docs/integrations.md): cookies, the page headers (the shared
 * security headers plus a nonce'd `script-src`), 303 answers, form fields, and turning a refused
 * change (AppError) into a flash shown in place on the page the browser is sent back to.
 */
import type { Context } from 'koa';
import { AppError } from '../../errors/app-error.ts';
import type { FieldIssue } from '../../errors/app-error.ts';
import type { ConsoleAuthService, ConsoleSession } from '../../services/console-auth.service.ts';
import { pageCsp } from '../middleware/security-headers.ts';
import type { ConsoleFlash } from '../views/console/components.ts';
import type { ConsolePageContext } from '../views/console/page-context.ts';

/** Where the console lives. */
export const CONSOLE_PREFIX = '/console';
/** The session cookie (HttpOnly, SameSite=Strict, Path=/console; Secure with an https PUBLIC_URL). */
export const SESSION_COOKIE = 'ccauth_console';
/** The sign-in form's pre-session cookie (keys its CSRF token). */
export const PRE_SESSION_COOKIE = 'ccauth_console_signin';
/** Lifetime of the pre-session cookie, seconds. */
export const PRE_SESSION_MAX_AGE_SECONDS = 1800;

/** What the console middleware leaves in `ctx.state.console` for signed-in requests. */
export interface ConsoleRequestState {
  sessionId: string;
  session: ConsoleSession;
}

/** The cookie `name` of the request (first occurrence), or undefined. */
export function readCookie(ctx: Context, name: string): string | undefined {
  for (const part of (ctx.get('cookie') || '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Appends a console cookie: HttpOnly, SameSite=Strict, Path=/console, Secure when `secure`. */
export function setCookie(ctx: Context, name: string, value: string, opts: { maxAgeSeconds: number; secure: boolean }): void {
  const parts = [`${name}=${value}`, `Path=${CONSOLE_PREFIX}`, `Max-Age=${opts.maxAgeSeconds}`, 'HttpOnly', 'SameSite=Strict'];
  if (opts.secure) parts.push('Secure');
  ctx.append('Set-Cookie', parts.join('; '));
}

/** Expires a console cookie. */
export function clearCookie(ctx: Context, name: string, secure: boolean): void {
  setCookie(ctx, name, '', { maxAgeSeconds: 0, secure });
}

/** The nonce picked by `securityHeaders()` for this response. */
export function nonceOf(ctx: Context): string {
  return (ctx.state as { cspNonce?: string }).cspNonce ?? '';
}

/**
 * The console's Content-Security-Policy: the shared page policy (`default-src 'none'`, nonce'd
 * styles, `form-action 'self'`, `frame-ancestors 'none'`, `base-uri 'none'`) plus `script-src`
 * with the same nonce (the copy buttons) and nothing else.
 */
export function consoleCsp(nonce: string): string {
  return `${pageCsp(nonce)}; script-src 'nonce-${nonce}'`;
}

/** Sends an HTML page with the console's CSP. */
export function sendPage(ctx: Context, status: number, body: string): void {
  ctx.set('Content-Security-Policy', consoleCsp(nonceOf(ctx)));
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = body;
}

/** 303 See Other to a console path (the answer to every accepted or refused form). */
export function seeOther(ctx: Context, location: string): void {
  ctx.redirect(location);
  ctx.status = 303;
}

/** A form field as a string ('' when absent; the first value when repeated). */
export function field(body: unknown, name: string): string {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  if (Array.isArray(v)) return typeof v[0] === 'string' ? v[0] : '';
  return typeof v === 'string' ? v : '';
}

/** Every value of a repeated form field (checkboxes). */
export function fieldAll(body: unknown, name: string): string[] {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' ? [v] : [];
}

/** Non-empty trimmed lines of a textarea. */
export function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

/** The signed-in state of a console request (set by the console middleware). */
export function consoleState(ctx: Context): ConsoleRequestState {
  return (ctx.state as { console: ConsoleRequestState }).console;
}

/** Page context: nonce, user, CSRF token and the flash taken for this request. */
export function pageContext(ctx: Context): ConsolePageContext {
  const { session } = consoleState(ctx);
  return { nonce: nonceOf(ctx), username: session.username, csrf: session.csrfToken, flash: session.flash as ConsoleFlash | undefined };
}

/** The audit context of a console request: the signed-in ops username and `ctx.ip`. */
export function consoleWho(ctx: Context): { actor: string; sourceIp: string | null } {
  return { actor: consoleState(ctx).session.username, sourceIp: ctx.ip || null };
}

/**
 * Maps field issues (`data.redirectURIs.0`) onto form field names (`redirectURIs`); issues on
 * fields the form does not have are returned as text for the page-level message.
 */
export function issuesToFieldErrors(issues: readonly FieldIssue[] | undefined, formFields: readonly string[], rename: Record<string, string> = {}): { fieldErrors: Record<string, string>; other: string[] } {
  const fieldErrors: Record<string, string> = {};
  const other: string[] = [];
  for (const i of issues ?? []) {
    const key = i.field.replace(/^data\./, '').split('.')[0] ?? '';
    const name = rename[key] ?? key;
    if (formFields.includes(name)) fieldErrors[name] ??= i.message;
    else other.push(`${key}: ${i.message}`);
  }
  return { fieldErrors, other };
}

/**
 * Runs a form's change. Success: 303 to the returned location with `flash` from `onSuccess`.
 * A refused change (AppError): 303 back to `back` with the error in place (field messages under
 * their fields) and the submitted values (never secrets) to refill the form. Other errors propagate.
 */
export async function runForm(
  ctx: Context,
  auth: ConsoleAuthService,
  opts: {
    back: string;
    formFields?: readonly string[];
    rename?: Record<string, string>;
    form?: Record<string, string | string[]>;
    change: () => Promise<{ location: string; flash?: ConsoleFlash }>;
  },
): Promise<void> {
  const { sessionId } = consoleState(ctx);
  try {
    const done = await opts.change();
    if (done.flash) await auth.setFlash(sessionId, done.flash);
    seeOther(ctx, done.location);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    const { fieldErrors, other } = issuesToFieldErrors(err.issues, opts.formFields ?? [], opts.rename);
    const error = err.issues?.length
      ? ['Some values need attention.', ...other].join(' ')
      : err.message;
    await auth.setFlash(sessionId, { error, fieldErrors, ...(opts.form ? { form: opts.form } : {}) } satisfies ConsoleFlash);
    seeOther(ctx, opts.back);
  }
}
