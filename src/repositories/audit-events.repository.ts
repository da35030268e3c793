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

/**
 * Which events to read (every field optional, all given ones must hold). Times are epoch
 * milliseconds: `fromMs` inclusive, `toMs` exclusive.
 */
export interface AuditFilter {
  actor?: string | undefined;
  /** The action exactly, or every action starting with `actionPrefix`. */
  action?: string | undefined;
  actionPrefix?: string | undefined;
  /** The target id (the subject the event is about). */
  targetId?: string | undefined;
  fromMs?: number | undefined;
  toMs?: number | undefined;
}

/** `%`, `_` and `\` escaped for a LIKE pattern (escape character `\`). */
function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function applyFilter(q: Knex.QueryBuilder, f: AuditFilter): Knex.QueryBuilder {
  if (f.actor !== undefined) q.where('actor', f.actor);
  if (f.action !== undefined) q.where('action', f.action);
  if (f.actionPrefix !== undefined) q.whereRaw(`action LIKE ? ESCAPE '\\'`, [`${likeEscape(f.actionPrefix)}%`]);
  if (f.targetId !== undefined) q.where('target_id', f.targetId);
  if (f.fromMs !== undefined) q.where('at', '>=', new Date(f.fromMs));
  if (f.toMs !== undefined) q.where('at', '<', new Date(f.toMs));
  return q;
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
      return this.page({}, { limit, beforeId: before, order: 'desc' });
    },

    /**
     * Up to `limit` events matching `filter`, walked by id (keyset pagination): `desc` (newest
     * first) below `beforeId`, or `asc` (oldest first) above `afterId`.
     */
    async page(filter: AuditFilter, opts: { limit: number; order: 'asc' | 'desc'; beforeId?: number | undefined; afterId?: number | undefined }): Promise<AuditEvent[]> {
      const q = applyFilter(db('audit_events').select('*'), filter).orderBy('id', opts.order).limit(opts.limit);
      if (opts.beforeId !== undefined) q.where('id', '<', opts.beforeId);
      if (opts.afterId !== undefined) q.where('id', '>', opts.afterId);
      return ((await q) as AuditRow[]).map(toEvent);
    },

    /**
     * Deletes up to `batchSize` events older than `retentionDays` days (by the database clock),
     * oldest first; returns how many were deleted.
     */
    async purgeOlderThan(retentionDays: number, batchSize: number): Promise<number> {
      const res = await db.raw(
        `DELETE FROM audit_events WHERE id IN (
           SELECT id FROM audit_events WHERE at < now() - make_interval(days => ?) ORDER BY id LIMIT ?)`,
        [retentionDays, batchSize],
      );
      return Number((res as { rowCount?: number; affectedRows?: number }).rowCount ?? (res as { affectedRows?: number }).affectedRows ?? 0);
    },
  };
}

export type AuditEventsRepository = ReturnType<typeof createAuditEventsRepository>;
