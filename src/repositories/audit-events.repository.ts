/**
 * SQL for `audit_events` (migrations/011_audit_events.ts). Pass a transaction as `db` to write the
 * event in the same transaction as the change it records.
 */
import type { Knex } from 'knex';
import type { AuditContext, AuditEvent, NewAuditEvent } from '../domain/audit-event.ts';

interface AuditRow {
  id: string | number;
  at: Date;
  actor: string;
  action: string;
  target_type: string;
  target_id: string;
  source_ip: string | null;
  details: Record<string, unknown> | string;
}

function toEvent(r: AuditRow): AuditEvent {
  return {
    id: Number(r.id),
    at: new Date(r.at).getTime(),
    actor: r.actor,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    sourceIp: r.source_ip,
    details: typeof r.details === 'string' ? (JSON.parse(r.details) as Record<string, unknown>) : r.details,
  };
}

/** Repository over `audit_events`. */
export function createAuditEventsRepository(db: Knex) {
  return {
    /** Appends one event; `details` must already be free of secrets (audit.service.ts checks). */
    async insert(who: AuditContext, e: NewAuditEvent): Promise<void> {
      await db('audit_events').insert({
        actor: who.actor,
        action: e.action,
        target_type: e.targetType,
        target_id: e.targetId,
        source_ip: who.sourceIp,
        details: JSON.stringify(e.details ?? {}),
      });
    },

    /** Up to `limit` events, newest first, optionally only those with an id below `before`. */
    async list(limit: number, before?: number): Promise<AuditEvent[]> {
      const q = db('audit_events').select('*').orderBy('id', 'desc').limit(limit);
      if (before !== undefined) q.where('id', '<', before);
      return ((await q) as AuditRow[]).map(toEvent);
    },
  };
}

export type AuditEventsRepository = ReturnType<typeof createAuditEventsRepository>;
