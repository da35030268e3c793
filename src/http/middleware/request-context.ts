/**
 * First middleware: assigns a request id (the caller's `X-Request-Id` when it is a sane token,
 * else a UUID), echoes it in `X-Request-Id`, binds a child logger to it, and writes one log line
 * per request with method, path (no query string: it may carry codes), status and duration (ms).
 *
 * The per-request line goes through a child logger without the redaction pass (docs/performance.md: pino's
 * wildcard redaction cost ~30 µs a line, 5 % of a client_credentials request). That is safe because
 * the line's fields are fixed here and none of them can hold a credential; every other line
 * (`ctx.log`) keeps the full redaction of observability/logger.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';

export function requestContext(logger: Logger) {
  const access = logger.child({}, { redact: { paths: [] } });
  return async function requestContextMiddleware(ctx: Context, next: Next): Promise<void> {
    const given = ctx.get('x-request-id');
    ctx.requestId = /^[A-Za-z0-9._-]{8,128}$/.test(given) ? given : randomUUID();
    ctx.set('X-Request-Id', ctx.requestId);
    // the request's child logger is built on first use (most requests log only the access line)
    let child: Logger | undefined;
    const requestId = ctx.requestId;
    Object.defineProperty(ctx, 'log', {
      configurable: true,
      enumerable: true,
      get: () => (child ??= logger.child({ reqId: requestId })),
      set: (value: Logger) => {
        child = value;
      },
    });
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      access.info(
        { reqId: ctx.requestId, method: ctx.method, path: ctx.path, status: ctx.status, durationMs: Math.round(durationMs * 10) / 10, ip: ctx.ip },
        'request',
      );
    }
  };
}
