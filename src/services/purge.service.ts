/**
 * Periodic removal of expired `oidc_payloads` rows (oidc-provider never deletes; design.md §3).
 * Each batch runs in its own transaction under a transaction-scoped Postgres advisory lock, so
 * only one process purges at a time and no lock outlives a crashed process.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { OidcPayloadsRepository } from '../repositories/oidc-payloads.repository.ts';
import { createOidcPayloadsRepository } from '../repositories/oidc-payloads.repository.ts';

/** Advisory lock key of the purge job (any constant shared by all ccauth processes). */
export const PURGE_LOCK_KEY = 0x63636175; // "ccau"

export interface PurgeJob {
  /** Purges now, batch after batch; returns rows deleted (0 when another process holds the lock). */
  runOnce(): Promise<number>;
  /** Starts the timer (every `intervalMs` milliseconds). */
  start(): void;
  stop(): void;
}

/**
 * Creates the job. `onPurged(rows)` (metrics: `ccauth_purged_rows_total`) is called after each run
 * that removed rows.
 */
export function createPurgeJob(deps: {
  repo: OidcPayloadsRepository;
  knex: Knex;
  logger: Logger;
  intervalMs: number;
  batchSize?: number;
  onPurged?: (rows: number) => void;
  /** More expired rows to delete on each run (single sign-on requests and assertion IDs); returns rows deleted. */
  extra?: () => Promise<number>;
}): PurgeJob {
  const batchSize = deps.batchSize ?? 1000;
  let timer: NodeJS.Timeout | undefined;
  let running = false;

  async function batch(): Promise<number | undefined> {
    return deps.knex.transaction(async (trx) => {
      const res = await trx.raw('SELECT pg_try_advisory_xact_lock(?) AS locked', [PURGE_LOCK_KEY]);
      if (!(res as { rows: { locked: boolean }[] }).rows[0]?.locked) return undefined;
      return createOidcPayloadsRepository(trx).purgeExpired(batchSize);
    });
  }

  async function runOnce(): Promise<number> {
    if (running) return 0;
    running = true;
    let total = 0;
    try {
      for (;;) {
        const n = await batch();
        if (n === undefined) break;
        total += n;
        if (n < batchSize) break;
      }
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
