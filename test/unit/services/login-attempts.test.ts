import { describe, expect, it } from 'vitest';
import { createLoginAttemptsService, lockDurationSeconds, loginKey } from '../../../src/services/login-attempts.service.ts';
import type { LoginAttemptsRepository } from '../../../src/repositories/login-attempts.repository.ts';

const policy = { maxFailures: 5, lockoutSeconds: 60, lockoutMaxSeconds: 900 };

describe('lockDurationSeconds (docs/signing-in.md "Signing in")', () => {
  it('locks on every maxFailures-th failure, doubling, capped', () => {
    expect([1, 2, 3, 4].map((n) => lockDurationSeconds(policy, n))).toEqual([0, 0, 0, 0]);
    expect(lockDurationSeconds(policy, 5)).toBe(60);
    expect(lockDurationSeconds(policy, 6)).toBe(0);
    expect(lockDurationSeconds(policy, 10)).toBe(120);
    expect(lockDurationSeconds(policy, 15)).toBe(240);
    expect(lockDurationSeconds(policy, 20)).toBe(480);
    expect(lockDurationSeconds(policy, 25)).toBe(900);
    expect(lockDurationSeconds(policy, 5000)).toBe(900);
  });
  it('is 0 for no failures', () => {
    expect(lockDurationSeconds(policy, 0)).toBe(0);
  });
});

describe('loginKey', () => {
  it('gives every spelling of one domain\\user the same key', () => {
    expect(loginKey('T100\\Agent')).toBe('t100\\agent');
    expect(loginKey('agent', 'T100')).toBe('t100\\agent');
    expect(loginKey('t100\\agent', 't200')).toBe('t100\\agent');
  });
  it('keeps bare names (ops) as they are, case-folded', () => {
    expect(loginKey('Ops')).toBe('ops');
    expect(loginKey('ops', '')).toBe('ops');
  });
});

describe('createLoginAttemptsService', () => {
  function fakeRepo() {
    const rows = new Map<string, { failures: number; lockedFor: number }>();
    const repo: LoginAttemptsRepository = {
      async lockedForSeconds(k) {
        return rows.get(k)?.lockedFor ?? 0;
      },
      async recordFailure(k) {
        const r = rows.get(k) ?? { failures: 0, lockedFor: 0 };
        r.failures += 1;
        rows.set(k, r);
        return r.failures;
      },
      async lock(k, s) {
        rows.get(k)!.lockedFor = s;
        return true;
      },
      async clear(k) {
        rows.delete(k);
      },
      async purgeStale() {
        return 0;
      },
    };
    return { repo, rows };
  }

  it('locks after maxFailures, by digest of the canonical name, and clears on success', async () => {
    const { repo, rows } = fakeRepo();
    const svc = createLoginAttemptsService({ repo, policy: { maxFailures: 2, lockoutSeconds: 30, lockoutMaxSeconds: 60 } });
    expect(await svc.recordFailure('t100\\Agent')).toBe(0);
    expect(await svc.recordFailure('agent', 't100')).toBe(30);
    expect(await svc.lockedForSeconds('T100\\AGENT')).toBe(30);
    expect([...rows.keys()].join()).not.toMatch(/agent/i);
    expect([...rows.keys()][0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await svc.recordSuccess('t100\\agent');
    expect(rows.size).toBe(0);
  });
});
