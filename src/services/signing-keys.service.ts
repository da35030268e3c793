/**
 * Signing-key lifecycle (design.md §3 "Keys"): keys live in `signing_keys` with the private JWK
 * sealed (AES-256-GCM, src/security/seal.ts), and move `next` → `current` → `retired` → deleted.
 *
 * - A `next` key is published in the JWKS but does not sign, so relying parties and resource servers
 *   can cache it before the first token signed with it appears. It is promoted to `current` once it
 *   is at least `rotationDelaySeconds` old (or at once on an emergency rotation).
 * - Promotion retires the previous `current` key; a retired key stays published until `expires_at` =
 *   retired_at + the longest lifetime of a token it may have signed (ID tokens, and the longest
 *   client access-token TTL, since a client may have issued RFC 9068 JWT access tokens) + clock
 *   tolerance. After that it is deleted.
 * - Every change runs in one transaction under a Postgres advisory lock, and the table allows only
 *   one `current` and one `next` row, so concurrent starts and rotations on several processes
 *   cannot create two keys.
 *
 * Private key material never leaves this module except as {@link LoadedSigningKey.privateJwk}, for
 * the provider keystore; nothing here logs.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'jose';
import type { Knex } from 'knex';
import type { Sealer } from '../security/seal.ts';
import { createSigningKeysRepository } from '../repositories/signing-keys.repository.ts';
import type { SigningKeyRecord, SigningKeyState, SigningKeySummary } from '../repositories/signing-keys.repository.ts';

/** JWS algorithms new signing keys may use (RFC 7518 §3.1). */
export const SIGNING_ALGORITHMS = ['ES256', 'ES384', 'PS256', 'RS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** Public description of a key (ops API, CLI). Never holds private material. */
export interface SigningKeyInfo {
  kid: string;
  alg: string;
  state: SigningKeyState;
  createdAt: Date;
  activatedAt: Date | null;
  retiredAt: Date | null;
  expiresAt: Date | null;
  /** For a `next` key: from when the periodic check promotes it (createdAt + rotation delay). */
  promotableAt: Date | null;
}

/** A key opened for the provider keystore. */
export interface LoadedSigningKey {
  kid: string;
  alg: string;
  state: SigningKeyState;
  /** Private JWK (with `kid`, `alg`, `use: "sig"`). Keep in memory only. */
  privateJwk: JWK;
}

/** Outcome of {@link SigningKeysService.rotate}. */
export interface RotationResult {
  /** The key the rotation is about: the `next` key, or the new `current` key when promoted. */
  key: SigningKeyInfo;
  /** True when this call generated a new key (false: a pending `next` key was reused). */
  created: boolean;
  /** True when this call promoted a key to `current`. */
  promoted: boolean;
  /** kid of the key this call retired, if any. */
  retiredKid: string | undefined;
  /** Every key after the change. */
  keys: SigningKeyInfo[];
}

/** Outcome of {@link SigningKeysService.maintain}. */
export interface MaintenanceResult {
  /** kid of a key that became `current` (promotion or first key). */
  activatedKid: string | undefined;
  retiredKid: string | undefined;
  deletedKids: string[];
}

export interface SigningKeysServiceDeps {
  knex: Knex;
  sealer: Sealer;
  /** Algorithm of newly generated keys. Default ES256. */
  algorithm?: SigningAlgorithm;
  /** Minimum age, in seconds, of a `next` key before the periodic check promotes it. */
  rotationDelaySeconds: number;
  /** ID token lifetime, seconds (a retired key stays published at least this long). */
  idTokenTtlSeconds: number;
  /** Extra seconds a retired key stays published, for clock skew at verifiers. Default 60. */
  clockToleranceSeconds?: number;
  /** Clock; tests may inject one. */
  now?: () => Date;
}

const addSeconds = (d: Date, s: number) => new Date(d.getTime() + s * 1000);

/** Builds the service. */
export function createSigningKeysService(deps: SigningKeysServiceDeps) {
  const algorithm: SigningAlgorithm = deps.algorithm ?? 'ES256';
  const now = deps.now ?? (() => new Date());
  const toleranceSeconds = deps.clockToleranceSeconds ?? 60;
  const repo = createSigningKeysRepository(deps.knex);

  const info = (k: Pick<SigningKeyRecord, 'kid' | 'alg' | 'state' | 'createdAt' | 'activatedAt' | 'retiredAt' | 'expiresAt'>): SigningKeyInfo => ({
    kid: k.kid,
    alg: k.alg,
    state: k.state,
    createdAt: k.createdAt,
    activatedAt: k.activatedAt,
    retiredAt: k.retiredAt,
    expiresAt: k.expiresAt,
    promotableAt: k.state === 'next' ? addSeconds(k.createdAt, deps.rotationDelaySeconds) : null,
  });

  /** Generates a key pair; returns the row to insert (private JWK sealed, bound to its kid). */
  async function generate(state: SigningKeyState, at: Date): Promise<SigningKeyRecord> {
    const { publicKey, privateKey } = await generateKeyPair(algorithm, { extractable: true });
    const pub = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(pub, 'sha256');
    const publicJwk: JWK = { ...pub, kid, alg: algorithm, use: 'sig' };
    const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: algorithm, use: 'sig' };
    return {
      kid,
      alg: algorithm,
      state,
      publicJwk: publicJwk as Record<string, unknown>,
      privateJwkSealed: deps.sealer.seal(JSON.stringify(privateJwk), kid),
      createdAt: at,
      activatedAt: state === 'current' ? at : null,
      retiredAt: null,
      expiresAt: null,
    };
  }

  /** Seconds a key retired now must stay published. */
  async function retentionSeconds(r: ReturnType<typeof createSigningKeysRepository>): Promise<number> {
    return Math.max(deps.idTokenTtlSeconds, await r.maxClientAccessTokenTtlSeconds()) + toleranceSeconds;
  }

  /** Inside a locked transaction: retire the current key and make `kid` (a `next` key) current. */
  async function promote(r: ReturnType<typeof createSigningKeysRepository>, kid: string, at: Date): Promise<string | undefined> {
    const retiredKid = await r.retireCurrent(at, addSeconds(at, await retentionSeconds(r)));
    if (!(await r.activate(kid, at))) throw new Error(`signing key ${kid} is no longer "next"`);
    return retiredKid;
  }

  const service = {
    /** Public info on every key, oldest first. */
    async list(): Promise<SigningKeyInfo[]> {
      return (await repo.list()).map(info);
    },

    /** Cheap per-row summary, for change detection ({@link fingerprint}) and {@link isMaintenanceDue}. */
    summaries(): Promise<SigningKeySummary[]> {
      return repo.summaries();
    },

    /** Identifies the set of keys and their states: equal fingerprints mean an equal keystore. */
    fingerprint(summaries: readonly Pick<SigningKeySummary, 'kid' | 'state'>[]): string {
      return summaries
        .map((s) => `${s.kid}:${s.state}`)
        .sort()
        .join(',');
    },

    /**
     * True when {@link maintain} has something to do: no `current` key, a `next` key past the
     * rotation delay, or a retired key past `expires_at`.
     */
    isMaintenanceDue(summaries: readonly SigningKeySummary[]): boolean {
      const t = now().getTime();
      if (!summaries.some((s) => s.state === 'current')) return true;
      return summaries.some(
        (s) =>
          (s.state === 'next' && s.createdAt.getTime() + deps.rotationDelaySeconds * 1000 <= t) ||
          (s.state === 'retired' && s.expiresAt !== null && s.expiresAt.getTime() <= t),
      );
    },

    /**
     * On first start: creates one `current` key when there is none (promoting a pending `next` key
     * instead, if one exists). Safe when several processes start at once on one database.
     * @returns true when this call created or activated a key.
     * @throws SealError never (nothing is opened here); database errors propagate.
     */
    async ensureCurrentKey(): Promise<boolean> {
      if ((await repo.summaries()).some((s) => s.state === 'current')) return false;
      const candidate = await generate('current', now());
      return deps.knex.transaction(async (trx) => {
        const r = createSigningKeysRepository(trx);
        await r.lockForChange();
        const keys = await r.list();
        if (keys.some((k) => k.state === 'current')) return false;
        const next = keys.find((k) => k.state === 'next');
        if (next) {
          await promote(r, next.kid, now());
          return true;
        }
        return r.insertIfAbsent({ ...candidate, createdAt: now(), activatedAt: now() });
      });
    },

    /**
     * Starts a rotation: creates a `next` key (published, not signing) unless one is pending. With
     * `immediate`, also promotes it to `current` at once, retiring the current key (emergencies:
     * verifiers that have not refetched the JWKS may reject new tokens for a short while).
     */
    async rotate(opts: { immediate?: boolean } = {}): Promise<RotationResult> {
      const candidate = await generate('next', now());
      const outcome = await deps.knex.transaction(async (trx) => {
        const r = createSigningKeysRepository(trx);
        await r.lockForChange();
        const at = now();
        let next = (await r.list()).find((k) => k.state === 'next');
        let created = false;
        if (!next) {
          next = { ...candidate, createdAt: at };
          if (!(await r.insertIfAbsent(next))) throw new Error('could not store the new signing key');
          created = true;
        }
        let retiredKid: string | undefined;
        if (opts.immediate) retiredKid = await promote(r, next.kid, at);
        return { kid: next.kid, created, promoted: opts.immediate === true, retiredKid, keys: (await r.list()).map(info) };
      });
      return { ...outcome, key: outcome.keys.find((k) => k.kid === outcome.kid)! };
    },

    /**
     * The periodic step: ensures a `current` key, promotes a `next` key older than the rotation
     * delay, deletes retired keys past `expires_at`. One process at a time (advisory lock).
     */
    async maintain(): Promise<MaintenanceResult> {
      const result: MaintenanceResult = { activatedKid: undefined, retiredKid: undefined, deletedKids: [] };
      const hasCurrent = (await repo.summaries()).some((s) => s.state === 'current');
      const candidate = hasCurrent ? undefined : await generate('current', now());
      await deps.knex.transaction(async (trx) => {
        const r = createSigningKeysRepository(trx);
        await r.lockForChange();
        const at = now();
        const keys = await r.list();
        const next = keys.find((k) => k.state === 'next');
        const current = keys.find((k) => k.state === 'current');
        if (next && (!current || next.createdAt.getTime() + deps.rotationDelaySeconds * 1000 <= at.getTime())) {
          result.retiredKid = await promote(r, next.kid, at);
          result.activatedKid = next.kid;
        } else if (!current && candidate) {
          if (await r.insertIfAbsent({ ...candidate, createdAt: at, activatedAt: at })) result.activatedKid = candidate.kid;
        }
        result.deletedKids = await r.deleteExpired(at);
      });
      return result;
    },

    /**
     * Every key with its private JWK opened, for the provider keystore.
     * @throws SealError when a key was sealed under a key-encryption key that is not configured, or
     *   its sealed value was altered.
     */
    async loadKeys(): Promise<{ fingerprint: string; keys: LoadedSigningKey[] }> {
      const records = await repo.list();
      const keys = records.map((k) => ({
        kid: k.kid,
        alg: k.alg,
        state: k.state,
        privateJwk: JSON.parse(deps.sealer.open(k.privateJwkSealed, k.kid)) as JWK,
      }));
      const fingerprint = service.fingerprint(records);
      return { fingerprint, keys };
    },
  };
  return service;
}

export type SigningKeysService = ReturnType<typeof createSigningKeysService>;
