/**
 * `GET /auth/v3/ops/audit?limit=&before=` — the audit trail, newest first (issue 4). `limit`
 * 1-500 (default 50); `before` an event id: only older events (pass the last id of a page to get
 * the next one). HTTP Basic with the ops credentials (mounted behind `requireOps`).
 */
import Router from '@koa/router';
import { z } from 'zod';
import type { AuditEvent } from '../../domain/audit-event.ts';
import { AUDIT_MAX_LIMIT } from '../../services/audit.service.ts';
import type { AuditService } from '../../services/audit.service.ts';
import { ok } from '../envelope.ts';
import { validate } from '../validate.ts';

const intParam = (what: string, max: number) =>
  z
    .string()
    .regex(/^[0-9]{1,16}$/, `${what} must be a positive whole number`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, `${what} must be from 1 to ${max}`);

const auditQuery = z.object({
  limit: intParam('limit', AUDIT_MAX_LIMIT).optional(),
  before: intParam('before', Number.MAX_SAFE_INTEGER).optional(),
});

/** An event as the API shows it (`at` in epoch ms). */
export function toAuditBody(e: AuditEvent): Record<string, unknown> {
  return { id: e.id, at: e.at, actor: e.actor, action: e.action, targetType: e.targetType, targetId: e.targetId, sourceIp: e.sourceIp, details: e.details };
}

/** Routes of the audit API; mount behind `requireOps`. */
export function createOpsAuditRouter(deps: { audit: AuditService }): Router {
  const router = new Router({ prefix: '/auth/v3/ops/audit' });
  router.get('/', async (ctx) => {
    const one = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const q = validate(auditQuery, { limit: one(ctx.query.limit), before: one(ctx.query.before) });
    ok(ctx, { data: (await deps.audit.list({ limit: q.limit, before: q.before })).map(toAuditBody) });
  });
  return router;
}
