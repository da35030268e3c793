/**
 * The audit trail (issue 4): every catalogue change, activation, rotation and deactivation, every
 * ops client change, and console sign-ins, readable at `GET /auth/v3/ops/audit`.
 *
 * Writers inside a transaction call {@link recordAudit} with the transaction so the event commits
 * or rolls back with the change; others use {@link AuditService.record}. Details are checked on
 * the way in: a string under a key that names a secret (`secret`, `password`, `token`, `hash`) is
 * replaced with `[redacted]`, so a careless caller cannot put one in the table.
 */
import type { Knex } from 'knex';
import type { AuditContext, AuditEvent, NewAuditEvent } from '../domain/audit-event.ts';
import { createAuditEventsRepository } from '../repositories/audit-events.repository.ts';

/** Default and largest page size of {@link AuditService.list}. */
export const AUDIT_DEFAULT_LIMIT = 50;
export const AUDIT_MAX_LIMIT = 500;

const SECRET_KEY = /secret|password|token|hash|credential/i;

/** A copy of `details` in which no string value sits under a secret-looking key (recursively). */
export function redactDetails(details: Record<string, unknown>): Record<string, unknown> {
  const walk = (v: unknown, key: string): unknown => {
    if (typeof v === 'string') return SECRET_KEY.test(key) ? '[redacted]' : v;
    if (Array.isArray(v)) return v.map((x) => walk(x, key));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    return v;
  };
  return walk(details, '') as Record<string, unknown>;
}

/**
 * Writes one event with `db` (pass the transaction of the change it records).
 * Details are redacted by {@link redactDetails}.
 */
export async function recordAudit(db: Knex, who: AuditContext, event: NewAuditEvent): Promise<void> {
  await createAuditEventsRepository(db).insert(who, { ...event, details: redactDetails(event.details ?? {}) });
}

/** Reads and writes the audit trail. */
export interface AuditService {
  /** Writes one event in its own statement (outside any transaction). */
  record(who: AuditContext, event: NewAuditEvent): Promise<void>;
  /**
   * Up to `limit` (1-{@link AUDIT_MAX_LIMIT}, default {@link AUDIT_DEFAULT_LIMIT}) events, newest
   * first; with `before`, only events whose id is lower (pass the last id of a page for the next).
   */
  list(opts?: { limit?: number | undefined; before?: number | undefined }): Promise<AuditEvent[]>;
}

/** Builds the audit service over `deps.knex`. */
export function createAuditService(deps: { knex: Knex }): AuditService {
  return {
    record: (who, event) => recordAudit(deps.knex, who, event),
    list(opts = {}) {
      const limit = Math.min(Math.max(1, Math.trunc(opts.limit ?? AUDIT_DEFAULT_LIMIT)), AUDIT_MAX_LIMIT);
      return createAuditEventsRepository(deps.knex).list(limit, opts.before);
    },
  };
}
