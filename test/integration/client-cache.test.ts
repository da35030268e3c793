/**
 * The client metadata cache of the token path (docs/performance.md): repeated token requests do not read the
 * client again; a change is in force at once in the process that made it, whoever made it (ops
 * API, integration code, SQL through the app's knex); and within a second in another process on
 * the same PostgreSQL database (LISTEN/NOTIFY), which the second app here stands for.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import type { CcauthApp } from '../../src/app.ts';
import { createDatabase } from '../../src/db/knex.ts';
import type { Database } from '../../src/db/knex.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const TOKEN = '/auth/v3/oauth/token';
const OPS_AUTH = basic(OPS.username, OPS.password);

let t: TestApp;
beforeAll(async () => {
  // one key-encryption key for both apps of the cross-process cases (they share the signing keys)
  t = await startTestApp({ KEY_ENCRYPTION_KEY: randomBytes(32).toString('hex') });
});
afterAll(async () => {
  await t.close();
});

const tokenOn = (request: TestApp['request'], c: { clientId: string; secret: string }) =>
  request.post(TOKEN).set('Authorization', basic(c.clientId, c.secret)).type('form').send({ grant_type: 'client_credentials' });

describe('in one process', () => {
  it('serves repeated token requests from the cache', async () => {
    const c = await createClient(t, { client_id: 'cache-hits' });
    // right after a write to the clients tables nothing is cached for a second (a concurrent load
    // could still see the old row), so let that pass
    await new Promise((r) => setTimeout(r, 1100));
    expect((await tokenOn(t.request, c)).status).toBe(200);
    const before = { ...t.ccauth.clientCache.stats };
    for (let i = 0; i < 5; i++) expect((await tokenOn(t.request, c)).status).toBe(200);
    const after = t.ccauth.clientCache.stats;
    expect(after.hits - before.hits).toBeGreaterThanOrEqual(5);
    expect(after.misses - before.misses).toBe(0);
  });

  it('refuses a client deleted through the ops API at once', async () => {
    const c = await createClient(t, { client_id: 'cache-deleted' });
    expect((await tokenOn(t.request, c)).status).toBe(200);
    expect((await t.request.delete(`/auth/v3/ops/clients/${c.clientId}`).set('Authorization', OPS_AUTH)).status).toBe(200);
    const res = await tokenOn(t.request, c);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });

  it('takes a new secret set through the ops API at once (and drops the old one)', async () => {
    const c = await createClient(t, { client_id: 'cache-secret' });
    expect((await tokenOn(t.request, c)).status).toBe(200);
    const secret = randomBytes(24).toString('base64url');
    const put = await t.request.put(`/auth/v3/ops/clients/${c.clientId}`).set('Authorization', OPS_AUTH).send({ data: { client_secret: secret } });
    expect(put.status).toBe(200);
    expect((await tokenOn(t.request, { clientId: c.clientId, secret })).status).toBe(200);
    expect((await tokenOn(t.request, c)).status).toBe(401);
  });

  it('sees a client disabled by SQL in a transaction as soon as it commits', async () => {
    const c = await createClient(t, { client_id: 'cache-sql-disabled' });
    expect((await tokenOn(t.request, c)).status).toBe(200);
    await t.db.knex.transaction(async (trx) => {
      await trx('clients').where({ client_id: c.clientId }).update({ enabled: false });
    });
    expect((await tokenOn(t.request, c)).status).toBe(401);
  });

  it('keeps a change rolled back out of the picture', async () => {
    const c = await createClient(t, { client_id: 'cache-rollback' });
    expect((await tokenOn(t.request, c)).status).toBe(200);
    await t.db.knex
      .transaction(async (trx) => {
        await trx('clients').where({ client_id: c.clientId }).update({ enabled: false });
        throw new Error('roll back');
      })
      .catch(() => {});
    expect((await tokenOn(t.request, c)).status).toBe(200);
  });
});

describe.skipIf(!process.env.DATABASE_URL)('across processes on one PostgreSQL database (LISTEN/NOTIFY)', () => {
  // PGlite is one embedded database inside one process: there is no second process to tell, so
  // these cases need DATABASE_URL (the in-process cases above run on both engines).
  let otherDb: Database;
  let other: CcauthApp;
  let otherRequest: TestApp['request'];

  beforeAll(async () => {
    otherDb = createDatabase({ kind: 'postgres', url: t.db.url!, poolMax: 4 });
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    other = await createApp({ config: t.config, db: otherDb, logger: createLogger({ level: 'silent', destination: sink }) });
    otherRequest = supertest(other.app.callback());
    // wait until the second app's LISTEN is up (it reports itself by resetting its cache)
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const rows = await t.db.knex.raw(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN %'`);
      if ((rows as { rows: { n: number }[] }).rows[0]!.n >= 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  afterAll(async () => {
    other?.stop();
    await otherDb?.close();
  });

  /** Creates a client through the first app and lets the second one cache it (after the settle second). */
  async function cachedOnOther(clientId: string): Promise<{ clientId: string; secret: string }> {
    const c = await createClient(t, { client_id: clientId });
    await new Promise((r) => setTimeout(r, 1100));
    expect((await tokenOn(otherRequest, c)).status).toBe(200);
    const hits = other.clientCache.stats.hits;
    expect((await tokenOn(otherRequest, c)).status).toBe(200);
    expect(other.clientCache.stats.hits).toBeGreaterThan(hits); // served from the cache
    return c;
  }

  /** Polls `check` every 25 ms; returns the milliseconds it took to become true (or Infinity after 3 s). */
  async function msUntil(check: () => Promise<boolean>): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < 3000) {
      if (await check()) return Date.now() - started;
      await new Promise((r) => setTimeout(r, 25));
    }
    return Infinity;
  }

  it('refuses, in the other process, a client deleted in this one within a second', async () => {
    const c = await cachedOnOther('cross-deleted');
    expect((await t.request.delete(`/auth/v3/ops/clients/${c.clientId}`).set('Authorization', OPS_AUTH)).status).toBe(200);
    const ms = await msUntil(async () => (await tokenOn(otherRequest, c)).status === 401);
    expect(ms).toBeLessThan(1000);
  });

  it('refuses, in the other process, a client disabled by SQL through this process within a second', async () => {
    const c = await cachedOnOther('cross-disabled');
    await t.db.knex.transaction(async (trx) => {
      await trx('clients').where({ client_id: c.clientId }).update({ enabled: false });
    });
    const ms = await msUntil(async () => (await tokenOn(otherRequest, c)).status === 401);
    expect(ms).toBeLessThan(1000);
  });

  it('accepts, in the other process, a client created in this one at once', async () => {
    // an unknown id is cached as "no such client" too; the creation must clear that
    const c = { clientId: 'cross-created', secret: 'not-yet' };
    await new Promise((r) => setTimeout(r, 1100));
    expect((await tokenOn(otherRequest, c)).status).toBe(401);
    expect((await tokenOn(otherRequest, c)).status).toBe(401);
    const created = await createClient(t, { client_id: c.clientId });
    const ms = await msUntil(async () => (await tokenOn(otherRequest, created)).status === 200);
    expect(ms).toBeLessThan(1000);
  });

  it('falls back to a short lifetime and recovers when its LISTEN connection is killed', async () => {
    const c = await cachedOnOther('cross-listener-lost');
    // kill every LISTEN connection: notifications sent now are lost
    await t.db.knex.raw(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN %' AND pid <> pg_backend_pid()`);
    await otherDb.knex('clients').where({ client_id: c.clientId }).update({ enabled: false }).catch(() => {});
    await t.db.knex.raw('SELECT pg_notify(?, ?)', ['unrelated', 'x']);
    // whether through the reconnect's reset or the 1 s lifetime, the change shows within ~1 s
    const ms = await msUntil(async () => (await tokenOn(otherRequest, c)).status === 401);
    expect(ms).toBeLessThan(1500);
  });
});
