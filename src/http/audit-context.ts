/**
 * Who made an admin request, for the audit trail (docs/integrations.md): the authenticated admin's name (ops
 * username or client id, set by http/middleware/admin-auth.ts) and koa's `ctx.ip` (the first
 * X-Forwarded-For address only when TRUST_PROXY is set).
 */
import type { Context } from 'koa';
import type { AuditContext } from '../domain/audit-event.ts';

/** The audit context of an admin API request; `unknown` when no admin is set (never on guarded routes). */
export function auditContextOf(ctx: Context): AuditContext {
  const admin = (ctx.state as { admin?: { name?: string } }).admin;
  return { actor: admin?.name ?? 'unknown', sourceIp: ctx.ip || null };
}
