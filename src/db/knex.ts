/**
 * Knex factory: PostgreSQL through `pg` when a connection string is given, otherwise the embedded
 * PGlite database (knex-pglite) in a directory, or in memory for tests.
 */
import knexPkg from 'knex';
import type { Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

const { knex } = knexPkg;

/**
 * Fault bounds of a PostgreSQL pool (docs/security-model.md "Security model" → "Concurrency and faults"), in
 * milliseconds; 0 disables one. While the server is down or stalled a request fails within about
 * `connectTimeoutMs` (or `acquireTimeoutMs` when the pool is exhausted, or `queryTimeoutMs` for a
 * query already sent) and is answered 503, instead of hanging.
 */
export interface PostgresTimeouts {
  /** Opening a connection (TCP + start-up), pg `connectionTimeoutMillis`. Default 5000. */
  connectTimeoutMs?: number;
  /** Waiting for a pooled connection, knex `acquireConnectionTimeout`. Default 10000. */
  acquireTimeoutMs?: number;
  /**
   * One statement: server-side `statement_timeout` (SQLSTATE 57014), and on the client pg's
   * `query_timeout` one second later (a stalled server never answers the cancel). Default 30000.
   */
  queryTimeoutMs?: number;
}

/** Defaults of {@link PostgresTimeouts}, milliseconds. */
export const DEFAULT_POSTGRES_TIMEOUTS: Readonly<Required<PostgresTimeouts>> = Object.freeze({
  connectTimeoutMs: 5000,
  acquireTimeoutMs: 10_000,
  queryTimeoutMs: 30_000,
});

/** Where the database lives. */
export type DatabaseTarget =
  | { kind: 'postgres'; url: string; poolMax?: number; timeouts?: PostgresTimeouts }
  | { kind: 'pglite'; dir: string }
  | { kind: 'pglite-memory' };

/** A knex instance plus which engine it talks to (PGlite has a single connection). */
export interface Database {
  knex: Knex;
  engine: 'postgres' | 'pglite';
  /** Closes the pool or the embedded database. Idempotent. */
  close(): Promise<void>;
}

/** Builds the knex instance for `target`; no query is sent until first use. */
export function createDatabase(target: DatabaseTarget): Database {
  let instance: Knex;
  if (target.kind === 'postgres') {
    const t = { ...DEFAULT_POSTGRES_TIMEOUTS, ...target.timeouts };
    instance = knex({
      client: 'pg',
      connection: {
        connectionString: target.url,
        application_name: 'ccauth',
        ...(t.connectTimeoutMs > 0 ? { connectionTimeoutMillis: t.connectTimeoutMs } : {}),
        ...(t.queryTimeoutMs > 0 ? { statement_timeout: t.queryTimeoutMs, query_timeout: t.queryTimeoutMs + 1000 } : {}),
        // notice a peer that vanished (host down, network partition) on an idle connection
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
      },
      pool: {
        min: 0,
        max: target.poolMax ?? 10,
        // A connection whose query timed out on the client side is still waiting for the server:
        // never hand it out again (the pool destroys it and opens a fresh one).
        validate: (conn: { readyForQuery?: boolean }) => conn.readyForQuery !== false,
      },
      // 0 ("none") is not a knex value: a day stands for "unbounded"
      acquireConnectionTimeout: t.acquireTimeoutMs > 0 ? t.acquireTimeoutMs : 86_400_000,
    });
  } else {
    let connection: Record<string, string> = {};
    if (target.kind === 'pglite') {
      const dir = path.resolve(target.dir, 'pglite');
      mkdirSync(dir, { recursive: true });
      connection = { filename: dir };
    }
    instance = knex({ client: ClientPgLite as unknown as typeof knex.Client, dialect: 'postgres', connection });
  }
  let closed = false;
  return {
    knex: instance,
    engine: target.kind === 'postgres' ? 'postgres' : 'pglite',
    async close() {
      if (closed) return;
      closed = true;
      await instance.destroy();
    },
  };
}

/** PostgreSQL error codes we translate into client-visible errors. */
export const PG_UNIQUE_VIOLATION = '23505';
export const PG_FOREIGN_KEY_VIOLATION = '23503';
/** restrict_violation: PostgreSQL 17 (PGlite) reports an ON DELETE RESTRICT block with it instead of 23503. */
export const PG_RESTRICT_VIOLATION = '23001';

/** True when `err` is a PostgreSQL error with the given SQLSTATE (works for pg and PGlite). */
export function isPgError(err: unknown, sqlState: string): err is { code: string; constraint?: string } {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === sqlState;
}

/**
 * Times every query sent through `knex` (knex's `query` / `query-response` / `query-error` events)
 * and reports `operation` (knex's method: `select`, `first`, `insert`, `update`, `del`, `raw`,
 * ...; `other` when unknown), duration in seconds and success. Returns a function that stops it.
 */
export function observeQueries(knex: Knex, report: (operation: string, seconds: number, ok: boolean) => void): () => void {
  const started = new Map<string, { t: bigint; op: string }>();
  const key = (q: { __knexQueryUid?: string }) => q.__knexQueryUid;
  const onQuery = (q: { __knexQueryUid?: string; method?: string }) => {
    const k = key(q);
    if (!k) return;
    if (started.size > 10_000) started.clear(); // queries that never answered (connection lost)
    started.set(k, { t: process.hrtime.bigint(), op: /^[a-z]{2,12}$/.test(q.method ?? '') ? q.method! : 'other' });
  };
  const done = (q: { __knexQueryUid?: string } | undefined, ok: boolean) => {
    const k = q && key(q);
    const s = k ? started.get(k) : undefined;
    if (!s) return;
    started.delete(k!);
    report(s.op, Number(process.hrtime.bigint() - s.t) / 1e9, ok);
  };
  const onResponse = (_res: unknown, q: { __knexQueryUid?: string }) => done(q, true);
  const onError = (_err: unknown, q: { __knexQueryUid?: string }) => done(q, false);
  knex.on('query', onQuery);
  knex.on('query-response', onResponse);
  knex.on('query-error', onError);
  return () => {
    knex.off('query', onQuery);
    knex.off('query-response', onResponse);
    knex.off('query-error', onError);
  };
}

/**
 * Connection pool occupancy: connections in use, idle, and acquisitions waiting. PGlite has a
 * single embedded connection and no pool to read: reported as one free connection.
 */
export function poolUsage(db: Database): { used: number; free: number; pending: number } {
  const pool = (db.knex.client as { pool?: { numUsed(): number; numFree(): number; numPendingAcquires(): number } }).pool;
  if (db.engine !== 'postgres' || !pool) return { used: 0, free: 1, pending: 0 };
  return { used: pool.numUsed(), free: pool.numFree(), pending: pool.numPendingAcquires() };
}
