/**
 * Storage of the failed-authentication rate limiters (README "Security model";
 * services/rate-limit.service.ts): rate-limiter-flexible limiters over the `rate_limits` table
 * (migrations/013_rate_limits.ts), so a count and a block hold across every ccauth process.
 *
 * - PostgreSQL: `RateLimiterPostgres` on its own small `pg.Pool` (`maxConnections`, default 4) to
 *   the app's database (the library runs its own parameterized upserts on `rate_limits`). Being
 *   separate, a flood of failures can never take the app's pool from token requests; its sessions
 *   run with `synchronous_commit = off` (a counter lost in a crash is harmless, and it saves a WAL
 *   flush per failure; every other write keeps full durability). If a statement fails (database
 *   down), an in-process `RateLimiterMemory` with the same numbers answers instead
 *   (`insuranceLimiter`), so limits still hold per process during an outage.
 * - Embedded PGlite (one process by definition): `RateLimiterMemory`, not shared and not kept
 *   across restarts.
 *
 * Statements wait for a connection in fair lanes (security/fair-slots.ts; the service passes the
 * limited subject as the lane), so a flood against one client or name does not delay the limiter
 * checks of another. A key found over its limit is refused from this process's memory until its
 * block ends (as the store reported it), without a statement.
 *
 * Keys are digests: the service passes `SHA-256(subject)`, never a client id, login name or
 * address in clear.
 */
import { LRUCache } from 'lru-cache';
import pg from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Database } from '../db/knex.ts';
import { createFairSlots } from '../security/fair-slots.ts';

/** The table every limiter writes (one row per limited key, `key` prefixed with the limiter name). */
export const RATE_LIMITS_TABLE = 'rate_limits';

/** One limiter's numbers. */
export interface LimiterSpec {
  /** Key prefix, e.g. `client_addr`; short, `[a-z_]`. */
  name: string;
  /** Failures allowed per window; the next one is refused and starts the block. */
  points: number;
  /** Window, seconds: the count restarts this long after its first failure. */
  durationSeconds: number;
  /** Block, seconds, started by the first refused attempt (0: no block beyond the window). */
  blockSeconds: number;
}

/**
 * One limiter (rate-limiter-flexible semantics): `consume` resolves with the state after counting
 * one point, or rejects with a `RateLimiterRes` when over the limit (the point is still counted; the
 * attempt that crosses the limit starts the block), or with an `Error` when storage failed and no
 * fallback answered. `lane` is the fair-queue lane of the statement.
 */
export interface Limiter {
  /** The limit (`points` of the spec). */
  readonly points: number;
  consume(key: string, lane: string): Promise<RateLimiterRes>;
  /** Adds `points` and resolves with the new state, whatever the limit (never rejects for being over it, never blocks). */
  penalty(key: string, points: number, lane: string): Promise<RateLimiterRes>;
  /** Gives `points` back. */
  reward(key: string, points: number, lane: string): Promise<RateLimiterRes>;
  /**
   * The current state, or null when the key has none. A key this process knows to be blocked is
   * answered from memory (`consumedPoints` over the limit), without a statement.
   */
  get(key: string, lane: string): Promise<RateLimiterRes | null>;
  /** Milliseconds this process knows the key to stay blocked (0: it knows of no block). No I/O. */
  blockedForMs(key: string): number;
  /** Sets the key to `points` for `seconds`. */
  set(key: string, points: number, seconds: number, lane: string): Promise<RateLimiterRes>;
  /** Forgets the key (count and block). */
  delete(key: string, lane: string): Promise<boolean>;
  /** Blocks the key for `seconds` from now (counted as over the limit). */
  block(key: string, seconds: number, lane: string): Promise<RateLimiterRes>;
}

/** Creates limiters bound to one database. */
export interface RateLimiterStore {
  /** True when limits are shared by every process (PostgreSQL); false for the in-memory fallback. */
  readonly shared: boolean;
  /** A limiter over the shared table (or memory). */
  limiter(spec: LimiterSpec): Limiter;
  /**
   * Deletes up to `batchSize` rows whose window and block ended more than `graceMs` milliseconds
   * ago; returns how many went (0 without PostgreSQL).
   */
  purgeExpired(graceMs: number, batchSize: number): Promise<number>;
  /** Closes the limiters' own connections (PostgreSQL). Idempotent. */
  close(): Promise<void>;
}

type Queue = <T>(lane: string, fn: () => Promise<T>) => Promise<T>;

/**
 * Longest duration an in-memory limiter can hold, seconds: rate-limiter-flexible's memory store
 * expires keys with `setTimeout`, which fires at once beyond 2^31−1 ms (~24.8 days).
 */
export const MEMORY_MAX_SECONDS = 24 * 86_400;
const capSeconds = (seconds: number) => Math.min(seconds, MEMORY_MAX_SECONDS);

/**
 * Wraps a rate-limiter-flexible limiter so its storage calls wait in `queue` (durations capped
 * for memory stores), and a key the store reported over its limit (refused, blocked, or read over
 * it) is answered from memory until that state ends.
 */
function bounded(rl: RateLimiterAbstract, queue: Queue, inMemoryStore = false): Limiter {
  /**
   * key → epoch ms until which the store said it is over the limit. At most 100,000 keys, counted
   * with `maxSize` rather than `max`: lru-cache preallocates its arrays for `max` (about 2.4 MB per
   * limiter, five limiters), while under `maxSize` they grow only as keys get blocked (issue 6: RSS).
   */
  const blocked = new LRUCache<string, number>({ maxSize: 100_000, sizeCalculation: () => 1 });
  const remember = (key: string, res: RateLimiterRes) => {
    if (res.msBeforeNext > 0) blocked.set(key, Date.now() + res.msBeforeNext, { ttl: res.msBeforeNext });
  };
  const blockedForMs = (key: string) => {
    const until = blocked.get(key);
    return until === undefined ? 0 : Math.max(0, until - Date.now());
  };
  return {
    points: rl.points,
    blockedForMs,
    async consume(key, lane) {
      const ms = blockedForMs(key);
      // consumedPoints beyond points + 1: over the limit, and not the attempt that crossed it
      if (ms > 0) throw new RateLimiterRes(0, ms, rl.points + 2, false);
      try {
        return await queue(lane, () => rl.consume(key));
      } catch (err) {
        if (err instanceof RateLimiterRes) remember(key, err);
        throw err;
      }
    },
    penalty: (key, points, lane) => queue(lane, () => rl.penalty(key, points)),
    reward: (key, points, lane) => queue(lane, () => rl.reward(key, points)),
    async get(key, lane) {
      const ms = blockedForMs(key);
      if (ms > 0) return new RateLimiterRes(0, ms, rl.points + 1, false);
      const res = await queue(lane, () => rl.get(key));
      if (res && res.consumedPoints > rl.points) remember(key, res);
      return res;
    },
    set: (key, points, seconds, lane) => queue(lane, () => rl.set(key, points, inMemoryStore ? capSeconds(seconds) : seconds)),
    delete(key, lane) {
      blocked.delete(key);
      return queue(lane, () => rl.delete(key));
    },
    async block(key, seconds, lane) {
      const res = await queue(lane, () => rl.block(key, inMemoryStore ? capSeconds(seconds) : seconds));
      remember(key, res);
      return res;
    },
  };
}

/**
 * Builds the store for `db` (PostgreSQL: shared table through its own pool; PGlite: memory).
 * @param opts.maxConnections connections of the limiters' pool, and most statements at once (default 4)
 * @param opts.onPoolError told about errors of idle pooled connections (e.g. the server restarted)
 */
export function createRateLimiterStore(db: Database, opts: { maxConnections?: number; onPoolError?: (err: Error) => void } = {}): RateLimiterStore {
  const shared = db.engine === 'postgres';
  const memory = (spec: LimiterSpec) =>
    new RateLimiterMemory({ keyPrefix: spec.name, points: spec.points, duration: capSeconds(spec.durationSeconds), blockDuration: capSeconds(spec.blockSeconds) });
  if (!shared) {
    return {
      shared,
      limiter: (spec) => bounded(memory(spec), (_lane, fn) => fn(), true),
      purgeExpired: async () => 0,
      close: async () => {},
    };
  }

  const max = opts.maxConnections ?? 4;
  // the app's connection settings (database, timeouts), with its own name and asynchronous commit
  const connection = (db.knex.client as { config: { connection: pg.PoolConfig } }).config.connection;
  const pool = new pg.Pool({ ...connection, application_name: 'ccauth-rate-limits', max, options: '-c synchronous_commit=off' });
  pool.on('error', (err) => opts.onPoolError?.(err));
  const queue = createFairSlots(max);
  let closed: Promise<void> | undefined;
  return {
    shared,
    limiter(spec) {
      const rl = new RateLimiterPostgres({
        storeClient: pool,
        storeType: 'pool',
        tableName: RATE_LIMITS_TABLE,
        tableCreated: true,
        clearExpiredByTimeout: false,
        keyPrefix: spec.name,
        points: spec.points,
        duration: spec.durationSeconds,
        blockDuration: spec.blockSeconds,
        insuranceLimiter: memory(spec),
      });
      return bounded(rl, queue);
    },
    async purgeExpired(graceMs, batchSize) {
      const res = await queue('purge', () =>
        pool.query(
          `DELETE FROM ${RATE_LIMITS_TABLE} WHERE key IN (
             SELECT key FROM ${RATE_LIMITS_TABLE} WHERE expire IS NOT NULL AND expire < $1 LIMIT $2)
           RETURNING key`,
          [Date.now() - graceMs, batchSize],
        ),
      );
      return res.rows.length;
    },
    close() {
      closed ??= pool.end().catch(() => undefined);
      return closed;
    },
  };
}
