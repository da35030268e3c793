/**
 * "The database is unavailable" — one definition shared by the admin APIs (Genesys envelope,
 * http/middleware/error-handler.ts) and the OAuth/browser paths (RFC 6749 JSON,
 * http/middleware/db-unavailable.ts), so both answer `503` for the same failures (README
 * "Security model" → "Concurrency and faults").
 *
 * Unavailable means the request could not be served because PostgreSQL could not be reached or
 * refused work for a reason that says nothing about the request: the server is down, starting, shutting down or
 * read-only (fail-over), the connection was lost, connecting or waiting for a pooled connection
 * timed out, a statement hit the configured timeout, or the server is out of connections or
 * resources. Constraint violations, syntax errors and the like are not: they stay 4xx/500.
 */

/**
 * SQLSTATEs meaning "not now" rather than "wrong request" (PostgreSQL Appendix A): class 08
 * (connection exception) is matched by prefix; these are matched exactly.
 */
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown: terminating connection due to administrator command
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: the database system is starting up / shutting down
  '57P05', // idle_session_timeout
  '57014', // query_canceled: statement_timeout (DATABASE_QUERY_TIMEOUT_MS)
  '53000', // insufficient_resources
  '53100', // disk_full
  '53200', // out_of_memory
  '53300', // too_many_connections
  '25006', // read_only_sql_transaction: a standby after fail-over, or a read-only server
]);

/** Socket-level `code`s of Node.js (libuv) and DNS errors raised while connecting or talking to the server. */
const UNAVAILABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * Messages of `pg` and knex that carry no code: lost connections, `connectionTimeoutMillis`
 * ("timeout expired" / "Connection terminated due to connection timeout"), `query_timeout`
 * ("Query read timeout") and knex's pool acquisition timeout.
 */
const UNAVAILABLE_MESSAGE =
  /Connection terminated|Connection ended unexpectedly|connection timeout|timeout expired|Query read timeout|not queryable|Knex: Timeout acquiring a connection|connect ECONNREFUSED/i;

/**
 * True when `err` (or its `cause` chain, or one of an `AggregateError`'s errors) says PostgreSQL
 * is unreachable or temporarily refusing work. Never throws; any value may be passed.
 * @param err what a query, a pool acquisition or a connect attempt rejected with.
 * @returns true → answer `503` with `Retry-After`; false → handle as any other error.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  return check(err, 0);
}

function check(err: unknown, depth: number): boolean {
  if (depth > 5 || typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (e.name === 'KnexTimeoutError') return true;
  if (typeof e.code === 'string') {
    if (UNAVAILABLE_SQLSTATES.has(e.code) || /^08[0-9A-Z]{3}$/.test(e.code)) return true;
    if (UNAVAILABLE_ERRNOS.has(e.code)) return true;
  }
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => check(inner, depth + 1))) return true;
  return e.cause !== undefined && e.cause !== err && check(e.cause, depth + 1);
}
