/**
 * The one middleware that turns errors into Genesys envelopes on the admin APIs (design.md §5.2):
 * AppError → its HTTP status and `status.code`; koa/body-parser HTTP errors (400, 413, 415) →
 * envelopes with matching codes; anything else → 500 with code 4 and a generic message, logged with
 * its stack but never shown. A database outage becomes 503.
 */
import type { Context, Next } from 'koa';
import { AppError } from '../../errors/app-error.ts';
import type { ErrorCode } from '../../errors/app-error.ts';

function fromHttpError(err: { status?: number; statusCode?: number; expose?: boolean; message?: string }): AppError | undefined {
  const status = err.status ?? err.statusCode;
  if (typeof status !== 'number' || status >= 500 || !err.expose) return undefined;
  const map: Record<number, ErrorCode> = { 400: 'invalid_parameter', 413: 'payload_too_large', 415: 'unsupported_media_type', 404: 'not_found' };
  const code = map[status] ?? 'invalid_parameter';
  const message = status === 400 ? 'request body is not valid JSON' : status === 413 ? 'request body is too large' : status === 415 ? 'unsupported content type; send application/json' : (err.message ?? 'bad request');
  return new AppError(code, message);
}

function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string; name?: string };
  return (
    e?.name === 'KnexTimeoutError' ||
    e?.code === 'ECONNREFUSED' ||
    e?.code === '57P01' || // admin_shutdown
    e?.code === '57P03' || // cannot_connect_now
    /Connection terminated|connect ECONNREFUSED/.test(e?.message ?? '')
  );
}

/** Error-to-envelope middleware; mount it first on the admin routers. */
export async function envelopeErrors(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (err) {
    let appErr = err instanceof AppError ? err : fromHttpError(err as never);
    if (!appErr && isDatabaseUnavailable(err)) appErr = new AppError('unavailable', 'service temporarily unavailable; retry shortly');
    if (!appErr) {
      ctx.log?.error({ err }, 'unhandled error');
      appErr = new AppError('internal', 'internal error');
    } else if (appErr.code === 'unavailable') {
      ctx.log?.warn({ err }, 'database unavailable');
      ctx.set('Retry-After', '5');
    }
    ctx.status = appErr.httpStatus;
    ctx.set('Cache-Control', 'no-store');
    const status: Record<string, unknown> = { code: appErr.genesysCode, message: appErr.message };
    if (appErr.issues?.length) status.detail = { errors: appErr.issues };
    ctx.body = { status };
  }
}
