/**
 * SQL for `signing_keys` (migrations/007_signing_keys.ts; design.md §3 "Keys"). Private JWKs are
 * stored and returned only sealed; this layer never sees them in clear.
 */
import type { Knex } from 'knex';

/** Lifecycle state of a signing key: `next` is published only, `current` signs, `retired` verifies. */
export type SigningKeyState = 'next' | 'current' | 'retired';

/** One row of `signing_keys`. */
export interface SigningKeyRecord {
  kid: string;
  /** JWS algorithm (RFC 7518 §3.1), e.g. `ES256`. */
  alg: string;
  state: SigningKeyState;
  /** Public JWK (no private members), as published in the JWKS. */
  publicJwk: Record<string, unknown>;
  /** The private JWK sealed with AES-256-GCM (src/security/seal.ts). */
  privateJwkSealed: string;
  createdAt: Date;
  /** When the key became `current`; null while `next`. */
  activatedAt: Date | null;
  retiredAt: Date | null;
  /** When a retired key may be deleted; null unless retired. */
  expiresAt: Date | null;
}

/** The cheap per-row summary read on every refresh check. */
export type SigningKeySummary = Pick<SigningKeyRecord, 'kid' | 'state' | 'createdAt' | 'expiresAt'>;

/** Advisory lock key serializing every change to `signing_keys` across processes ("ccsk"). */
export const SIGNING_KEYS_LOCK_KEY = 0x6363736b;

interface Row {
  kid: string;
  alg: string;
  state: SigningKeyState;
  public_jwk: Record<string, unknown> | string;
  private_jwk_sealed: string;
  created_at: Date | string;
  activated_at: Date | string | null;
  retired_at: Date | string | null;
  expires_at: Date | string | null;
}

const toDate = (v: Date | string | null): Date | null => (v === null ? null : v instanceof Date ? v : new Date(v));

function toRecord(r: Row): SigningKeyRecord {
  return {
    kid: r.kid,
    alg: r.alg,
    state: r.state,
    publicJwk: typeof r.public_jwk === 'string' ? (JSON.parse(r.public_jwk) as Record<string, unknown>) : r.public_jwk,
    privateJwkSealed: r.private_jwk_sealed,
    createdAt: toDate(r.created_at)!,
    activatedAt: toDate(r.activated_at),
    retiredAt: toDate(r.retired_at),
    expiresAt: toDate(r.expires_at),
  };
}

/** Repository over `signing_keys`; pass a transaction for multi-statement changes. */
export function createSigningKeysRepository(db: Knex | Knex.Transaction) {
  return {
    /**
     * Takes the transaction-scoped advisory lock that serializes key changes across processes.
     * Must run inside a transaction; released at commit/rollback.
     */
    async lockForChange(): Promise<void> {
      await db.raw('SELECT pg_advisory_xact_lock(?)', [SIGNING_KEYS_LOCK_KEY]);
    },

    /** Every key, oldest first, with its sealed private JWK. */
    async list(): Promise<SigningKeyRecord[]> {
      const rows = (await db('signing_keys').select('*').orderBy([{ column: 'created_at', order: 'asc' }, { column: 'kid', order: 'asc' }])) as Row[];
      return rows.map(toRecord);
    },

    /** kid, state, created_at and expires_at of every key, ordered by kid (the refresh fingerprint). */
    async summaries(): Promise<SigningKeySummary[]> {
      const rows = (await db('signing_keys').select('kid', 'state', 'created_at', 'expires_at').orderBy('kid')) as Pick<Row, 'kid' | 'state' | 'created_at' | 'expires_at'>[];
      return rows.map((r) => ({ kid: r.kid, state: r.state, createdAt: toDate(r.created_at)!, expiresAt: toDate(r.expires_at) }));
    },

    /**
     * Inserts a key unless that would break a uniqueness rule (same kid, or a second `current` /
     * `next`). Returns true when the row was inserted.
     */
    async insertIfAbsent(k: SigningKeyRecord): Promise<boolean> {
      const rows = await db('signing_keys')
        .insert({
          kid: k.kid,
          alg: k.alg,
          state: k.state,
          public_jwk: JSON.stringify(k.publicJwk),
          private_jwk_sealed: k.privateJwkSealed,
          created_at: k.createdAt,
          activated_at: k.activatedAt,
          retired_at: k.retiredAt,
          expires_at: k.expiresAt,
        })
        .onConflict()
        .ignore()
        .returning(['kid']);
      return rows.length === 1;
    },

    /** Moves the `current` key to `retired`; returns its kid (undefined when there was none). */
    async retireCurrent(retiredAt: Date, expiresAt: Date): Promise<string | undefined> {
      const rows = (await db('signing_keys')
        .where({ state: 'current' })
        .update({ state: 'retired', retired_at: retiredAt, expires_at: expiresAt }, ['kid'])) as { kid: string }[];
      return rows[0]?.kid;
    },

    /** Moves the `next` key `kid` to `current`. Returns false when it is not (or no longer) `next`. */
    async activate(kid: string, activatedAt: Date): Promise<boolean> {
      const rows = (await db('signing_keys').where({ kid, state: 'next' }).update({ state: 'current', activated_at: activatedAt }, ['kid'])) as { kid: string }[];
      return rows.length === 1;
    },

    /** Deletes retired keys whose `expires_at` is at or before `now`; returns their kids. */
    async deleteExpired(now: Date): Promise<string[]> {
      const rows = (await db('signing_keys').where({ state: 'retired' }).andWhere('expires_at', '<=', now).delete(['kid'])) as { kid: string }[];
      return rows.map((r) => r.kid);
    },

    /**
     * The longest access-token lifetime configured on any client, in seconds (0 without clients).
     * A retired key stays published at least this long, whatever format the client has today.
     */
    async maxClientAccessTokenTtlSeconds(): Promise<number> {
      const row = (await db('clients').max({ m: 'access_token_ttl_seconds' }).first()) as { m: number | string | null } | undefined;
      return Number(row?.m ?? 0);
    },
  };
}

export type SigningKeysRepository = ReturnType<typeof createSigningKeysRepository>;
