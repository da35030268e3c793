/**
 * Batched reads of `oidc_payloads` rows by `(model, id_digest)` for the token path (docs/performance.md "as few
 * round-trips per request as possible").
 *
 * oidc-provider looks a presented token up in several models at once (introspection: AccessToken,
 * ClientCredentials and RefreshToken in parallel), then its Grant; every concurrent request does
 * the same. Lookups that arrive while earlier statements are in flight are answered together by one
 * prepared statement joining a `VALUES` list of (model, digest) keys to the table (1, 4, 16 or 64
 * slots), instead of one query each.
 * With no load a lookup goes out at the end of its event-loop turn, alone (setImmediate).
 *
 * Same answer as `createOidcPayloadsRepository().find`: the live (unexpired) row's `payload`,
 * `consumed_at` and `expires_at`, or undefined; a row that names a grant (`grant_id`, any model but
 * Grant) also carries that grant's live row from the same statement (or null), and a row of a user
 * account (`user:<uuid>`) that user (or null); the adapter hands both to the same request's Grant
 * lookup and `findAccount` (oauth/request-prefetch.ts). PostgreSQL: named prepared statement on a pool
 * connection; PGlite: the same SQL through knex.
 */
import type { Knex } from 'knex';
import type { PayloadRow } from './oidc-payloads.repository.ts';
import { DEFAULT_OVERLAP_AFTER_MS, runPrepared } from './payload-writer.ts';
import { createBatchQueue } from './batch-queue.ts';
import type { Pending as BatchPending } from './batch-queue.ts';
import { sqlTokenDigest, sqlUserId } from './sql-digest.ts';
import { toUser } from './users.repository.ts';
import type { UserRow } from './users.repository.ts';
import { USER_ACCOUNT_PREFIX } from '../domain/user.ts';
import type { UserWithContext } from '../domain/user.ts';

/**
 * Key slots of the prepared statements: a batch of n distinct keys uses the smallest size ≥ n and
 * pads the rest with NULL (which matches nothing). Fixed-size `VALUES` lists instead of `unnest`ed
 * arrays because PostgreSQL keeps re-planning an array-parameter statement on every execution (the
 * array's length changes its estimates, so the generic plan never wins): measured with pgbench
 * -M prepared, 0.25 ms a lookup with arrays against 0.05 ms with scalar parameters.
 */
const SLOT_SIZES = [1, 4, 16, 64] as const;
const MAX_SLOTS = 64;

/**
 * The lookup statement for `slots` keys ($1, $2, $3 = models, digest, whether to bring the user,
 * of key 1; $4, $5, $6 of key 2; ...).
 * A key's models are one model name or several separated by commas (any of them matches: the
 * primary key's index answers `model = ANY(...) AND id_digest = ...` in one probe per model).
 */
function batchSql(slots: number, placeholder: (n: number) => string): string {
  const values = Array.from({ length: slots }, (_, k) => `(${k + 1}, ${placeholder(3 * k + 1)}::text, ${placeholder(3 * k + 2)}::text, ${placeholder(3 * k + 3)}::boolean)`).join(', ');
  return `SELECT k.i AS i, p.model, p.payload, p.consumed_at, p.expires_at,
  p.grant_id IS NOT NULL AND p.model <> 'Grant' AS has_grant,
  g.payload AS grant_payload, g.consumed_at AS grant_consumed_at, g.expires_at AS grant_expires_at,
  k.with_user AND p.account_id LIKE '${USER_ACCOUNT_PREFIX}%' AS user_account,
  CASE WHEN u.id IS NOT NULL THEN jsonb_build_object('id', u.id, 'ccid', u.ccid, 'username', u.username, 'dbid', u.dbid,
    'first_name', u.first_name, 'last_name', u.last_name, 'email', u.email, 'authorities', u.authorities,
    'properties', u.properties, 'enabled', u.enabled, 'must_change_password', u.must_change_password,
    'password_changed_at', u.password_changed_at, 'created_at', u.created_at, 'external_id', u.external_id,
    'environment_id', c.environment_id) END AS account_user
FROM (VALUES ${values}) AS k(i, model, id_digest, with_user)
JOIN oidc_payloads p ON p.model = ANY(string_to_array(k.model, ',')) AND p.id_digest = k.id_digest
LEFT JOIN oidc_payloads g ON p.grant_id IS NOT NULL AND p.model <> 'Grant' AND g.model = 'Grant'
  AND g.id_digest = ${sqlTokenDigest('p.grant_id')}
  AND (g.expires_at IS NULL OR g.expires_at > now())
LEFT JOIN users u ON k.with_user AND u.id = ${sqlUserId('p.account_id')}
LEFT JOIN contact_centers c ON c.id = u.ccid
WHERE p.expires_at IS NULL OR p.expires_at > now()`;
}

const PG_STATEMENTS = new Map(SLOT_SIZES.map((n) => [n, { name: `ccauth_oidc_payloads_find_${n}`, text: batchSql(n, (i) => `$${i}`) }]));
const PGLITE_STATEMENTS = new Map(SLOT_SIZES.map((n) => [n, batchSql(n, () => '?')]));

/**
 * A row as the reader returns it: with `grant` when the row names a grant (`grant_id`): that
 * grant's live row read by the same statement, or null when it is gone or expired.
 */
export interface PayloadRowWithGrant extends PayloadRow {
  grant?: PayloadRow | null;
  /**
   * For a row whose `account_id` is a user account (`user:<uuid>`): that user as the same statement
   * read it (disabled ones included), or null when there is none; absent for other accounts.
   */
  user?: UserWithContext | null;
}

export interface PayloadReaderOptions {
  /**
   * `postgres` uses a prepared statement on a pool connection; `pglite` goes through knex. Default:
   * `postgres` when `knex` runs the `pg` client, else `pglite`.
   */
  engine?: 'postgres' | 'pglite';
  /**
   * Statements in flight at once. Default 4; another starts only once the oldest has been out
   * `overlapAfterMs` (statement-slots.ts).
   */
  maxInFlight?: number;
  /** Milliseconds a statement is out before another may overlap it. Default 5. */
  overlapAfterMs?: number;
  /** Most keys in one statement. Default (and at most) 64. */
  maxBatch?: number;
}

export interface PayloadReader {
  /** The live row (with its grant's, see {@link PayloadRowWithGrant}), or undefined. Rejects with the driver's error. */
  find(model: string, idDigest: string): Promise<PayloadRowWithGrant | undefined>;
  /**
   * The live rows of `idDigest` in any of `models` (model names without commas), by model, as one
   * key of the batched statement: oidc-provider's introspection and revocation look one token up
   * in three models at once (helpers/token_find.js). With `withUser: false` the rows come without
   * their user (`user` absent: introspection and revocation never ask for the account). Rejects
   * with the driver's error.
   */
  findIn(models: readonly string[], idDigest: string, opts?: { withUser?: boolean }): Promise<Map<string, PayloadRowWithGrant>>;
  /** Counters since start. */
  readonly stats: { lookups: number; statements: number };
}

/** A queued key: one model, or several separated by commas; the answer is every live row of it by model. */
type Key = { models: string; idDigest: string; withUser: boolean };
type Pending = BatchPending<Key, Map<string, PayloadRowWithGrant> | undefined>;

interface ResultRow extends PayloadRow {
  i: number;
  model: string;
  has_grant: boolean;
  grant_payload: Record<string, unknown> | null;
  grant_consumed_at: Date | null;
  grant_expires_at: Date | null;
  user_account: boolean | null;
  account_user: (UserRow & { environment_id: string }) | null;
}


/** Creates a reader over `knex` (one per app). */
export function createPayloadReader(knex: Knex, opts: PayloadReaderOptions = {}): PayloadReader {
  const engine = opts.engine ?? ((knex.client as { config?: { client?: unknown } }).config?.client === 'pg' ? 'postgres' : 'pglite');
  const maxBatch = Math.min(opts.maxBatch ?? MAX_SLOTS, MAX_SLOTS);
  const stats = { lookups: 0, statements: 0 };

  async function send(batch: Pending[]): Promise<void> {
    const keys: string[] = [];
    const index = new Map<string, number>();
    const values: (string | boolean | null)[] = [];
    for (const b of batch) {
      const k = `${b.item.models}\0${b.item.idDigest}\0${b.item.withUser ? 1 : 0}`;
      keys.push(k);
      if (!index.has(k)) {
        values.push(b.item.models, b.item.idDigest, b.item.withUser);
        index.set(k, values.length / 3); // slot numbers are 1-based
      }
    }
    const slots = SLOT_SIZES.find((n) => n >= values.length / 3)!;
    while (values.length < 3 * slots) values.push(null);
    stats.statements += 1;
    let rows: ResultRow[];
    if (engine === 'pglite') {
      rows = ((await knex.raw(PGLITE_STATEMENTS.get(slots)!, values)) as { rows: ResultRow[] }).rows;
    } else {
      const statement = PG_STATEMENTS.get(slots)!;
      rows = (await runPrepared(knex, { ...statement, values, method: 'select' })) as ResultRow[];
    }
    const byOrdinal = new Map<number, Map<string, PayloadRowWithGrant>>();
    for (const r of rows) {
      const row: PayloadRowWithGrant = { payload: r.payload, consumed_at: r.consumed_at, expires_at: r.expires_at };
      if (r.has_grant) row.grant = r.grant_payload ? { payload: r.grant_payload, consumed_at: r.grant_consumed_at, expires_at: r.grant_expires_at } : null;
      if (r.user_account) row.user = r.account_user ? { ...toUser(r.account_user), environmentId: r.account_user.environment_id } : null;
      const ordinal = Number(r.i);
      let found = byOrdinal.get(ordinal);
      if (!found) byOrdinal.set(ordinal, (found = new Map()));
      found.set(r.model, row);
    }
    batch.forEach((b, n) => b.resolve(byOrdinal.get(index.get(keys[n]!)!)));
  }

  // lookups issued during one event-loop turn (oidc-provider's parallel finds, and those of every
  // request this turn parsed) share one statement (batch-queue.ts)
  const enqueue = createBatchQueue<Key, Map<string, PayloadRowWithGrant> | undefined>(send, {
    maxBatch,
    maxInFlight: opts.maxInFlight ?? 4,
    overlapAfterMs: opts.overlapAfterMs ?? DEFAULT_OVERLAP_AFTER_MS,
  });

  return {
    stats,
    async find(model, idDigest) {
      stats.lookups += 1;
      return (await enqueue({ models: model, idDigest, withUser: true }))?.get(model);
    },
    async findIn(models, idDigest, opts = {}) {
      stats.lookups += 1;
      return (await enqueue({ models: models.join(','), idDigest, withUser: opts.withUser ?? true })) ?? new Map();
    },
  };
}
