/**
 * Pins the scheme and host that oidc-provider (and every later middleware) sees to PUBLIC_URL
 * (design.md §3 "Host header"), so a forged `Host`, `X-Forwarded-Host` or `X-Forwarded-Proto` can
 * never change an advertised URL (discovery at `/.well-known/openid-configuration` and
 * `/.well-known/oauth-authorization-server`, RFC 8414 §3; `iss`, redirects). The headers are
 * rewritten and koa's `request.protocol`/`request.host` are fixed, because koa only reads
 * `X-Forwarded-Proto` when TRUST_PROXY is set: without this, an https PUBLIC_URL behind a
 * TLS-terminating proxy would be advertised as http. `X-Forwarded-For` is dropped unless
 * TRUST_PROXY is set (then koa's `ctx.ip` is the last address in it, the one the nearest proxy
 * appended: `maxIpsCount: 1`).
 */
import type { Context, Next } from 'koa';

export function pinOrigin(publicUrl: string, trustProxy: boolean) {
  const url = new URL(publicUrl);
  const proto = url.protocol.replace(':', '');
  return async function pinOriginMiddleware(ctx: Context, next: Next): Promise<void> {
    const h = ctx.req.headers;
    h['x-forwarded-proto'] = proto;
    h['x-forwarded-host'] = url.host;
    h.host = url.host;
    Object.defineProperty(ctx.request, 'protocol', { value: proto, configurable: true });
    Object.defineProperty(ctx.request, 'host', { value: url.host, configurable: true });
    if (!trustProxy) delete h['x-forwarded-for'];
    await next();
  };
}
