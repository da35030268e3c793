/**
 * Periodic removal of expired `oidc_payloads` rows (oidc-provider never deletes; design.md §3) and
 * of audit events older than AUDIT_RETENTION_DAYS (README "Audit and secrets hygiene"; 0 keeps
 * them forever), and of expired `used_assertion_ids` rows. Each batch runs in its own transaction under a transaction-scoped Postgres
 * advisory lock, so only one process purges at a time and no lock outlives a crashed process.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { OidcPayloadsRepository } from '../repositories/oidc-payloads.repository.ts';
import { createOidcPayloadsRepository } from '../repositories/oidc-payloads.repository.ts';
import { createAuditEventsRepository } from '../repositories/audit-events.repository.ts';
import { createUsedAssertionIdsRepository } from '../repositories/used-assertion-ids.repository.ts';

/** Advisory lock key of the purge job (any constant shared by all ccauth processes). */
export const PURGE_LOCK_KEY = 0x63636175; // "ccau"

export interface PurgeJob {
  /**
   * Purges now, batch after batch: expired token rows, then audit events past their retention.
   * Returns the token rows deleted (0 when another process holds the lock).
   */
  runOnce(): Promise<number>;
  /** Starts the timer (every `intervalMs` milliseconds). */
  start(): void;
  stop(): void;
}

/**
 * Creates the job. `onPurged(rows)` (metrics: `ccauth_purged_rows_total`) is called after each run
 * that removed token rows. `auditRetentionDays` (days; 0 or absent keeps audit events forever)
 * deletes older audit events in batches of `batchSize` rows under the same lock.
 */
export function createPurgeJob(deps: {
  repo: OidcPayloadsRepository;
  knex: Knex;
  logger: Logger;
  intervalMs: number;
  batchSize?: number;
  auditRetentionDays?: number;
  onPurged?: (rows: number) => void;
  /** More expired rows to delete on each run (single sign-on requests and assertion IDs); returns rows deleted. */
  extra?: () => Promise<number>;
}): PurgeJob {
  const batchSize = deps.batchSize ?? 1000;
  let timer: NodeJS.Timeout | undefined;
  let running = false;

  /** Runs `purge` in a transaction holding the advisory lock; undefined when another process holds it. */
  async function locked(purge: (trx: Knex.Transaction) => Promise<number>): Promise<number | undefined> {
    return deps.knex.transaction(async (trx) => {
      const res = await trx.raw('SELECT pg_try_advisory_xact_lock(?) AS locked', [PURGE_LOCK_KEY]);
      if (!(res as { rows: { locked: boolean }[] }).rows[0]?.locked) return undefined;
      return purge(trx);
    });
  }

  /** Batch after batch until one is short; the rows deleted, or undefined when the lock was taken. */
  async function drain(purge: (trx: Knex.Transaction) => Promise<number>): Promise<number | undefined> {
    let total = 0;
    for (;;) {
      const n = await locked(purge);
      if (n === undefined) return total || undefined;
      total += n;
      if (n < batchSize) return total;
    }
  }

  async function purgeAudit(): Promise<void> {
    const days = deps.auditRetentionDays ?? 0;
    if (days <= 0) return;
    const rows = await drain((trx) => createAuditEventsRepository(trx).purgeOlderThan(days, batchSize));
    if (rows) deps.logger.info({ event: 'audit_purge', rows, retention_days: days }, 'audit events past their retention purged');
  }

  async function runOnce(): Promise<number> {
    if (running) return 0;
    running = true;
    let total = 0;
    try {
      // undefined: another process holds the lock and purges both tables
      total += (await drain((trx) => createOidcPayloadsRepository(trx).purgeExpired(batchSize))) ?? 0;
      // expired single-use records of JWT assertion ids (RFC 7523 §3)
      total += (await drain((trx) => createUsedAssertionIdsRepository(trx).purgeExpired(batchSize))) ?? 0;
      await purgeAudit();
      total += await deps.repo.clearExpiredSuccessors();
      if (deps.extra) total += await deps.extra();
      if (total) {
        deps.logger.info({ event: 'purge', rows: total }, 'expired oidc rows purged');
        deps.onPurged?.(total);
      }
      return total;
    } finally {
      running = false;
    }
  }

  return {
    runOnce,
    start() {
      timer ??= setInterval(() => {
        runOnce().catch((err) => deps.logger.warn({ err }, 'purge failed; will retry'));
      }, deps.intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
