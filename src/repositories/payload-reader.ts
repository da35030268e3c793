/**
 * Batched reads of `oidc_payloads` rows by `(model, id_digest)` for the token path (issue 6 "as few
 * round-trips per request as possible").
 *
 * oidc-provider looks a presented token up in several models at once (introspection: AccessToken,
 * ClientCredentials and RefreshToken in parallel), then its Grant; every concurrent request does
 * the same. Lookups that arrive while earlier statements are in flight are answered together by one
 * prepared statement joining `unnest($models, $digests)` to the table, instead of one query each.
 * With no load a lookup goes out at once, alone.
 *
 * Same answer as `createOidcPayloadsRepository().find`: the live (unexpired) row's `payload`,
 * `consumed_at` and `expires_at`, or undefined. PostgreSQL: named prepared statement on a pool
 * connection; PGlite: the same SQL through knex.
 */
import type { Knex } from 'knex';
import type { PayloadRow } from './oidc-payloads.repository.ts';
import { runPrepared } from './payload-writer.ts';

const STATEMENT_NAME = 'ccauth_oidc_payloads_find_batch';

const BATCH_SQL = `SELECT k.i::int AS i, p.payload, p.consumed_at, p.expires_at
FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(model, id_digest, i)
JOIN oidc_payloads p ON p.model = k.model AND p.id_digest = k.id_digest
WHERE p.expires_at IS NULL OR p.expires_at > now()`;

export interface PayloadReaderOptions {
  /**
   * `postgres` uses a prepared statement on a pool connection; `pglite` goes through knex. Default:
   * `postgres` when `knex` runs the `pg` client, else `pglite`.
   */
  engine?: 'postgres' | 'pglite';
  /** Statements in flight at once. Default 4. */
  maxInFlight?: number;
  /** Most keys in one statement. Default 200. */
  maxBatch?: number;
}

export interface PayloadReader {
  /** The live row, or undefined. Rejects with the driver's error. */
  find(model: string, idDigest: string): Promise<PayloadRow | undefined>;
  /** Counters since start. */
  readonly stats: { lookups: number; statements: number };
}

interface Pending {
  model: string;
  idDigest: string;
  resolve(row: PayloadRow | undefined): void;
  reject(err: unknown): void;
}

interface ResultRow extends PayloadRow {
  i: number;
}


/** Creates a reader over `knex` (one per app). */
export function createPayloadReader(knex: Knex, opts: PayloadReaderOptions = {}): PayloadReader {
  const engine = opts.engine ?? ((knex.client as { config?: { client?: unknown } }).config?.client === 'pg' ? 'postgres' : 'pglite');
  const maxInFlight = opts.maxInFlight ?? 4;
  const maxBatch = opts.maxBatch ?? 200;
  const stats = { lookups: 0, statements: 0 };
  let queue: Pending[] = [];
  let inFlight = 0;

  async function send(batch: Pending[]): Promise<void> {
    const keys: string[] = [];
    const index = new Map<string, number>();
    const models: string[] = [];
    const digests: string[] = [];
    for (const b of batch) {
      const k = `${b.model}\0${b.idDigest}`;
      keys.push(k);
      if (!index.has(k)) {
        models.push(b.model);
        digests.push(b.idDigest);
        index.set(k, models.length); // ORDINALITY is 1-based
      }
    }
    stats.statements += 1;
    let rows: ResultRow[];
    if (engine === 'pglite') {
      rows = ((await knex.raw(BATCH_SQL.replace(/\$\d/g, '?'), [models, digests] as unknown as readonly Knex.RawBinding[])) as { rows: ResultRow[] }).rows;
    } else {
      rows = (await runPrepared(knex, { name: STATEMENT_NAME, text: BATCH_SQL, values: [models, digests], method: 'select' })) as ResultRow[];
    }
    const byOrdinal = new Map<number, PayloadRow>();
    for (const r of rows) byOrdinal.set(Number(r.i), { payload: r.payload, consumed_at: r.consumed_at, expires_at: r.expires_at });
    batch.forEach((b, n) => b.resolve(byOrdinal.get(index.get(keys[n]!)!)));
  }

  function pump(): void {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
      queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
      inFlight += 1;
      send(batch)
        .catch((err: unknown) => {
          for (const b of batch) b.reject(err);
        })
        .finally(() => {
          inFlight -= 1;
          pump();
        });
    }
  }

  return {
    stats,
    find(model, idDigest) {
      stats.lookups += 1;
      return new Promise<PayloadRow | undefined>((resolve, reject) => {
        queue.push({ model, idDigest, resolve, reject });
        // lookups issued in the same tick (oidc-provider's parallel finds) share one statement
        if (queue.length === 1) queueMicrotask(pump);
      });
    },
  };
}
