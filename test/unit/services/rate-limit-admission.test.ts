/**
 * The guard's admission (README "Security model" → "Brute force and abuse", "Concurrent
 * attempts"), on the in-memory limiter store: an attempt that finds the room under a limit taken
 * by attempts still in flight waits for them — admitted when one succeeds, refused when the
 * failures reach the limit, refused with `Retry-After: 1` and no event after the longest wait.
 */
import { describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/knex.ts';
import { createRateLimiterStore } from '../../../src/repositories/rate-limits.repository.ts';
import type { LoginAttemptsService } from '../../../src/services/login-attempts.service.ts';
import { DEFAULT_RATE_LIMIT_POLICY, createCredentialGuard } from '../../../src/services/rate-limit.service.ts';
import type { Attempt, Refusal } from '../../../src/services/rate-limit.service.ts';
import type { SecurityEvent, SecurityEvents } from '../../../src/services/security-events.service.ts';

const noLogins: LoginAttemptsService = {
  policy: { maxFailures: 5, lockoutSeconds: 60, lockoutMaxSeconds: 900 },
  lockedForSeconds: async () => 0,
  recordFailure: async () => 0,
  recordSuccess: async () => {},
};

function guardWith(pairLimit: number, maxWaitMs = 30_000, inFlightWindowSeconds?: number) {
  const events: SecurityEvent[] = [];
  const recorder: SecurityEvents = { record: (e) => void events.push(e), flush: async () => {} };
  const guard = createCredentialGuard({
    store: createRateLimiterStore({ engine: 'pglite' } as Database),
    attempts: noLogins,
    events: recorder,
    policy: { ...DEFAULT_RATE_LIMIT_POLICY, clientAddressFailures: pairLimit },
    maxWaitMs,
    ...(inFlightWindowSeconds !== undefined ? { inFlightWindowSeconds } : {}),
  });
  const begin = () => guard.begin({ kind: 'client', clientId: 'c' }, '192.0.2.1', { surface: 'token' });
  return { begin, events };
}

const admitted = (a: Attempt | Refusal): Attempt => {
  if (!a.ok) throw new Error(`refused by ${a.limiter}`);
  return a;
};
/** Settles within `ms`, or reports that it is still pending. */
const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms))]);

describe('admission while the room is taken by attempts in flight', () => {
  it('waits, and goes ahead as soon as the attempt in flight succeeds (nothing counted, no event)', async () => {
    const { begin, events } = guardWith(1);
    const first = admitted(await begin());
    const second = begin();
    expect(await within(second, 200)).toBe('pending');
    await first.succeeded();
    const next = admitted(await second);
    await next.succeeded();
    expect(events).toEqual([]);
  });

  it('waits, and is refused as soon as the attempt in flight fails and the pair blocks', async () => {
    const { begin, events } = guardWith(1);
    const first = admitted(await begin());
    const second = begin();
    expect(await within(second, 200)).toBe('pending');
    expect(await first.failed()).toEqual({ lockedForSeconds: DEFAULT_RATE_LIMIT_POLICY.blockSeconds });
    const refused = await within(second, 1000);
    expect(refused).toMatchObject({ ok: false, limiter: 'client_addr' });
    // audited: the failure and the block it started; the waiting attempt's refusal is a debug line only
    expect(events.filter((e) => !e.logOnly).map((e) => e.name)).toEqual(['client_auth_failed', 'rate_limited']);
  });

  it('is refused with Retry-After 1 and no audited event after the longest wait', async () => {
    const { begin, events } = guardWith(1, 300);
    const first = admitted(await begin());
    const refused = await begin();
    expect(refused).toEqual({ ok: false, limiter: 'client_addr', retryAfterSeconds: 1 });
    expect(events.filter((e) => !e.logOnly)).toEqual([]);
    await first.cancel();
    admitted(await begin());
  });

  it('a cancelled attempt frees its room without counting', async () => {
    const { begin } = guardWith(1);
    await admitted(await begin()).cancel();
    await admitted(await begin()).cancel();
    const third = admitted(await begin());
    expect(await third.failed()).toEqual({ lockedForSeconds: DEFAULT_RATE_LIMIT_POLICY.blockSeconds });
  });
});

describe('the in-flight window', () => {
  it('an attempt that settles after its in-flight window ended gives nothing back (the count never goes below zero)', async () => {
    const { begin } = guardWith(1, 30_000, 1);
    const early = admitted(await begin());
    await new Promise((r) => setTimeout(r, 1200)); // the window (1 s) ends while it is in flight
    const fresh = admitted(await begin()); // a new window: room for one
    await early.succeeded(); // must not free a place it no longer holds
    const third = begin();
    expect(await within(third, 200)).toBe('pending');
    await fresh.succeeded();
    await admitted(await third).succeeded();
  });
});
