/**
 * `login_attempts` on the real database (migrations/006): atomic counting, locks on the database
 * clock, forgetting after a quiet period, purge of stale rows, and concurrent failures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoginAttemptsRepository } from '../../src/repositories/login-attempts.repository.ts';
import { createTestDatabase } from '../helpers/test-db.ts';
import type { TestDatabase } from '../helpers/test-db.ts';

let db: TestDatabase;
let repo: ReturnType<typeof createLoginAttemptsRepository>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  db = await createTestDatabase();
  repo = createLoginAttemptsRepository(db.knex);
});
afterAll(async () => {
  await db.close();
});

describe('login attempts repository', () => {
  it('counts failures, locks for whole seconds, and clears', async () => {
    expect(await repo.recordFailure('k1', 60)).toBe(1);
    expect(await repo.recordFailure('k1', 60)).toBe(2);
    expect(await repo.lockedForSeconds('k1')).toBe(0);
    expect(await repo.lock('k1', 30)).toBe(true);
    const left = await repo.lockedForSeconds('k1');
    expect(left).toBeGreaterThanOrEqual(29);
    expect(left).toBeLessThanOrEqual(30);
    await repo.clear('k1');
    expect(await repo.lockedForSeconds('k1')).toBe(0);
    expect(await repo.lock('k1', 30)).toBe(false);
    expect(await repo.recordFailure('k1', 60)).toBe(1);
  });

  it('forgets the count after a quiet period (no failure, no lock in force)', async () => {
    await repo.recordFailure('k2', 1);
    await repo.recordFailure('k2', 1);
    await repo.lock('k2', 1);
    await sleep(1100);
    // the lock just ended: still remembered for one more quiet period
    expect(await repo.recordFailure('k2', 1)).toBe(3);
    await sleep(2100);
    expect(await repo.recordFailure('k2', 1)).toBe(1);
  });

  it('counts concurrent failures exactly', async () => {
    const counts = await Promise.all(Array.from({ length: 10 }, () => repo.recordFailure('k3', 60)));
    expect(counts.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('purges only stale rows', async () => {
    await repo.recordFailure('fresh', 60);
    await db.knex('login_attempts').insert({ key_digest: 'stale', failures: 4, last_failure_at: db.knex.raw("now() - interval '2 hours'") });
    expect(await repo.purgeStale(3600, 100)).toBe(1);
    const keys = (await db.knex('login_attempts').select('key_digest')).map((r: { key_digest: string }) => r.key_digest);
    expect(keys).toContain('fresh');
    expect(keys).not.toContain('stale');
  });
});
