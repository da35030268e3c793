/**
 * Pins the scheme and host that oidc-provider sees to PUBLIC_URL (design.md §3 "Host header"), so a
 * forged `Host` or `X-Forwarded-Host` can never change an advertised URL. `X-Forwarded-For` is
 * dropped unless TRUST_PROXY is set.
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
    if (!trustProxy) delete h['x-forwarded-for'];
    await next();
  };
}
