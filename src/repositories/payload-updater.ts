/**
 * Batched single-row updates of `oidc_payloads` on the refresh path (docs/performance.md): the atomic consume
 * of a token (RFC 6749 §10.4 / OAuth 2.0 Security BCP §4.14 refresh rotation) and the sealed
 * successor a rotated refresh token keeps for the grace window (grants/refresh-token.ts).
 *
 * Each was one statement per request; under load the concurrent requests' updates now leave
 * together, like the token rows of payload-writer.ts and the lookups of payload-reader.ts: one
 * `UPDATE ... FROM (VALUES ...)` with fixed-size key lists (1, 4, 16 or 64 keys, padded with NULL,
 * so PostgreSQL keeps a generic plan), one statement at a time unless it has been out 5 ms
 * (statement-slots.ts). Same semantics as one statement per call:
 * - consume: a row flips from `consumed_at IS NULL` at most once; the one caller whose key the
 *   statement returned gets true, every other caller (concurrent duplicates, in this batch or
 *   another, and later ones) false. Within a batch a key appears once; its duplicates get false.
 * - successor: the last call of a key in a batch wins.
 * A batch that fails because of one row's values (SQLSTATE 22/23) or a deadlock with another
 * statement (40P01: two multi-row updates locking shared rows in opposite orders) is retried one
 * key at a time, so only a caller whose own row fails gets the error.
 *
 * PostgreSQL: named prepared statements through runPrepared; PGlite: the same SQL through knex.
 */
import type { Knex } from 'knex';
import { DEFAULT_OVERLAP_AFTER_MS, runPrepared } from './payload-writer.ts';
import { createBatchQueue } from './batch-queue.ts';

const SLOT_SIZES = [1, 4, 16, 64] as const;
const MAX_SLOTS = 64;

/** `VALUES` rows for `slots` keys of `arity` parameters each, with the given casts. */
function valuesList(slots: number, casts: readonly string[], placeholder: (n: number) => string): string {
  return Array.from({ length: slots }, (_, k) => `(${k + 1}, ${casts.map((c, j) => `${placeholder(casts.length * k + j + 1)}::${c}`).join(', ')})`).join(', ');
}

const CONSUME_SQL = (slots: number, ph: (n: number) => string) => `UPDATE oidc_payloads p SET consumed_at = now()
FROM (VALUES ${valuesList(slots, ['text', 'text'], ph)}) AS k(i, model, id_digest)
WHERE p.model = k.model AND p.id_digest = k.id_digest AND p.consumed_at IS NULL
RETURNING k.i AS i`;

const SUCCESSOR_SQL = (slots: number, ph: (n: number) => string) => `UPDATE oidc_payloads p SET successor_sealed = k.sealed, successor_expires_at = k.until
FROM (VALUES ${valuesList(slots, ['text', 'text', 'text', 'timestamptz'], ph)}) AS k(i, model, id_digest, sealed, until)
WHERE p.model = k.model AND p.id_digest = k.id_digest`;

interface Statement {
  name: string;
  text: string;
  pglite: string;
}

function statements(name: string, sql: (slots: number, ph: (n: number) => string) => string): Map<number, Statement> {
  return new Map(
    SLOT_SIZES.map((n) => [n, { name: `ccauth_${name}_${n}`, text: sql(n, (i) => `$${i}`), pglite: sql(n, () => '?') }]),
  );
}

const CONSUME = statements('oidc_payloads_consume_batch', CONSUME_SQL);
const SUCCESSOR = statements('oidc_payloads_successor_batch', SUCCESSOR_SQL);

export interface PayloadUpdaterOptions {
  /** Default: `postgres` when `knex` runs the `pg` client, else `pglite`. */
  engine?: 'postgres' | 'pglite';
  /** Statements of each kind in flight at once. Default 2 (the second only after overlapAfterMs). */
  maxInFlight?: number;
  /** Milliseconds a statement is out before another of its kind may overlap it. Default 5. */
  overlapAfterMs?: number;
  /** Most keys in one statement. Default (and at most) 64. */
  maxBatch?: number;
}

export interface PayloadUpdater {
  /**
   * Marks the row consumed; true only for the single caller that flipped `consumed_at` from NULL
   * (false: already consumed, or no such row). Rejects with the driver's error.
   */
  consume(model: string, idDigest: string): Promise<boolean>;
  /** Keeps the sealed successor response of a rotated row until `until`. Rejects with the driver's error. */
  setSuccessor(model: string, idDigest: string, sealed: string, until: Date): Promise<void>;
  /** Statements sent since start, by kind. */
  readonly stats: { consume: number; successor: number };
}

/** Creates the updater over `knex` (one per app, next to the writer and the reader). */
export function createPayloadUpdater(knex: Knex, opts: PayloadUpdaterOptions = {}): PayloadUpdater {
  const engine = opts.engine ?? ((knex.client as { config?: { client?: unknown } }).config?.client === 'pg' ? 'postgres' : 'pglite');
  const queueOpts = {
    maxBatch: Math.min(opts.maxBatch ?? MAX_SLOTS, MAX_SLOTS),
    maxInFlight: opts.maxInFlight ?? 2,
    overlapAfterMs: opts.overlapAfterMs ?? DEFAULT_OVERLAP_AFTER_MS,
  };
  const stats = { consume: 0, successor: 0 };

  /** Runs the slot-sized statement of `table` for `keys` keys with `values` (padded with NULL). */
  async function run(table: Map<number, Statement>, keys: number, arity: number, values: unknown[]): Promise<Array<{ i?: number | string }>> {
    const slots = SLOT_SIZES.find((n) => n >= keys)!;
    while (values.length < arity * slots) values.push(null);
    const s = table.get(slots)!;
    if (engine === 'pglite') return ((await knex.raw(s.pglite, values as Knex.RawBinding[])) as { rows: Array<{ i?: number }> }).rows;
    return (await runPrepared(knex, { name: s.name, text: s.text, values, method: 'update' })) as Array<{ i?: number }>;
  }

  const consume = createBatchQueue<{ model: string; idDigest: string }, boolean>(async (batch) => {
    // one slot per distinct key; the first caller of a key owns it, its duplicates get false
    const owner = new Map<string, number>();
    const values: unknown[] = [];
    const slotOf: (number | undefined)[] = batch.map((b) => {
      const k = `${b.item.model}\0${b.item.idDigest}`;
      if (owner.has(k)) return undefined;
      values.push(b.item.model, b.item.idDigest);
      owner.set(k, values.length / 2);
      return values.length / 2;
    });
    stats.consume += 1;
    const rows = await run(CONSUME, owner.size, 2, values);
    const flipped = new Set(rows.map((r) => Number(r.i)));
    batch.forEach((b, n) => b.resolve(slotOf[n] !== undefined && flipped.has(slotOf[n]!)));
  }, queueOpts);

  const successor = createBatchQueue<{ model: string; idDigest: string; sealed: string; until: Date }, void>(async (batch) => {
    const last = new Map<string, { model: string; idDigest: string; sealed: string; until: Date }>();
    for (const b of batch) last.set(`${b.item.model}\0${b.item.idDigest}`, b.item);
    const values: unknown[] = [];
    for (const x of last.values()) values.push(x.model, x.idDigest, x.sealed, x.until);
    stats.successor += 1;
    await run(SUCCESSOR, last.size, 4, values);
    for (const b of batch) b.resolve();
  }, queueOpts);

  return {
    stats,
    consume: (model, idDigest) => consume({ model, idDigest }),
    setSuccessor: (model, idDigest, sealed, until) => successor({ model, idDigest, sealed, until }),
  };
}
