/**
 * HTTP Basic client authentication (RFC 6749 §2.3.1) whose `client_id` holds characters no client
 * id can contain — U+0000 and the other control characters, non-ASCII — outside VSCHAR
 * (%x20-7E, RFC 6749 Appendix A). oidc-provider refuses such a header with `400 invalid_request`
 * before looking the client up, which tells these ids apart from every other unknown one (README
 * "Security model": unknown clients get one uniform `401 invalid_client`, after a dummy secret
 * verification that counts against the failed-attempt limits).
 *
 * This middleware, on the client-authenticating endpoints before oidc-provider, rewrites such a
 * header so that oidc-provider decodes the id to its percent-encoded form (`a\u0000b` → `a%00b`).
 * No client id contains `%` (ops API: letters, digits and `._~@+-`), so the request goes the
 * unknown-client way (oauth/client-auth.ts): same limits, same argon2 work, same 401. The secret
 * is left as sent. A header that is not Basic, not valid base64, without `:`, or with broken
 * percent-encoding is left alone (oidc-provider answers it `400 invalid_request`).
 */
import type { Context, Next } from 'koa';

/** Characters outside VSCHAR (RFC 6749 Appendix A: %x20-7E); oidc-provider's `noVSCHAR`. */
const NOT_VSCHAR = /[^\x20-\x7E]/;

/**
 * The Authorization header to present instead of `header`, or undefined to leave it as it is.
 * @param header the request's Authorization header value
 */
export function rewriteBasicClientId(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const parts = header.split(' ');
  if (parts.length !== 2 || parts[0]!.toLowerCase() !== 'basic' || !/^[A-Za-z0-9+/]+={0,2}$/.test(parts[1]!)) return undefined;
  const basic = Buffer.from(parts[1]!, 'base64').toString('utf8');
  const i = basic.indexOf(':');
  if (i === -1) return undefined;
  let clientId: string;
  let reencoded: string;
  try {
    clientId = decodeURIComponent(basic.slice(0, i).replace(/\+/g, '%20'));
    if (!NOT_VSCHAR.test(clientId)) return undefined;
    // decoded once by oidc-provider, this yields encodeURIComponent(clientId): printable ASCII with '%'
    reencoded = encodeURIComponent(encodeURIComponent(clientId));
  } catch {
    return undefined;
  }
  return `Basic ${Buffer.from(`${reencoded}${basic.slice(i)}`, 'utf8').toString('base64')}`;
}

/** The middleware (module comment); put it before the rate limiter's pre-check and the provider. */
export async function basicClientIdAsUnknown(ctx: Context, next: Next): Promise<void> {
  const replacement = rewriteBasicClientId(ctx.get('authorization') || undefined);
  if (replacement) ctx.req.headers.authorization = replacement;
  await next();
}
