/**
 * SQL for `login_attempts` (migrations/006_login_attempts.ts): failed sign-in counters and locks
 * per login name, keyed by the SHA-256 digest of the canonical name. Every time comparison uses the
 * database clock (`now()`), so all ccauth processes agree on when a lock ends.
 */
import type { Knex } from 'knex';

/** Repository over `login_attempts`. */
export function createLoginAttemptsRepository(db: Knex) {
  return {
    /**
     * Seconds (rounded up, ≥ 1) until the lock on `keyDigest` ends; 0 when it is not locked.
     */
    async lockedForSeconds(keyDigest: string): Promise<number> {
      const row = await db('login_attempts')
        .select(db.raw('CEIL(EXTRACT(EPOCH FROM (locked_until - now())))::int AS locked_for'))
        .where({ key_digest: keyDigest })
        .andWhere('locked_until', '>', db.fn.now())
        .first();
      return row ? Math.max(1, Number((row as { locked_for: number }).locked_for)) : 0;
    },

    /**
     * Counts one failure atomically and returns the new consecutive-failure count. The count
     * restarts at 1 when neither a failure nor a lock happened in the last `forgetAfterSeconds`.
     */
    async recordFailure(keyDigest: string, forgetAfterSeconds: number): Promise<number> {
      const res = await db.raw(
        `INSERT INTO login_attempts AS a (key_digest, failures, last_failure_at)
         VALUES (?, 1, now())
         ON CONFLICT (key_digest) DO UPDATE SET
           failures = CASE
             WHEN GREATEST(a.last_failure_at, COALESCE(a.locked_until, a.last_failure_at)) < now() - (? * interval '1 second')
             THEN 1 ELSE a.failures + 1 END,
           last_failure_at = now()
         RETURNING failures`,
        [keyDigest, forgetAfterSeconds],
      );
      return Number((res as { rows: { failures: number }[] }).rows[0]!.failures);
    },

    /** Locks `keyDigest` for `seconds` from now (database clock). Returns false when the row is gone. */
    async lock(keyDigest: string, seconds: number): Promise<boolean> {
      const rows = await db('login_attempts')
        .where({ key_digest: keyDigest })
        .update({ locked_until: db.raw(`now() + (? * interval '1 second')`, [seconds]) }, ['key_digest']);
      return rows.length === 1;
    },

    /** Forgets every failure and lock of `keyDigest` (after a successful sign-in). */
    async clear(keyDigest: string): Promise<void> {
      await db('login_attempts').where({ key_digest: keyDigest }).delete();
    },

    /**
     * Deletes up to `batchSize` rows whose failures are forgotten anyway (no failure and no lock
     * in the last `forgetAfterSeconds`); returns how many went.
     */
    async purgeStale(forgetAfterSeconds: number, batchSize: number): Promise<number> {
      const res = await db.raw(
        `DELETE FROM login_attempts WHERE key_digest IN (
           SELECT key_digest FROM login_attempts
           WHERE GREATEST(last_failure_at, COALESCE(locked_until, last_failure_at)) < now() - (? * interval '1 second')
           LIMIT ?)
         RETURNING key_digest`,
        [forgetAfterSeconds, batchSize],
      );
      return (res as { rows: unknown[] }).rows.length;
    },
  };
}

/** The repository's shape (for fakes in unit tests). */
export type LoginAttemptsRepository = ReturnType<typeof createLoginAttemptsRepository>;
