/**
 * `GET /auth/v3/ops/audit` — the audit trail (README "Audit and secrets hygiene"). HTTP Basic with
 * the ops credentials (mounted behind `requireOps`).
 *
 * Filters (all optional, all given ones must hold): `actor` (exactly), `event` (the action exactly,
 * or a prefix ending in `*`: `security.*`), `subject` (the target id exactly), `from` (inclusive)
 * and `to` (exclusive), each an ISO 8601 date-time or epoch milliseconds.
 *
 * - `Accept: application/json` (the default): one page, newest first, `limit` 1-500 (default 50),
 *   `{"status":{"code":0},"data":[event...],"nextCursor"?}`; pass `cursor=<nextCursor>` for the next
 *   page (the older `before=<id>` still works).
 * - `Accept: application/x-ndjson`: every matching event as one JSON line, oldest first, streamed
 *   from PostgreSQL in batches (for a SIEM); `limit`, `cursor` and `before` do not apply.
 */
import { Readable } from 'node:stream';
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { AuditEvent } from '../../domain/audit-event.ts';
import { AppError } from '../../errors/app-error.ts';
import { AUDIT_MAX_LIMIT } from '../../services/audit.service.ts';
import type { AuditFilter, AuditService } from '../../services/audit.service.ts';
import { ok } from '../envelope.ts';
import { fields, validate } from '../validate.ts';

/** The media type of the streamed export (one JSON object per line). */
export const NDJSON = 'application/x-ndjson';

const intParam = (what: string, max: number) =>
  z
    .string()
    .regex(/^[0-9]{1,16}$/, `${what} must be a positive whole number`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, `${what} must be from 1 to ${max}`);

/** An instant: epoch milliseconds, or an ISO 8601 date-time with a zone (`2026-01-31T12:00:00Z`). */
const instant = (what: string) =>
  z
    .string()
    .max(40, `${what} must be an ISO 8601 date-time or epoch milliseconds`)
    .refine(
      (s) => /^[0-9]{1,15}$/.test(s) || (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(s) && Number.isFinite(Date.parse(s))),
      `${what} must be an ISO 8601 date-time (2026-01-31T12:00:00Z) or epoch milliseconds`,
    )
    .transform((s) => (/^[0-9]+$/.test(s) ? Number(s) : Date.parse(s)));

/** The query of `GET /auth/v3/ops/audit` (strings as they arrive; the OpenAPI document is generated from it). */
export const auditQuery = z.object({
  actor: fields.storableText(255).optional().describe('who acted: the ops username or a client id, exactly'),
  event: fields.storableText(128).optional().describe('the action exactly (client.created), or a prefix ending in * (security.*)'),
  subject: fields.storableText(255).optional().describe('the target id the event is about, exactly'),
  from: instant('from').optional().describe('events at or after: ISO 8601 date-time or epoch milliseconds'),
  to: instant('to').optional().describe('events before: ISO 8601 date-time or epoch milliseconds'),
  limit: intParam('limit', AUDIT_MAX_LIMIT).optional().describe(`page size, 1-${AUDIT_MAX_LIMIT} (default 50)`),
  cursor: z.string().max(200, 'cursor is not valid').optional().describe('the nextCursor of the previous page'),
  before: intParam('before', Number.MAX_SAFE_INTEGER).optional().describe('older form of cursor: only events with a lower id'),
});

/** An event as the API shows it (`at` in epoch ms). */
export function toAuditBody(e: AuditEvent): Record<string, unknown> {
  return { id: e.id, at: e.at, actor: e.actor, action: e.action, targetType: e.targetType, targetId: e.targetId, sourceIp: e.sourceIp, details: e.details };
}

function filterOf(q: z.infer<typeof auditQuery>): AuditFilter {
  const prefix = q.event?.endsWith('*') ? q.event.slice(0, -1) : undefined;
  return {
    actor: q.actor,
    action: prefix === undefined ? q.event : undefined,
    actionPrefix: prefix || undefined,
    targetId: q.subject,
    fromMs: q.from,
    toMs: q.to,
  };
}

/** Streams `events` as JSON lines; a failure after the first byte is logged and cuts the stream short. */
function ndjson(ctx: Context, events: AsyncGenerator<AuditEvent>): Readable {
  async function* lines() {
    let n = 0;
    try {
      for await (const e of events) {
        n++;
        yield `${JSON.stringify(toAuditBody(e))}\n`;
      }
      ctx.log.info({ event: 'audit_exported', rows: n, admin: ctx.state.admin?.name }, 'audit trail exported');
    } catch (err) {
      ctx.log.error({ err, rows: n }, 'audit export failed after it started; the stream was cut short');
      throw err;
    }
  }
  return Readable.from(lines(), { objectMode: false });
}

/** Routes of the audit API; mount behind `requireOps`. */
export function createOpsAuditRouter(deps: { audit: AuditService }): Router {
  const router = new Router({ prefix: '/auth/v3/ops/audit' });
  router.get('/', async (ctx) => {
    const one = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const raw = Object.fromEntries(Object.keys(auditQuery.shape).map((k) => [k, one(ctx.query[k])]));
    const q = validate(auditQuery, raw);
    const filter = filterOf(q);
    if (q.from !== undefined && q.to !== undefined && q.from >= q.to) {
      throw new AppError('validation', 'validation failed: to: must be later than from', [{ field: 'to', message: 'must be later than from' }]);
    }
    if (ctx.accepts('application/json', NDJSON) === NDJSON) {
      ctx.status = 200;
      ctx.set('Cache-Control', 'no-store');
      ctx.type = `${NDJSON}; charset=utf-8`;
      ctx.body = ndjson(ctx, deps.audit.export(filter));
      return;
    }
    const page = await deps.audit.search(filter, { limit: q.limit, cursor: q.cursor, before: q.before });
    ok(ctx, { data: page.events.map(toAuditBody), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
  });
  return router;
}
