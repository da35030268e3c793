/**
 * Limits on failed authentication (README "Security model" → "Brute force and abuse"; RFC 6749 §4.3.2, §10.10;
 * RFC 6819 §4.3.2 and §4.4.3.6 "online guessing"; OWASP ASVS 5.0 V6.1.1, V6.3).
 *
 * Every credential check (client secret on the token, introspection and revocation endpoints;
 * password grant; login page; ops console; ops Basic on the admin APIs) runs as an *attempt*:
 * {@link CredentialGuard.begin} before the password hash is computed, then exactly one of
 * `succeeded()` / `failed()` / `cancel()`. Only failed verifications count or block: `begin` holds
 * a place in each layer's *in-flight* counter (shared, like the failure counts) and goes ahead
 * only while failures + attempts in flight fit under the limit, so N concurrent guesses cannot all
 * slip under it; when the room is taken by attempts still being verified it waits for them instead
 * of refusing, and a success frees its place without counting anything, so N concurrent right
 * credentials all get through, with no block and no event (see {@link createCredentialGuard}).
 * Refused attempts never reach the password hash.
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
  /** The credential was right: counts nothing, frees its in-flight places, resets the pair, remembers the address. Never throws. */
  succeeded(): Promise<void>;
  /**
   * The credential was wrong (or the subject does not exist): keeps the points, records the
   * security event, and returns the seconds of a lock this failure started (0 when none).
   */
  failed(): Promise<{ lockedForSeconds: number }>;
  /** The check could not run (e.g. the database failed): frees its in-flight places and records nothing. Never throws. */
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
  /**
   * Starts an attempt: refuses it (a layer's failures are at its limit), or holds its place in
   * every layer's in-flight count and lets it go ahead, waiting first (up to
   * {@link MAX_ADMISSION_WAIT_MS}) while attempts already in flight fill the room left under a limit.
   * Throws when the limiter storage fails and no fallback answers.
   */
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
 * Window of the in-flight counters, seconds. An attempt being verified holds one point in each of
 * its layers' in-flight counters (shared by every process) until it settles; a process that dies
 * mid-attempt leaves its points behind for at most this long.
 */
export const IN_FLIGHT_WINDOW_SECONDS = 300;
/** Longest an attempt waits for the attempts in flight ahead of it on a full key, ms; then it is refused with `Retry-After: 1`. */
export const MAX_ADMISSION_WAIT_MS = 30_000;
/** "No limit" for the in-flight counters (they never refuse by themselves). */
const IN_FLIGHT_POINTS = 1_000_000_000;
/** An in-flight point whose window ends within this many ms is left to the window (giving it back could count below zero in the next one). */
const WINDOW_END_MARGIN_MS = 2_000;

type CountedLimiter = Exclude<LimiterName, 'user_addr'>;

/** One counted layer: confirmed failures (window, block) and the attempts in flight. */
interface Layer {
  name: CountedLimiter;
  limit: number;
  /** Failed verifications (and, for a pair, refusals by the other layers); blocks over the limit. */
  failures: Limiter;
  /** Attempts being verified now, in every process. */
  inFlight: Limiter;
}

/** What one layer says about an attempt. */
type Admission =
  | { kind: 'admitted'; layer: Layer; key: string; windowEndsAt: number }
  | { kind: 'skipped'; layer: Layer; key: string }
  | { kind: 'refused'; layer: Layer; key: string; res: RateLimiterRes; fromMemory: boolean }
  | { kind: 'full'; layer: Layer; key: string };

/** Attempts of this process holding, or waiting for, one layer key. */
interface LocalKey {
  holders: number;
  waiters: (() => void)[];
}

/**
 * Builds the guard.
 *
 * Admission (why concurrent right credentials never count, and a burst of wrong ones is still held
 * to the limit): an attempt adds itself to each layer's in-flight counter, *then* reads that layer's
 * failure count F, and goes ahead only if F + (attempts in flight, itself included) ≤ the limit.
 * A failure adds to F before it leaves the in-flight counter, so no interleaving lets more attempts
 * be verified than the limit has room for: a burst of N wrong guesses gets exactly `limit − F`
 * verifications, in one process or across several. An attempt that finds F at the limit is refused;
 * one that finds the room taken by attempts still in flight waits for them (woken when a local one
 * settles; polling 20-320 ms when they run in another process) and tries again; a success frees its
 * room without counting anything, so N concurrent right credentials all get through.
 *
 * @param deps.store limiter storage (PostgreSQL or memory)
 * @param deps.attempts the pair lockout of login names (login_attempts)
 * @param deps.events security event recorder
 * @param deps.onRefused called once per refused attempt (metrics: `ccauth_rate_limit_rejections_total`)
 * @param deps.maxWaitMs longest wait for room on a full key, ms (default {@link MAX_ADMISSION_WAIT_MS})
 * @param deps.inFlightWindowSeconds window of the in-flight counters, seconds (default {@link IN_FLIGHT_WINDOW_SECONDS})
 */
export function createCredentialGuard(deps: {
  store: RateLimiterStore;
  attempts: LoginAttemptsService;
  events: SecurityEvents;
  policy?: RateLimitPolicy;
  onRefused?: (limiter: LimiterName) => void;
  purgeIntervalMs?: number;
  maxWaitMs?: number;
  inFlightWindowSeconds?: number;
}): CredentialGuard {
  const policy = deps.policy ?? DEFAULT_RATE_LIMIT_POLICY;
  const w = policy.windowSeconds;
  const b = policy.blockSeconds;
  const maxWaitMs = deps.maxWaitMs ?? MAX_ADMISSION_WAIT_MS;
  const inFlightWindow = deps.inFlightWindowSeconds ?? IN_FLIGHT_WINDOW_SECONDS;
  const layerOf = (name: CountedLimiter, limit: number): Layer => ({
    name,
    limit,
    failures: deps.store.limiter({ name, points: limit, durationSeconds: w, blockSeconds: b }),
    inFlight: deps.store.limiter({ name: `${name}_in_flight`, points: IN_FLIGHT_POINTS, durationSeconds: inFlightWindow, blockSeconds: 0 }),
  });
  const layers: Record<CountedLimiter, Layer> = {
    client_addr: layerOf('client_addr', policy.clientAddressFailures),
    client: layerOf('client', policy.clientFailures),
    user: layerOf('user', policy.userFailures),
    addr: layerOf('addr', policy.addressFailures),
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

  // --- waiting for room on a key, within this process
  const local = new Map<string, LocalKey>();
  const localId = (a: { layer: Layer; key: string }) => `${a.layer.name}:${a.key}`;
  const entryOf = (id: string) => {
    let e = local.get(id);
    if (!e) local.set(id, (e = { holders: 0, waiters: [] }));
    return e;
  };
  const forget = (id: string, e: LocalKey) => {
    if (e.holders === 0 && e.waiters.length === 0 && local.get(id) === e) local.delete(id);
  };
  /** Wakes the first waiter on `id` (room for one more), or all of them (the key is now refused: they answer from memory). */
  const wake = (id: string, all: boolean) => {
    const e = local.get(id);
    if (!e) return;
    if (all) for (const waiter of e.waiters.splice(0)) waiter();
    else e.waiters.shift()?.();
    forget(id, e);
  };
  const letGo = (id: string, all: boolean) => {
    const e = local.get(id);
    if (e) e.holders = Math.max(0, e.holders - 1);
    wake(id, all);
  };
  /** Resolves when an attempt of this process on `id` settles, or after a poll interval (the ones in flight may be in another process). */
  const waitTurn = (id: string, remainingMs: number, round: number) =>
    new Promise<void>((resolve) => {
      const e = entryOf(id);
      // woken by a local settle; the timer only catches room freed by other processes: it backs off
      // (250 ms doubling to 5 s while attempts of this process hold the key, else 20 ms doubling to 320 ms)
      const ms = Math.max(1, Math.min(remainingMs, e.holders > 0 ? Math.min(5000, 250 * 2 ** round) : Math.min(320, 20 * 2 ** round)));
      const done = () => {
        clearTimeout(timer);
        const i = e.waiters.indexOf(done);
        if (i >= 0) e.waiters.splice(i, 1);
        forget(id, e);
        resolve();
      };
      const timer = setTimeout(done, ms);
      e.waiters.push(done);
    });

  /** Gives an in-flight point back, unless its window is (about to be) over and takes it anyway. Never throws. */
  const giveBack = async (l: Layer, key: string, windowEndsAt: number, lane: string) => {
    if (Date.now() >= windowEndsAt - WINDOW_END_MARGIN_MS) return;
    await l.inFlight.reward(key, 1, lane).catch(() => undefined);
  };

  /** One layer's admission (see {@link createCredentialGuard}); `exempt` lifts a refusal or a full key (known address). */
  async function admit(l: Layer, key: string, lane: string, exempt?: () => Promise<boolean>): Promise<Admission> {
    const unlessExempt = async (a: Admission): Promise<Admission> => (exempt && (await exempt()) ? { kind: 'skipped', layer: l, key } : a);
    const blockedMs = l.failures.blockedForMs(key);
    if (blockedMs > 0) return unlessExempt({ kind: 'refused', layer: l, key, res: new RateLimiterRes(0, blockedMs, l.limit + 2, false), fromMemory: true });
    const reserved = await l.inFlight.penalty(key, 1, lane);
    const windowEndsAt = Date.now() + reserved.msBeforeNext;
    let state: RateLimiterRes | null;
    try {
      state = await l.failures.get(key, lane);
    } catch (err) {
      await giveBack(l, key, windowEndsAt, lane);
      throw err;
    }
    const failures = state?.consumedPoints ?? 0;
    if (failures < l.limit && failures + reserved.consumedPoints <= l.limit) {
      entryOf(localId({ layer: l, key })).holders += 1;
      return { kind: 'admitted', layer: l, key, windowEndsAt };
    }
    await giveBack(l, key, windowEndsAt, lane);
    if (failures >= l.limit) return unlessExempt({ kind: 'refused', layer: l, key, res: state!, fromMemory: false });
    return unlessExempt({ kind: 'full', layer: l, key });
  }

  /**
   * Counts a refused attempt in the layer's failures: the attempt that crosses the limit starts
   * the layer's block (rate-limiter-flexible blocks on crossing). Returns the refusal's state.
   */
  async function countRefusal(r: { layer: Layer; key: string; res: RateLimiterRes }, lane: string): Promise<RateLimiterRes> {
    try {
      return await r.layer.failures.consume(r.key, lane);
    } catch (err) {
      return isRefusal(err) ? err : r.res;
    }
  }

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
      const addressKey = digest(address);
      /** Fair-queue lane of this attempt's statements: its subject. */
      const lane = `${subject.kind}:${who.id}`;
      const isClient = subject.kind === 'client';
      const ev = {
        address,
        opts,
        clientId: isClient ? who.id : opts.clientId,
        subject: isClient ? undefined : subjectDigest(who.id),
      };
      const pair = layers.client_addr;
      const subjectLayer = isClient ? layers.client : layers.user;
      /** A refusal by another layer still counts against a client's pair (a blocked guesser cannot keep probing for free). */
      const countAgainstPair = async () => {
        if (!isClient) return;
        try {
          await pair.failures.consume(pairKey, lane);
        } catch (err) {
          if (isRefusal(err)) markPair(pairKey, err.msBeforeNext);
        }
      };
      const exempt = known ? async () => (await known.get(pairKey, lane).catch(() => null)) !== null : undefined;
      const deadline = Date.now() + maxWaitMs;

      let admitted: Extract<Admission, { kind: 'admitted' }>[] = [];
      for (let round = 0; ; round++) {
        // 1. the pair, and the address, when this process knows them refused: no statement
        if (isClient) {
          const ms = pair.failures.blockedForMs(pairKey);
          if (ms > 0) {
            markPair(pairKey, ms);
            return refuse('client_addr', secondsOf(ms), false, ev);
          }
        } else {
          const lockedFor = await deps.attempts.lockedForSeconds(subject.login, subject.tenant, address);
          if (lockedFor > 0) {
            markPair(pairKey, lockedFor * 1000);
            return refuse('user_addr', lockedFor, false, ev); // the lock's start was audited by failed()
          }
        }
        const addressMs = layers.addr.failures.blockedForMs(addressKey);
        if (addressMs > 0) {
          await countAgainstPair();
          return refuse('addr', secondsOf(addressMs), false, ev);
        }

        // 2. every layer at once (the subject layer does not apply to a known address of S)
        const steps: { layer: Layer; key: string; exempt?: () => Promise<boolean> }[] = [
          ...(isClient ? [{ layer: pair, key: pairKey }] : []),
          { layer: layers.addr, key: addressKey },
          { layer: subjectLayer, key: who.subject, ...(exempt ? { exempt } : {}) },
        ];
        const results = await Promise.allSettled(steps.map((s) => admit(s.layer, s.key, lane, s.exempt)));
        admitted = [];
        const refused: Extract<Admission, { kind: 'refused' }>[] = [];
        const full: Extract<Admission, { kind: 'full' }>[] = [];
        let failure: unknown;
        for (const r of results) {
          if (r.status === 'rejected') failure ??= r.reason;
          else if (r.value.kind === 'admitted') admitted.push(r.value);
          else if (r.value.kind === 'refused') refused.push(r.value);
          else if (r.value.kind === 'full') full.push(r.value);
        }
        if (failure !== undefined || refused.length > 0 || full.length > 0) {
          // the attempt does not go ahead now: give its room back
          await Promise.allSettled(admitted.map((a) => giveBack(a.layer, a.key, a.windowEndsAt, lane)));
          for (const a of admitted) letGo(localId(a), false);
          admitted = [];
        }
        if (failure !== undefined) throw failure;

        if (refused.length > 0) {
          const pairRefusal = refused.find((r) => r.layer === pair);
          if (pairRefusal) {
            const res = pairRefusal.fromMemory ? pairRefusal.res : await countRefusal(pairRefusal, lane);
            markPair(pairKey, res.msBeforeNext);
            wake(localId(pairRefusal), true);
            return refuse('client_addr', secondsOf(res.msBeforeNext), res.consumedPoints === pair.limit + 1, ev);
          }
          const outcomes = await Promise.all(
            refused.map(async (r) => {
              const res = r.fromMemory ? r.res : await countRefusal(r, lane);
              wake(localId(r), true);
              return { name: r.layer.name, seconds: secondsOf(res.msBeforeNext), started: res.consumedPoints === r.layer.limit + 1 };
            }),
          );
          await countAgainstPair();
          const worst = outcomes.reduce((a, r) => (r.seconds > a.seconds ? r : a));
          return refuse(worst.name, worst.seconds, outcomes.some((r) => r.started), ev);
        }

        if (full.length > 0) {
          const remainingMs = deadline - Date.now();
          // attempts ahead of this one are still being verified after maxWaitMs: not a block, no event
          if (remainingMs <= 0) return refuse(full[0]!.layer.name, 1, false, ev);
          await waitTurn(localId(full[0]!), remainingMs, round);
          continue;
        }
        break;
      }

      const held = admitted;
      /**
       * Gives the in-flight points back and wakes this process's waiters on each key: one where
       * room was freed (a success, a cancel) or the count just reached the limit (it goes on to
       * be refused, and its refusal starts the block), all where a block started, none after a
       * failure under the limit (it leaves the room as full as it was: F + 1, in flight − 1).
       */
      const release = async (wakeOf: (l: Layer) => 'one' | 'all' | 'none') => {
        await Promise.allSettled(held.map((a) => giveBack(a.layer, a.key, a.windowEndsAt, lane)));
        for (const a of held) {
          const id = localId(a);
          const e = local.get(id);
          if (e) e.holders = Math.max(0, e.holders - 1);
          const how = wakeOf(a.layer);
          if (how !== 'none') wake(id, how === 'all');
          else if (e) forget(id, e);
        }
      };
      let settled = false;
      return {
        ok: true,
        async cancel() {
          if (settled) return;
          settled = true;
          await release(() => 'one');
        },
        async succeeded() {
          if (settled) return;
          settled = true;
          blockedPairs.delete(pairKey);
          const work: Promise<unknown>[] = [release(() => 'one')];
          work.push(isClient ? pair.failures.delete(pairKey, lane) : deps.attempts.recordSuccess(subject.login, subject.tenant, address));
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
          const blockedNow = new Set<Layer>();
          const atLimit = new Set<Layer>();
          // count the failure first, then leave the in-flight counters: an admission in between sees it in one or the other
          const counted = await Promise.allSettled(held.map((a) => a.layer.failures.penalty(a.key, 1, lane)));
          for (const [i, r] of counted.entries()) {
            if (r.status !== 'fulfilled') continue;
            const a = held[i]!;
            const n = r.value.consumedPoints;
            if (n >= a.layer.limit) atLimit.add(a.layer);
            if (a.layer === pair) {
              // the last failure the pair allows starts its block (as the login-name lockout does)
              if (n >= pair.limit && pair.failures.blockedForMs(pairKey) === 0) {
                const blockRes = await pair.failures.block(pairKey, policy.blockSeconds, lane).catch(() => undefined);
                lockedForSeconds = blockRes ? secondsOf(blockRes.msBeforeNext) : policy.blockSeconds;
                blockedNow.add(pair);
              }
            } else if (n === a.layer.limit + 1) {
              // attempts admitted before a refusal counted could carry the count past the limit: this failure crossed it
              await a.layer.failures.block(a.key, policy.blockSeconds, lane).catch(() => undefined);
              blockedNow.add(a.layer);
              refuseStarted(a.layer.name, policy.blockSeconds);
            }
          }
          if (!isClient) lockedForSeconds = await deps.attempts.recordFailure(subject.login, subject.tenant, address);
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
          await release((l) => (blockedNow.has(l) ? 'all' : atLimit.has(l) ? 'one' : 'none'));
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
