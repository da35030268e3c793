/**
 * Words for a Bearer-protected route that found no access token it accepts although the request
 * carried one in a form the route refuses, so the caller learns what was refused and why rather
 * than "an access token is required" (RFC 6750 §3: the error description is for the developer).
 *
 * - `?access_token=` in the URL query: RFC 6750 §2.3 lets a resource server refuse it (the token
 *   would end up in server logs, proxies and browser history); ccauth does.
 * - An `Authorization` header with another scheme than the ones the route takes (`Basic`, `Token`, ...).
 */
import type { Context } from 'koa';

/** An HTTP auth-scheme name (RFC 9110 §11.1 token), short enough to repeat back. */
const SCHEME = /^([A-Za-z0-9!#$%&'*+.^_`|~-]{1,32})(\s|$)/;

/**
 * Why the token the request sent is refused, or undefined when it sent none.
 * @param acceptedSchemes the `Authorization` schemes the route takes (lowercase), `bearer` by default.
 */
export function refusedTokenForm(ctx: Pick<Context, 'get' | 'query'>, acceptedSchemes: readonly string[] = ['bearer']): string | undefined {
  const header = ctx.get('authorization');
  if (header) {
    const scheme = SCHEME.exec(header)?.[1];
    if (!scheme) return 'the Authorization header is malformed; send "Authorization: Bearer <token>"';
    if (!acceptedSchemes.includes(scheme.toLowerCase())) {
      return `the Authorization header uses the "${scheme}" scheme, which this endpoint does not accept; send "Authorization: Bearer <token>"`;
    }
  }
  if (ctx.query.access_token !== undefined) {
    return 'an access token in the URL query (access_token=...) is not accepted (RFC 6750 §2.3: it would end up in logs and browser history); send it in the Authorization header as "Bearer <token>", or as access_token in a form-encoded POST body';
  }
  return undefined;
}
