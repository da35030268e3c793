/**
 * The CORS allow-list cache (src/services/cors.service.ts): ≤ maxAge staleness with a fake clock,
 * one shared load for concurrent refreshes, fail-closed on load errors, origin normalization.
 * Runs on a throwaway database (PGlite, or PostgreSQL when DATABASE_URL is set).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createContactCenter } from '../../helpers/fixtures.ts';
import { createTestDatabase } from '../../helpers/test-db.ts';
import type { TestDatabase } from '../../helpers/test-db.ts';
import { canonicalRequestOrigin, createCorsPolicy } from '../../../src/services/cors.service.ts';

let db: TestDatabase;
let ccA: string;
let ccB: string;
let clock = 1_000_000;
const now = () => clock;

async function setOrigins(ccid: string, value: string): Promise<void> {
  await db.knex('contact_center_settings').insert({ ccid, name: 'cors-origins', value, location: '/', shared: true }).onConflict(['ccid', 'name']).merge(['value']);
}

function countQueries(): { n: number; stop(): void } {
  const counter = { n: 0, stop: () => db.knex.removeListener('query', listener) };
  const listener = () => {
    counter.n += 1;
  };
  db.knex.on('query', listener);
  return counter;
}

beforeAll(async () => {
  db = await createTestDatabase();
  ccA = (await createContactCenter(db.knex)).ccid;
  ccB = (await createContactCenter(db.knex)).ccid;
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  await setOrigins(ccA, 'https://a.example.com, https://a2.example.com:8443');
  await setOrigins(ccB, 'https://b.example.com');
});

describe('createCorsPolicy', () => {
  it('allows global origins and the listed origins of the given contact centers only', async () => {
    const p = createCorsPolicy({ knex: db.knex, globalOrigins: ['https://global.example.com'], now });
    await p.refresh();
    expect(p.allowedFor('https://a.example.com', [ccA])).toBe(true);
    expect(p.allowedFor('https://a2.example.com:8443', [ccA])).toBe(true);
    expect(p.allowedFor('https://b.example.com', [ccA])).toBe(false);
    expect(p.allowedFor('https://b.example.com', [ccA, ccB])).toBe(true);
    expect(p.allowedFor('https://a.example.com', [])).toBe(false);
    expect(p.allowedFor('https://global.example.com', [])).toBe(true);
    expect(p.allowedAnywhere('https://b.example.com')).toBe(true);
    expect(p.allowedAnywhere('https://c.example.com')).toBe(false);
  });

  it('compares serialized origins: case and default ports normalize, anything else does not match', async () => {
    const p = createCorsPolicy({ knex: db.knex, globalOrigins: [], now });
    await p.refresh();
    expect(p.allowedFor('HTTPS://A.Example.com:443', [ccA])).toBe(true);
    for (const o of ['null', '', 'https://a.example.com/path', 'http://a.example.com', 'https://a.example.com:444', 'https://x.a.example.com', 'https://*.example.com']) {
      expect(p.allowedFor(o, [ccA]), o).toBe(false);
      expect(p.allowedAnywhere(o), o).toBe(false);
    }
    expect(canonicalRequestOrigin('https://A.example.com')).toBe('https://a.example.com');
    expect(canonicalRequestOrigin('null')).toBeUndefined();
  });

  it('reloads only when the snapshot is older than maxAgeMs', async () => {
    clock = 2_000_000;
    const p = createCorsPolicy({ knex: db.knex, globalOrigins: [], now, maxAgeMs: 1000 });
    const first = countQueries();
    await p.refresh();
    first.stop();
    expect(first.n).toBe(1);
    await setOrigins(ccA, 'https://new.example.com');
    const q = countQueries();
    clock += 999;
    await p.refresh();
    expect(q.n).toBe(0);
    expect(p.allowedFor('https://new.example.com', [ccA])).toBe(false); // still the old snapshot
    clock += 1;
    await p.refresh();
    expect(q.n).toBe(1);
    expect(p.allowedFor('https://new.example.com', [ccA])).toBe(true);
    expect(p.allowedFor('https://a.example.com', [ccA])).toBe(false);
    q.stop();
  });

  it('shares one load between concurrent refreshes', async () => {
    clock = 3_000_000;
    const p = createCorsPolicy({ knex: db.knex, globalOrigins: [], now });
    const q = countQueries();
    await Promise.all(Array.from({ length: 20 }, () => p.refresh()));
    expect(q.n).toBe(1);
    q.stop();
  });

  it('skips unparseable items of a stored value', async () => {
    await setOrigins(ccA, 'https://ok.example.com, not an origin, https://*.wild.example.com, https://ok2.example.com/');
    const p = createCorsPolicy({ knex: db.knex, globalOrigins: [], now: () => clock + 10_000_000 });
    await p.refresh();
    expect(p.allowedFor('https://ok.example.com', [ccA])).toBe(true);
    expect(p.allowedFor('https://ok2.example.com', [ccA])).toBe(true);
    expect(p.allowedFor('https://x.wild.example.com', [ccA])).toBe(false);
  });

  it('fails closed when the list cannot be loaded, and retries on the next refresh', async () => {
    const broken = await createTestDatabase();
    const cc = (await createContactCenter(broken.knex)).ccid;
    await broken.knex('contact_center_settings').insert({ ccid: cc, name: 'cors-origins', value: 'https://a.example.com', location: '/', shared: true });
    const warnings: unknown[] = [];
    const logger = { warn: (...args: unknown[]) => warnings.push(args) } as never;
    const p = createCorsPolicy({ knex: broken.knex, globalOrigins: ['https://global.example.com'], logger, now });
    await p.refresh();
    expect(p.allowedFor('https://a.example.com', [cc])).toBe(true);
    await broken.knex.schema.renameTable('contact_center_settings', 'settings_moved');
    clock += 5000;
    await expect(p.refresh()).resolves.toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(p.allowedFor('https://a.example.com', [cc])).toBe(false);
    expect(p.allowedAnywhere('https://a.example.com')).toBe(false);
    expect(p.allowedFor('https://global.example.com', [])).toBe(true);
    await broken.knex.schema.renameTable('settings_moved', 'contact_center_settings');
    await p.refresh(); // a failed load is retried at once, not after maxAgeMs
    expect(p.allowedFor('https://a.example.com', [cc])).toBe(true);
    await broken.close();
  });
});
