/**
 * One spelling per OAuth endpoint (README "Security model" → "Hostile input"). oidc-provider's
 * router matches paths case-insensitively and ignores one trailing slash, so `/AUTH/V3/OAUTH/TOKEN`
 * and `/auth/v3/oauth/token/` reach the token endpoint, while the gates in front of it — the input
 * gate and body limit (oauth-input.ts), the CORS edge (cors.ts), the blocked-pair check
 * (rate-limit.ts) — key on the exact path, as do the userinfo routes' gates (koa-router is
 * case-insensitive too). RFC 3986 §6.2.2.1 keeps path case significant, and the canonical spelling
 * is the one discovery advertises, so every other spelling of these endpoints answers 404 here,
 * before any gate or router sees it: the gates then only ever meet the spelling they check.
 *
 * A spelling is "of an endpoint" when it equals the endpoint once percent-escapes are decoded,
 * `\` read as `/`, dot segments resolved, repeated and trailing slashes dropped and case folded
 * (a superset of what oidc-provider's router and koa-router accept). Other paths pass untouched.
 * The 404 is RFC 6749-style JSON `{"error":"not_found","error_description":"no such endpoint"}`
 * with `Cache-Control: no-store`, or an HTML page for a browser (`GET`/`HEAD` preferring HTML).
 */
import type { Context, Next } from 'koa';
import { nonceOf, sendPage } from '../interaction-pages.ts';
import { messagePage } from '../views/message.view.ts';

/** Options of {@link canonicalPaths}. */
export interface CanonicalPathsOptions {
  /** The endpoints' exact paths (e.g. `/auth/v3/oauth/token`): each is the only accepted spelling. */
  paths: readonly string[];
  /**
   * Paths followed by one id segment (`/auth/v3/oauth/authorize` for `/auth/v3/oauth/authorize/:uid`):
   * the parent must be spelled exactly, the id is case-sensitive and `[A-Za-z0-9_-]+`.
   */
  parents?: readonly string[];
}

/** An id segment of a dynamic route (oidc-provider's interaction ids are nanoids). */
const ID = /^[A-Za-z0-9_-]+$/;

/**
 * The comparison form of a path: percent-decoded (when valid), `\` as `/`, `.`/`..` segments
 * resolved, empty segments (repeated and trailing slashes) dropped, NFKC, lower case.
 */
export function comparablePath(path: string): string {
  let s = path;
  try {
    s = decodeURIComponent(s);
  } catch {
    // a malformed escape: compare the raw text
  }
  const out: string[] = [];
  for (const segment of s.replace(/\\/g, '/').split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return `/${out.join('/')}`.normalize('NFKC').toLowerCase();
}

/**
 * Builds the middleware: 404 for a non-canonical spelling of one of `opts.paths` (or of a
 * `parents` child), `next()` for everything else. The exact paths cost one Set lookup.
 */
export function canonicalPaths(opts: CanonicalPathsOptions) {
  const exact = new Set(opts.paths);
  const comparable = new Set(opts.paths.map(comparablePath));
  const parents = (opts.parents ?? []).map((p) => ({ exact: `${p}/`, comparable: `${comparablePath(p)}/` }));

  const isCanonicalChild = (path: string) => parents.some((p) => path.startsWith(p.exact) && ID.test(path.slice(p.exact.length)));
  const isSpellingOfChild = (c: string) => parents.some((p) => c.startsWith(p.comparable) && c.length > p.comparable.length && !c.includes('/', p.comparable.length));

  return async function canonicalPathsMiddleware(ctx: Context, next: Next): Promise<void> {
    const path = ctx.path;
    if (exact.has(path)) return next();
    const c = comparablePath(path);
    if (!comparable.has(c) && !isSpellingOfChild(c)) return next();
    if (!comparable.has(c) && isCanonicalChild(path)) return next();
    notFound(ctx);
  };
}

/** The 404 of a non-canonical spelling: a page for a browser, RFC 6749-style JSON otherwise. */
function notFound(ctx: Context): void {
  ctx.set('Cache-Control', 'no-store');
  if ((ctx.method === 'GET' || ctx.method === 'HEAD') && ctx.accepts('json', 'html') === 'html') {
    sendPage(ctx, 404, messagePage({ nonce: nonceOf(ctx), title: 'Page not found', message: 'There is no page at this address. Check the link, or go back to the application and start again.' }));
    return;
  }
  ctx.status = 404;
  ctx.body = { error: 'not_found', error_description: 'no such endpoint' };
}
