/**
 * Lockout of the login page after repeated failures for one login name (docs/signing-in.md "Signing in";
 * OWASP Authentication Cheat Sheet, "Account lockout"). The policy:
 *
 * - Failures are counted per canonical login name (`domain\user` with the domain lowercased and the
 *   user in canonical form, or the bare name) and source address, whether or not such a user
 *   exists, so the lock reveals nothing about which names are real. Keyed by the address too, a
 *   flood from one address locks that address out, not the owner elsewhere (docs/security-model.md; the per-name
 *   and per-address limits on top are in rate-limit.service.ts). Without an address (older
 *   callers) the count is per name alone.
 * - Every `maxFailures`-th consecutive failure locks the name: the k-th lock lasts
 *   `lockoutSeconds × 2^(k−1)` seconds, capped at `lockoutMaxSeconds`. A lock is therefore always
 *   time-bounded: a flood of wrong passwords can delay the owner, never lock them out for good.
 * - While locked, every attempt is refused without checking the password and without counting,
 *   so attempts during a lock neither extend it nor burn password-hash CPU.
 * - A successful sign-in forgets the count. So does `lockoutMaxSeconds` of quiet (no failure and
 *   no lock in force).
 *
 * State lives in PostgreSQL (one row per name, database clock), so the count and the lock hold
 * across every ccauth process.
 */
import { createHash } from 'node:crypto';
import { canonicalUsername } from '../domain/user.ts';
import type { LoginAttemptsRepository } from '../repositories/login-attempts.repository.ts';
import { splitLogin } from './principals.service.ts';

/** The lockout policy; all durations in seconds. */
export interface LoginLockoutPolicy {
  /** Consecutive failures that lock a name (LOGIN_MAX_FAILURES). */
  readonly maxFailures: number;
  /** Length of the first lock (LOGIN_LOCKOUT_SECONDS); each further lock doubles it. */
  readonly lockoutSeconds: number;
  /** Longest lock (LOGIN_LOCKOUT_MAX_SECONDS); also how long a quiet name's failures are remembered. */
  readonly lockoutMaxSeconds: number;
}

/** Defaults: 5 failures, then 60 s, 120 s, 240 s, ... up to 15 minutes. */
export const DEFAULT_LOGIN_LOCKOUT_POLICY: LoginLockoutPolicy = Object.freeze({ maxFailures: 5, lockoutSeconds: 60, lockoutMaxSeconds: 900 });

/**
 * How long (seconds) the `failures`-th consecutive failure locks the name: 0 unless `failures` is
 * a multiple of `maxFailures`; else `lockoutSeconds × 2^(k−1)` for the k-th lock, capped.
 */
export function lockDurationSeconds(policy: LoginLockoutPolicy, failures: number): number {
  if (failures <= 0 || failures % policy.maxFailures !== 0) return 0;
  const k = failures / policy.maxFailures;
  return Math.min(policy.lockoutMaxSeconds, policy.lockoutSeconds * 2 ** Math.min(k - 1, 30));
}

/**
 * The canonical form of a login name as the login page counts it: `domain\user` (domain
 * lowercased, user NFC + case-folded, genesys-api.md §7), taking the domain from `tenant` when the
 * login has none; otherwise the whole name in canonical form.
 */
export function loginKey(login: string, tenant?: string): string {
  const parts = splitLogin(login, tenant || undefined);
  return parts ? `${parts.domain}\\${canonicalUsername(parts.username)}` : canonicalUsername(login);
}

const digest = (key: string) => createHash('sha256').update(key, 'utf8').digest('base64url');
/** The row key: digest of the canonical name, or of name + NUL + address when an address is given. */
const rowKey = (login: string, tenant: string | undefined, address: string | undefined) =>
  digest(address === undefined ? loginKey(login, tenant) : `${loginKey(login, tenant)}\0${address}`);

/** The lockout of the login page (see the module comment for the policy). */
export interface LoginAttemptsService {
  /** The policy in force. */
  readonly policy: LoginLockoutPolicy;
  /** Seconds until `login` (from `address`, when given) may try again; 0 when it may try now. */
  lockedForSeconds(login: string, tenant?: string, address?: string): Promise<number>;
  /** Counts a failure; returns the seconds of the lock it started, or 0 when it started none. */
  recordFailure(login: string, tenant?: string, address?: string): Promise<number>;
  /** Forgets the failures of `login` (from `address`, when given) after a successful sign-in. */
  recordSuccess(login: string, tenant?: string, address?: string): Promise<void>;
}

/**
 * Builds the service. Stale rows are purged opportunistically, at most once per
 * `purgeIntervalMs` (default 10 minutes) per process, on a recorded failure.
 */
export function createLoginAttemptsService(deps: {
  repo: LoginAttemptsRepository;
  policy?: LoginLockoutPolicy;
  purgeIntervalMs?: number;
}): LoginAttemptsService {
  const policy = deps.policy ?? DEFAULT_LOGIN_LOCKOUT_POLICY;
  const purgeIntervalMs = deps.purgeIntervalMs ?? 600_000;
  let lastPurgeMs = 0;

  async function maybePurge(): Promise<void> {
    const now = Date.now();
    if (now - lastPurgeMs < purgeIntervalMs) return;
    lastPurgeMs = now;
    try {
      await deps.repo.purgeStale(policy.lockoutMaxSeconds, 1000);
    } catch {
      // best effort: a failed purge must not fail a sign-in; the next one retries
    }
  }

  return {
    policy,
    async lockedForSeconds(login, tenant, address) {
      return deps.repo.lockedForSeconds(rowKey(login, tenant, address));
    },
    async recordFailure(login, tenant, address) {
      const key = rowKey(login, tenant, address);
      const failures = await deps.repo.recordFailure(key, policy.lockoutMaxSeconds);
      const seconds = lockDurationSeconds(policy, failures);
      if (seconds > 0) await deps.repo.lock(key, seconds);
      await maybePurge();
      return seconds;
    },
    async recordSuccess(login, tenant, address) {
      await deps.repo.clear(rowKey(login, tenant, address));
    },
  };
}
