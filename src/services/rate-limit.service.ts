/**
 * Limits on failed authentication (issue 5 §1; README "Security model"; RFC 6749 §4.3.2, §10.10;
 * RFC 6819 §4.3.2 and §4.4.3.6 "online guessing"; OWASP ASVS 5.0 V6.1.1, V6.3).
 *
 * Every credential check (client secret on the token, introspection and revocation endpoints;
 * password grant; login page; ops console; ops Basic on the admin APIs) runs as an *attempt*:
 * {@link CredentialGuard.begin} before the password hash is computed, then exactly one of
 * `succeeded()` / `failed()`. Only failures count: `begin` reserves a point in each limiter
 * (atomic, so N concurrent guesses cannot all slip under the limit) and `succeeded()` gives it
 * back. Refused attempts never reach the password hash.
 *
 * The layers, for a subject S (a client id, or a canonical login name: `domain\user`, `ops`) and
 * a source address A (`ctx.ip`):
 *
 * | layer | key | default | when over |
 * | --- | --- | --- | --- |
 * | pair, clients | (client id, A) | 10 failures / 15 min | refused for 15 min |
 * | pair, login names | (name, A) | login_attempts lockout: 5 failures → 60 s, doubling per further lock up to 15 min | refused until the lock ends |
 * | subject, clients | client id | 100 failures / 15 min | refused for 15 min, except from a known address |
 * | subject, login names | name | 50 failures / 15 min | refused for 15 min, except from a known address |
 * | address | A | 200 failures / 15 min, all subjects | refused for 15 min |
 *
 * A *known address* of S is one S authenticated from within the last 30 days
 * (RATE_LIMIT_KNOWN_ADDRESS_DAYS). The pair layer blocks a guesser fast, and since a refused
 * attempt counts nowhere else, one address can push at most 10 (clients) or 5 per lock (names)
 * failures into the subject's count per window. It takes many addresses to reach the subject
 * limit, that block ends after 15 minutes, and it never applies to the owner's known addresses:
 * a flood of wrong passwords cannot lock the owner out from their own address, nor for good from
 * another. A refusal by the subject or address layer still counts against the pair.
 *
 * Storage: the pair lockout of login names is `login_attempts` (login-attempts.service.ts); every
 * other layer is rate-limiter-flexible (repositories/rate-limits.repository.ts): PostgreSQL, shared
 * by every process; in memory (this process only) on the embedded PGlite database.
 */
import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '../observability/logger.ts';
import type { Limiter, RateLimiterStore } from '../repositories/rate-limits.repository.ts';
import type { LoginAttemptsService } from './login-attempts.service.ts';
import { loginKey } from './login-attempts.service.ts';
import type { AuthSurface, SecurityEventName, SecurityEvents } from './security-events.service.ts';
import { subjectDigest } from './security-events.service.ts';

/** The numbers (all durations in seconds). Config: RATE_LIMIT_* (config.ts). */
export interface RateLimitPolicy {
  /** Window over which failures are counted (RATE_LIMIT_WINDOW_SECONDS, 900). */
  readonly windowSeconds: number;
  /** Block started by the first refused attempt (RATE_LIMIT_BLOCK_SECONDS, 900). */
  readonly blockSeconds: number;
  /** Failures per (client id, address) per window (RATE_LIMIT_CLIENT_ADDRESS_FAILURES, 10). */
  readonly clientAddressFailures: number;
  /** Failures per client id per window, known addresses exempt (RATE_LIMIT_CLIENT_FAILURES, 100). */
  readonly clientFailures: number;
  /** Failures per login name per window, known addresses exempt (RATE_LIMIT_USER_FAILURES, 50). */
  readonly userFailures: number;
  /** Failures per source address per window, every subject (RATE_LIMIT_ADDRESS_FAILURES, 200). */
  readonly addressFailures: number;
  /** How long a successful authentication makes its address known (RATE_LIMIT_KNOWN_ADDRESS_DAYS × 86400; 0 disables). */
  readonly knownAddressSeconds: number;
}

/** Production defaults (README "Security model"). */
export const DEFAULT_RATE_LIMIT_POLICY: RateLimitPolicy = Object.freeze({
  windowSeconds: 900,
  blockSeconds: 900,
  clientAddressFailures: 10,
  clientFailures: 100,
  userFailures: 50,
  addressFailures: 200,
  knownAddressSeconds: 30 * 86_400,
});

/** Who is authenticating: a client (by id) or a login name (as typed; canonicalized here). */
export type AuthSubject = { kind: 'client'; clientId: string } | { kind: 'user'; login: string; tenant?: string | undefined };

/** The limiter that refused an attempt (also the `limiter` label of `ccauth_rate_limit_rejections_total`). */
export type LimiterName = 'client_addr' | 'user_addr' | 'client' | 'user' | 'addr';

/** An attempt that was refused before any password hash ran. */
export interface Refusal {
  ok: false;
  /** Whole seconds (≥ 1) until the refusing limit lets this subject/address try again (`Retry-After`). */
  retryAfterSeconds: number;
  limiter: LimiterName;
}

/** An attempt that may go ahead; report its outcome exactly once. */
export interface Attempt {
  ok: true;
  /** The credential was right: gives the reserved points back, resets the pair, remembers the address. Never throws. */
  succeeded(): Promise<void>;
  /**
   * The credential was wrong (or the subject does not exist): keeps the points, records the
   * security event, and returns the seconds of a lock this failure started (0 when none).
   */
  failed(): Promise<{ lockedForSeconds: number }>;
  /** The check could not run (e.g. the database failed): gives every reserved point back and records nothing. Never throws. */
  cancel(): Promise<void>;
}

/** Context of one attempt. */
export interface AttemptOptions {
  surface: AuthSurface;
  /** The request's logger (events are written on it). */
  log?: Logger | undefined;
  /** The client the attempt came through (login page, password grant): carried in the events. */
  clientId?: string | undefined;
}

/** The guard (see the module comment for the policy). */
export interface CredentialGuard {
  readonly policy: RateLimitPolicy;
  /** True when the limits hold across processes (PostgreSQL); false: this process only (PGlite). */
  readonly shared: boolean;
  /** Starts an attempt: reserves a failure in every layer, or refuses without reserving beyond the pair. */
  begin(subject: AuthSubject, address: string, opts: AttemptOptions): Promise<Attempt | Refusal>;
  /**
   * Seconds this process knows (subject, address) to be refused, without any I/O; 0 when it knows
   * of no block. Lets a credential answered from a success cache be refused while its pair is
   * blocked (else a blocked guesser would learn "right" from a 200 and "wrong" from a 429).
   */
  pairBlockedForSeconds(subject: AuthSubject, address: string): number;
  /** Counts a refusal made outside {@link begin} from {@link pairBlockedForSeconds} (metrics only). */
  noteRefused?(limiter: LimiterName): void;
  /**
   * A success answered from a success cache (no attempt): makes the address known for the subject
   * like {@link Attempt.succeeded} does, written at most once a day per pair and process, in the
   * background (never throws, never waits).
   */
  noteSuccess(subject: AuthSubject, address: string): void;
}

const digest = (s: string) => hash('sha256', s, 'base64url');
const secondsOf = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
const isRefusal = (e: unknown): e is RateLimiterRes => e instanceof RateLimiterRes;

/** Which failure event a surface records. */
function failureEvent(surface: AuthSurface): SecurityEventName {
  if (surface === 'token' || surface === 'introspection' || surface === 'revocation') return 'client_auth_failed';
  if (surface === 'ops_api' || surface === 'environment_api') return 'ops_auth_failed';
  return 'login_failed';
}

/**
 * Builds the guard.
 * @param deps.store limiter storage (PostgreSQL or memory)
 * @param deps.attempts the pair lockout of login names (login_attempts)
 * @param deps.events security event recorder
 * @param deps.onRefused called once per refused attempt (metrics: `ccauth_rate_limit_rejections_total`)
 */
export function createCredentialGuard(deps: {
  store: RateLimiterStore;
  attempts: LoginAttemptsService;
  events: SecurityEvents;
  policy?: RateLimitPolicy;
  onRefused?: (limiter: LimiterName) => void;
  purgeIntervalMs?: number;
}): CredentialGuard {
  const policy = deps.policy ?? DEFAULT_RATE_LIMIT_POLICY;
  const w = policy.windowSeconds;
  const b = policy.blockSeconds;
  const limiters: Record<Exclude<LimiterName, 'user_addr'>, Limiter> = {
    client_addr: deps.store.limiter({ name: 'client_addr', points: policy.clientAddressFailures, durationSeconds: w, blockSeconds: b }),
    client: deps.store.limiter({ name: 'client', points: policy.clientFailures, durationSeconds: w, blockSeconds: b }),
    user: deps.store.limiter({ name: 'user', points: policy.userFailures, durationSeconds: w, blockSeconds: b }),
    addr: deps.store.limiter({ name: 'addr', points: policy.addressFailures, durationSeconds: w, blockSeconds: b }),
  };
  const known = policy.knownAddressSeconds > 0 ? deps.store.limiter({ name: 'known', points: 1_000_000, durationSeconds: policy.knownAddressSeconds, blockSeconds: 0 }) : undefined;
  /** Pairs this process saw refused or exhausted: pair digest → epoch ms until which it is refused. */
  const blockedPairs = new LRUCache<string, number>({ maxSize: 50_000, sizeCalculation: () => 1 });
  /**
   * Pairs this process recently made known (so a cached success writes at most once a day). Both
   * maps hold at most 50,000 entries, bounded with `maxSize` so lru-cache does not preallocate
   * arrays for all of them (rate-limits.repository.ts).
   */
  const knownMarked = new LRUCache<string, true>({ maxSize: 50_000, sizeCalculation: () => 1, ttl: 86_400_000 });
  const purgeIntervalMs = deps.purgeIntervalMs ?? 600_000;
  let lastPurgeMs = Date.now();

  /** Pair digests of recent (subject, address) pairs: the cached-success path asks twice a request. */
  const pairDigests = new LRUCache<string, string>({ max: 10_000 });
  const identify = (s: AuthSubject) => {
    const id = s.kind === 'client' ? s.clientId : loginKey(s.login, s.tenant);
    return {
      id,
      get subject() {
        return digest(`${s.kind}\0${id}`);
      },
      pair: (address: string) => {
        const plain = `${s.kind}\0${id}\0${address}`;
        let d = pairDigests.get(plain);
        if (d === undefined) pairDigests.set(plain, (d = digest(plain)));
        return d;
      },
    };
  };
  const markPair = (pair: string, ms: number) => blockedPairs.set(pair, Date.now() + ms, { ttl: Math.max(1, ms) });

  function refuse(limiter: LimiterName, retryAfterSeconds: number, started: boolean, ev: { address: string; opts: AttemptOptions; clientId?: string | undefined; subject?: string | undefined }): Refusal {
    deps.onRefused?.(limiter);
    deps.events.record(
      {
        name: 'rate_limited',
        surface: ev.opts.surface,
        address: ev.address,
        ...(ev.clientId !== undefined ? { clientId: ev.clientId } : {}),
        ...(ev.subject !== undefined ? { subject: ev.subject } : {}),
        detail: { limiter, retry_after_seconds: retryAfterSeconds, block_started: started },
        // one audit row and one warning per block (when it starts); every other refusal at debug
        logOnly: !started,
        ...(started ? {} : { level: 'debug' as const }),
      },
      ev.opts.log,
    );
    return { ok: false, retryAfterSeconds, limiter };
  }

  async function maybePurge(): Promise<void> {
    const now = Date.now();
    if (now - lastPurgeMs < purgeIntervalMs) return;
    lastPurgeMs = now;
    try {
      await deps.store.purgeExpired(3_600_000, 1000);
    } catch {
      // best effort; the next failure retries
    }
  }

  return {
    policy,
    shared: deps.store.shared,

    noteRefused: (limiter) => deps.onRefused?.(limiter),

    noteSuccess(subject, address) {
      if (!known) return;
      const who = identify(subject);
      const pairKey = who.pair(address);
      if (knownMarked.get(pairKey)) return;
      knownMarked.set(pairKey, true);
      known.set(pairKey, 1, policy.knownAddressSeconds, `${subject.kind}:${who.id}`).catch(() => knownMarked.delete(pairKey));
    },

    pairBlockedForSeconds(subject, address) {
      if (blockedPairs.size === 0) return 0; // the common case: nothing blocked in this process
      const until = blockedPairs.get(identify(subject).pair(address));
      return until === undefined || until <= Date.now() ? 0 : secondsOf(until - Date.now());
    },

    async begin(subject, address, opts) {
      const who = identify(subject);
      const pairKey = who.pair(address);
      /** Fair-queue lane of this attempt's statements: its subject. */
      const lane = `${subject.kind}:${who.id}`;
      const isClient = subject.kind === 'client';
      const ev = {
        address,
        opts,
        clientId: isClient ? who.id : opts.clientId,
        subject: isClient ? undefined : subjectDigest(who.id),
      };

      // 1. the pair
      let pairRes: RateLimiterRes | undefined;
      if (isClient) {
        try {
          pairRes = await limiters.client_addr.consume(pairKey, lane);
        } catch (err) {
          if (!isRefusal(err)) throw err;
          markPair(pairKey, err.msBeforeNext);
          return refuse('client_addr', secondsOf(err.msBeforeNext), err.consumedPoints === policy.clientAddressFailures + 1, ev);
        }
      } else {
        const lockedFor = await deps.attempts.lockedForSeconds(subject.login, subject.tenant, address);
        if (lockedFor > 0) {
          markPair(pairKey, lockedFor * 1000);
          return refuse('user_addr', lockedFor, false, ev); // the lock's start was audited by failed()
        }
      }

      // 2. the subject and the address (a refusal by the subject limit does not apply to a known address of S)
      const subjectName = isClient ? 'client' : 'user';
      const steps: { name: LimiterName; limiter: Limiter; key: string; points: number }[] = [
        { name: 'addr', limiter: limiters.addr, key: digest(address), points: policy.addressFailures },
        { name: subjectName, limiter: limiters[subjectName], key: who.subject, points: isClient ? policy.clientFailures : policy.userFailures },
      ];
      const results = await Promise.allSettled(steps.map((s) => s.limiter.consume(s.key, lane)));
      const consumed: { limiter: Limiter; key: string }[] = [];
      const refused: { name: LimiterName; seconds: number; started: boolean }[] = [];
      let failure: unknown;
      for (const [i, r] of results.entries()) {
        const step = steps[i]!;
        if (r.status === 'fulfilled') consumed.push({ limiter: step.limiter, key: step.key });
        else if (!isRefusal(r.reason)) failure = r.reason;
        else if (step.name === subjectName && known && (await known.get(pairKey, lane).catch(() => null)) !== null) continue;
        else refused.push({ name: step.name, seconds: secondsOf(r.reason.msBeforeNext), started: r.reason.consumedPoints === step.points + 1 });
      }
      if (refused.length || failure) {
        // the attempt does not happen: give back what it took beyond the pair (the pair keeps its point)
        await Promise.allSettled(consumed.map((c) => c.limiter.reward(c.key, 1, lane)));
        if (failure) throw failure;
        const worst = refused.reduce((a, r) => (r.seconds > a.seconds ? r : a));
        return refuse(worst.name, worst.seconds, refused.some((r) => r.started), ev);
      }

      let settled = false;
      return {
        ok: true,
        async cancel() {
          if (settled) return;
          settled = true;
          const work: Promise<unknown>[] = consumed.map((c) => c.limiter.reward(c.key, 1, lane));
          if (isClient) work.push(limiters.client_addr.reward(pairKey, 1, lane));
          await Promise.allSettled(work);
        },
        async succeeded() {
          if (settled) return;
          settled = true;
          blockedPairs.delete(pairKey);
          const work: Promise<unknown>[] = consumed.map((c) => c.limiter.reward(c.key, 1, lane));
          work.push(isClient ? limiters.client_addr.delete(pairKey, lane) : deps.attempts.recordSuccess(subject.login, subject.tenant, address));
          if (known) {
            knownMarked.set(pairKey, true);
            work.push(known.set(pairKey, 1, policy.knownAddressSeconds, lane));
          }
          const outcomes = await Promise.allSettled(work);
          const err = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult | undefined;
          if (err) opts.log?.warn({ err: err.reason, event: 'rate_limit_bookkeeping_failed' }, 'could not reset failure counters after a success');
        },
        async failed() {
          if (settled) return { lockedForSeconds: 0 };
          settled = true;
          let lockedForSeconds = 0;
          if (isClient) {
            // the last failure the pair allows starts its block (as the login-name lockout does)
            if (pairRes && pairRes.remainingPoints === 0 && (blockedPairs.get(pairKey) ?? 0) <= Date.now()) {
              const blockRes = await limiters.client_addr.block(pairKey, policy.blockSeconds, lane).catch(() => undefined);
              lockedForSeconds = blockRes ? secondsOf(blockRes.msBeforeNext) : policy.blockSeconds;
            }
          } else {
            lockedForSeconds = await deps.attempts.recordFailure(subject.login, subject.tenant, address);
          }
          deps.events.record(
            {
              name: failureEvent(opts.surface),
              surface: opts.surface,
              address,
              ...(ev.clientId !== undefined ? { clientId: ev.clientId } : {}),
              ...(ev.subject !== undefined ? { subject: ev.subject } : {}),
              ...(lockedForSeconds > 0 ? { detail: { locked_for_seconds: lockedForSeconds } } : {}),
            },
            opts.log,
          );
          if (lockedForSeconds > 0) {
            markPair(pairKey, lockedForSeconds * 1000);
            refuseStarted(isClient ? 'client_addr' : 'user_addr', lockedForSeconds);
          }
          await maybePurge();
          return { lockedForSeconds };
        },
      };

      /** Records the start of a lock by this failure (one audit row; not counted as a refused request). */
      function refuseStarted(limiter: LimiterName, seconds: number) {
        deps.events.record(
          {
            name: 'rate_limited',
            surface: opts.surface,
            address,
            ...(ev.clientId !== undefined ? { clientId: ev.clientId } : {}),
            ...(ev.subject !== undefined ? { subject: ev.subject } : {}),
            detail: { limiter, retry_after_seconds: seconds, block_started: true },
          },
          opts.log,
        );
      }
    },
  };
}
