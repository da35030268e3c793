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
import { AppError } from '../errors/app-error.ts';
import { createAuditEventsRepository } from '../repositories/audit-events.repository.ts';
import type { AuditFilter } from '../repositories/audit-events.repository.ts';

export type { AuditFilter } from '../repositories/audit-events.repository.ts';

/** Default and largest page size of {@link AuditService.list}. */
export const AUDIT_DEFAULT_LIMIT = 50;
export const AUDIT_MAX_LIMIT = 500;

/** Rows read per query while exporting (`AuditService.export`). */
export const AUDIT_EXPORT_BATCH = 500;

/**
 * The opaque cursor of the next page: base64url of `{"v":1,"before":<id>}`. Callers pass it back
 * unchanged; its content is not part of the API.
 */
export function encodeAuditCursor(beforeId: number): string {
  return Buffer.from(JSON.stringify({ v: 1, before: beforeId })).toString('base64url');
}

/** Reads a cursor made by {@link encodeAuditCursor}. @throws AppError invalid_parameter when it is not one */
export function decodeAuditCursor(cursor: string): number {
  let before: unknown;
  try {
    if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) throw new Error('not base64url');
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: unknown; before?: unknown };
    if (parsed?.v === 1) before = parsed.before;
  } catch {
    before = undefined;
  }
  if (typeof before !== 'number' || !Number.isSafeInteger(before) || before < 1) {
    throw new AppError('invalid_parameter', 'cursor is not valid: pass back the nextCursor of a previous page unchanged');
  }
  return before;
}

/** One page of a search: the events, newest first, and the cursor of the next page when there is one. */
export interface AuditPage {
  events: AuditEvent[];
  nextCursor: string | undefined;
}

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
  /**
   * One page of the events matching `filter`, newest first: up to `limit` (1-{@link AUDIT_MAX_LIMIT},
   * default {@link AUDIT_DEFAULT_LIMIT}), after the position of `cursor` (a `nextCursor`) or of
   * `before` (an event id). @throws AppError invalid_parameter (a cursor that is not one)
   */
  search(filter: AuditFilter, opts?: { limit?: number | undefined; cursor?: string | undefined; before?: number | undefined }): Promise<AuditPage>;
  /**
   * Every event matching `filter`, oldest first, read {@link AUDIT_EXPORT_BATCH} rows per query
   * (keyset on id), so an export of any size holds one batch in memory at a time.
   */
  export(filter: AuditFilter): AsyncGenerator<AuditEvent>;
}

/** Builds the audit service over `deps.knex`. */
export function createAuditService(deps: { knex: Knex }): AuditService {
  return {
    record: (who, event) => recordAudit(deps.knex, who, event),
    list(opts = {}) {
      const limit = Math.min(Math.max(1, Math.trunc(opts.limit ?? AUDIT_DEFAULT_LIMIT)), AUDIT_MAX_LIMIT);
      return createAuditEventsRepository(deps.knex).list(limit, opts.before);
    },
    async search(filter, opts = {}) {
      const limit = Math.min(Math.max(1, Math.trunc(opts.limit ?? AUDIT_DEFAULT_LIMIT)), AUDIT_MAX_LIMIT);
      const beforeId = opts.cursor !== undefined ? decodeAuditCursor(opts.cursor) : opts.before;
      const rows = await createAuditEventsRepository(deps.knex).page(filter, { limit: limit + 1, order: 'desc', beforeId });
      const events = rows.slice(0, limit);
      return { events, nextCursor: rows.length > limit ? encodeAuditCursor(events[events.length - 1]!.id) : undefined };
    },
    async *export(filter) {
      const repo = createAuditEventsRepository(deps.knex);
      let afterId = 0;
      for (;;) {
        const batch = await repo.page(filter, { limit: AUDIT_EXPORT_BATCH, order: 'asc', afterId });
        yield* batch;
        if (batch.length < AUDIT_EXPORT_BATCH) return;
        afterId = batch[batch.length - 1]!.id;
      }
    },
  };
}
