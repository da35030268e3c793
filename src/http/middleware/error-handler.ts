/**
 * The one middleware that turns errors into Genesys envelopes on the admin APIs (design.md §5.2):
 * AppError → its HTTP status and `status.code`; koa/body-parser HTTP errors (400, 413, 415) →
 * envelopes with matching codes; anything else → 500 with code 4 and a generic message, logged with
 * its stack but never shown. A database outage becomes 503. A value PostgreSQL refuses as data
 * (SQLSTATE class 22 "data exception", e.g. U+0000 in text, or 54000 "index row size exceeds the
 * maximum") becomes 400 code 2: the edge schemas should have refused it (logged as a warning, since
 * it means a validation gap), and the statement's transaction is rolled back, so nothing is stored.
 */
import type { Context, Next } from 'koa';
import { AppError } from '../../errors/app-error.ts';
import type { ErrorCode } from '../../errors/app-error.ts';
import { isDatabaseUnavailable } from '../../db/errors.ts';

function fromHttpError(err: { status?: number; statusCode?: number; expose?: boolean; message?: string }): AppError | undefined {
  const status = err.status ?? err.statusCode;
  if (typeof status !== 'number' || status >= 500 || !err.expose) return undefined;
  const map: Record<number, ErrorCode> = { 400: 'invalid_parameter', 413: 'payload_too_large', 415: 'unsupported_media_type', 404: 'not_found' };
  const code = map[status] ?? 'invalid_parameter';
  const message = status === 400 ? 'request body is not valid JSON' : status === 413 ? 'request body is too large' : status === 415 ? 'unsupported content type; send application/json' : (err.message ?? 'bad request');
  return new AppError(code, message);
}

/** SQLSTATEs of values the database refuses as data (PostgreSQL Appendix A): class 22, and 54000. */
function isRefusedValue(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22[0-9A-Z]{3}|54000)$/.test(code);
}

/** Error-to-envelope middleware; mount it first on the admin routers. */
export async function envelopeErrors(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (err) {
    let appErr = err instanceof AppError ? err : fromHttpError(err as never);
    if (!appErr && isDatabaseUnavailable(err)) appErr = new AppError('unavailable', 'service temporarily unavailable; retry shortly');
    if (!appErr && isRefusedValue(err)) {
      ctx.log?.warn({ err }, 'the database refused a request value (validation gap)');
      appErr = new AppError('invalid_parameter', 'a value in the request cannot be stored (invalid characters or too large)');
    }
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
