/**
 * Response headers for every browser page ccauth serves (sign-in, consent, sign-out, errors, and
 * oidc-provider's logout pages):
 *
 * - `Cache-Control: no-store` (pages carry CSRF tokens and account names);
 * - `X-Frame-Options: DENY` and CSP `frame-ancestors 'none'` (no clickjacking; RFC 6749 §10.13);
 * - CSP `default-src 'none'`, the inline stylesheet allowed by a per-response nonce, no scripts,
 *   `base-uri 'none'`, and `form-action` limited to this origin plus the origins a form's redirect
 *   chain must reach (browsers check `form-action` on redirects after a form post, so a login that
 *   ends at the client's redirect URI needs that URI's origin listed);
 * - `Referrer-Policy: no-referrer` (authorization codes and interaction ids stay out of Referer);
 * - `X-Content-Type-Options: nosniff`.
 */
import { randomBytes } from 'node:crypto';
import type { Context, Next } from 'koa';

/** Anything headers can be set on (a koa context, including oidc-provider's). */
export interface HeaderTarget {
  set(field: string, value: string): void;
}

/** A fresh CSP nonce: 16 random bytes, base64. */
export function newCspNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * The CSP source expression that lets a form's redirect reach `uri`: its origin for http(s) URIs,
 * its scheme (`com.example.app:`) for a native app's private-use scheme; undefined when unparsable.
 */
export function formActionSource(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return undefined;
  }
  if (u.protocol === 'http:' || u.protocol === 'https:') return u.origin;
  return /^[a-z][a-z0-9+.-]*:$/i.test(u.protocol) ? u.protocol : undefined;
}

/** The Content-Security-Policy of a page. */
export function pageCsp(nonce: string, formActions: readonly (string | undefined)[] = []): string {
  const sources = ["'self'", ...new Set(formActions.filter((s): s is string => Boolean(s)))];
  return [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    "img-src 'self' data:",
    `form-action ${sources.join(' ')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** Sets every page header; `formActions` are extra `form-action` sources (see {@link formActionSource}). */
export function setPageSecurityHeaders(target: HeaderTarget, opts: { nonce: string; formActions?: readonly (string | undefined)[] }): void {
  target.set('Cache-Control', 'no-store');
  target.set('Pragma', 'no-cache');
  target.set('X-Frame-Options', 'DENY');
  target.set('Content-Security-Policy', pageCsp(opts.nonce, opts.formActions));
  target.set('Referrer-Policy', 'no-referrer');
  target.set('X-Content-Type-Options', 'nosniff');
}

declare module 'koa' {
  interface DefaultState {
    /** CSP nonce of this response's inline stylesheet (set by {@link securityHeaders}). */
    cspNonce?: string;
  }
}

/**
 * Middleware for the browser routes: picks a nonce (`ctx.state.cspNonce`) and sets the page
 * headers before the handler runs, so error answers carry them too.
 */
export function securityHeaders() {
  return async function securityHeadersMiddleware(ctx: Context, next: Next): Promise<void> {
    const nonce = newCspNonce();
    ctx.state.cspNonce = nonce;
    setPageSecurityHeaders(ctx, { nonce });
    await next();
  };
}

/**
 * `X-Content-Type-Options: nosniff` on every response, JSON included (the pages get it from
 * {@link setPageSecurityHeaders}): a browser never reinterprets a token response, an error body or
 * an admin envelope as script or HTML. Set before the handlers run, so every answer carries it.
 */
export async function noSniff(ctx: Context, next: Next): Promise<void> {
  ctx.set('X-Content-Type-Options', 'nosniff');
  await next();
}
