/**
 * Change signals for the `clients` and `client_contact_centers` tables, feeding the in-process
 * client cache (services/client-cache.service.ts; design.md §1 LISTEN/NOTIFY).
 *
 * - {@link watchClientWrites}: watches every statement this process sends through `knex` (knex's
 *   `query` events) and reports a write to the clients tables when it takes effect: at once for a
 *   statement outside a transaction, at `COMMIT` for one inside. It sees every writer (ops API,
 *   integration activations, tests writing rows directly), so no service has to remember to call it.
 * - {@link notifyClientsChanged}: `pg_notify` on {@link CLIENT_CHANGES_CHANNEL} so other processes
 *   drop their copies.
 * - {@link listenClientChanges}: a dedicated connection (outside the pool) that LISTENs on the
 *   channel, reconnects with back-off, and reports when it is not listening (caches must then
 *   shorten their lifetime: notifications sent meanwhile are lost).
 *
 * Payloads are `<process nonce>:<client id or *>`; a process ignores its own notifications.
 * PostgreSQL only for NOTIFY/LISTEN; the watcher works on PGlite too.
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';

/** The NOTIFY channel. */
export const CLIENT_CHANGES_CHANNEL = 'ccauth_client_changes';

/** A statement that writes the clients tables (knex-generated or hand-written SQL). */
const CLIENT_WRITE = /^\s*(?:insert\s+into|update|delete\s+from|truncate(?:\s+table)?)\s+(?:only\s+)?(?:"?public"?\.)?"?(?:clients|client_contact_centers)"?(?:[\s(;]|$)/i;
const COMMIT = /^\s*commit\b/i;
const ROLLBACK = /^\s*rollback\s*;?\s*$/i;
/** Transactions that wrote and have not finished are forgotten after this long, ms. */
const PENDING_MAX_AGE_MS = 30_000;

interface QueryEvent {
  sql?: string;
  __knexTxId?: string;
}

/**
 * Calls `onChange` when a write to the clients tables takes effect (and, for a write inside a
 * transaction, also right when it is sent: dropping a cached copy early never hurts). Returns a
 * function that stops watching.
 */
export function watchClientWrites(knex: Knex, onChange: () => void): () => void {
  const pending = new Map<string, number>();
  const onQuery = (q: QueryEvent) => {
    const sql = q.sql;
    if (typeof sql !== 'string') return;
    const tx = q.__knexTxId;
    if (CLIENT_WRITE.test(sql)) {
      if (tx) {
        const now = Date.now();
        pending.set(tx, now);
        for (const [id, at] of pending) if (now - at > PENDING_MAX_AGE_MS) pending.delete(id);
      }
      onChange();
      return;
    }
    if (!tx || pending.size === 0) return;
    if (COMMIT.test(sql)) {
      // a nested transaction's write is committed by its parent, whose id we cannot tell apart:
      // any COMMIT while writes are pending signals (a spare signal only costs a cache reload)
      pending.delete(tx);
      onChange();
    } else if (ROLLBACK.test(sql)) {
      pending.delete(tx);
    }
  };
  const onResponse = (_res: unknown, q: QueryEvent) => {
    // a write outside any transaction is committed when its response arrives
    if (!q.__knexTxId && typeof q.sql === 'string' && CLIENT_WRITE.test(q.sql)) onChange();
  };
  knex.on('query', onQuery);
  knex.on('query-response', onResponse);
  return () => {
    knex.off('query', onQuery);
    knex.off('query-response', onResponse);
  };
}

/** This process's nonce in notification payloads. */
export function newNotifierId(): string {
  return randomBytes(6).toString('hex');
}

/** Tells the other processes that `clientId` (or every client, `*`) changed. */
export async function notifyClientsChanged(knex: Knex, notifierId: string, clientId = '*'): Promise<void> {
  await knex.raw('SELECT pg_notify(?, ?)', [CLIENT_CHANGES_CHANNEL, `${notifierId}:${clientId}`]);
}

/** A running LISTEN. */
export interface ClientChangeListener {
  /** True while the LISTEN connection is up. */
  readonly listening: boolean;
  /** Closes the connection; no reconnect after this. */
  stop(): Promise<void>;
}

interface RawPgConnection {
  query(sql: string): Promise<unknown>;
  on(event: 'notification', fn: (msg: { channel: string; payload?: string }) => void): void;
  on(event: 'error' | 'end', fn: (err?: Error) => void): void;
  end(): Promise<void>;
}

/**
 * LISTENs on {@link CLIENT_CHANGES_CHANNEL} over a connection of its own (knex's
 * `acquireRawConnection`, outside the pool). `onChange(clientId | '*')` for each foreign
 * notification; `onReset()` whenever notifications may have been missed (connection lost, and again
 * once it is back). Reconnects after 0.5 s, doubling up to 30 s.
 */
export function listenClientChanges(
  knex: Knex,
  deps: { notifierId: string; onChange(clientId: string): void; onReset(): void; logger?: Logger },
): ClientChangeListener {
  const client = knex.client as unknown as { acquireRawConnection(): Promise<RawPgConnection> };
  let conn: RawPgConnection | undefined;
  let listening = false;
  let stopped = false;
  let delayMs = 500;
  let timer: NodeJS.Timeout | undefined;

  const lost = (err?: Error) => {
    if (!conn) return;
    const was = conn;
    conn = undefined;
    listening = false;
    was.end().catch(() => {});
    if (stopped) return;
    deps.logger?.warn({ err, event: 'client_changes_listener_lost' }, 'client change listener lost; client cache falls back to a 1 s lifetime');
    deps.onReset();
    schedule();
  };

  const schedule = () => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, delayMs);
    timer.unref();
    delayMs = Math.min(delayMs * 2, 30_000);
  };

  async function connect(): Promise<void> {
    if (stopped) return;
    let c: RawPgConnection | undefined;
    try {
      c = await client.acquireRawConnection();
      if (stopped) {
        await c.end().catch(() => {});
        return;
      }
      c.on('notification', (msg) => {
        if (msg.channel !== CLIENT_CHANGES_CHANNEL || !msg.payload) return;
        const sep = msg.payload.indexOf(':');
        if (sep < 0 || msg.payload.slice(0, sep) === deps.notifierId) return;
        deps.onChange(msg.payload.slice(sep + 1) || '*');
      });
      c.on('error', (err) => lost(err));
      c.on('end', () => lost());
      conn = c;
      await c.query(`LISTEN ${CLIENT_CHANGES_CHANNEL}`);
      listening = true;
      delayMs = 500;
      deps.onReset(); // whatever changed while we were not listening
    } catch (err) {
      if (c && conn !== c) await c.end().catch(() => {});
      if (conn) lost(err as Error);
      else if (!stopped) {
        deps.logger?.warn({ err, event: 'client_changes_listener_failed' }, 'could not LISTEN for client changes; retrying');
        schedule();
      }
    }
  }

  void connect();
  return {
    get listening() {
      return listening;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      const c = conn;
      conn = undefined;
      listening = false;
      await c?.end().catch(() => {});
    },
  };
}
