/**
 * Keeping and exporting the audit trail (README "Audit and secrets hygiene"): CORS edits through
 * the Environment API are audited like the console's, `GET /auth/v3/ops/audit` filters by actor,
 * event, subject and time range with an opaque cursor, `Accept: application/x-ndjson` streams
 * every matching event as JSON lines, and the purge job deletes events older than
 * AUDIT_RETENTION_DAYS in batches under its advisory lock.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { createOidcPayloadsRepository } from '../../src/repositories/oidc-payloads.repository.ts';
import { PURGE_LOCK_KEY, createPurgeJob } from '../../src/services/purge.service.ts';
import { createContactCenter } from '../helpers/fixtures.ts';
import { sqlDuring } from '../helpers/sql-capture.ts';
import { OPS, basic, seedClientBody, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const OPS_AUTH = basic(OPS.username, OPS.password);
const AUDIT = '/auth/v3/ops/audit';
let t: TestApp;
let ccid: string;

interface Event {
  id: number;
  at: number;
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  details: Record<string, unknown>;
}

const page = async (query: string) => {
  const res = await t.request.get(`${AUDIT}${query}`).set('Authorization', OPS_AUTH);
  expect(res.status).toBe(200);
  return res.body as { status: { code: number }; data: Event[]; nextCursor?: string };
};

/** Inserts `n` events straight into the table, `daysAgo` days old. */
async function insertEvents(n: number, opts: { daysAgo: number; actor?: string; action?: string; targetId?: string }) {
  await t.db.knex.raw(
    `INSERT INTO audit_events (at, actor, action, target_type, target_id, details)
     SELECT now() - make_interval(days => ?), ?, ?, 'test', ?, '{}'::jsonb FROM generate_series(1, ?)`,
    [opts.daysAgo, opts.actor ?? 'seeder', opts.action ?? 'test.old', opts.targetId ?? 'old', n],
  );
}

beforeAll(async () => {
  t = await startTestApp();
  ({ ccid } = await createContactCenter(t.db.knex, { domains: ['trail'] }));
});
afterAll(async () => {
  await t.close();
});

describe('CORS edits through the Environment API are audited', () => {
  it('writing cors-origins records contact_center.cors_updated with the stored origins', async () => {
    const res = await t.request
      .post(`/environment/v3/contact-centers/${ccid}/settings`)
      .set('Authorization', OPS_AUTH)
      .send({ data: { location: '/', name: 'cors-origins', shared: 'true', value: 'https://a.example.com, https://B.example.com:443' } });
    expect(res.status).toBe(200);
    const [e] = (await page(`?event=contact_center.cors_updated&subject=${ccid}`)).data;
    expect(e).toMatchObject({ actor: 'ops', action: 'contact_center.cors_updated', targetType: 'contact_center', targetId: ccid });
    expect(e!.details).toEqual({ origins: ['https://a.example.com', 'https://b.example.com'], via: 'environment_api' });
  });

  it('deleting cors-origins records the now empty list; other settings are not CORS edits', async () => {
    await t.request.post(`/environment/v3/contact-centers/${ccid}/settings`).set('Authorization', OPS_AUTH).send({ data: { name: 'greeting', value: 'hi' } }).expect(200);
    expect((await t.request.delete(`/environment/v3/contact-centers/${ccid}/settings/cors-origins`).set('Authorization', OPS_AUTH)).status).toBe(200);
    const events = (await page(`?event=contact_center.cors_updated&subject=${ccid}`)).data;
    expect(events).toHaveLength(2);
    expect(events[0]!.details).toEqual({ origins: [], via: 'environment_api' });
  });

  it('a refused CORS value writes no event', async () => {
    const res = await t.request
      .post(`/environment/v3/contact-centers/${ccid}/settings`)
      .set('Authorization', OPS_AUTH)
      .send({ data: { name: 'cors-origins', value: 'https://ok.example.com, javascript:alert(1)' } });
    expect(res.status).toBe(400);
    expect((await page(`?event=contact_center.cors_updated&subject=${ccid}`)).data).toHaveLength(2);
  });
});

describe('GET /auth/v3/ops/audit filters', () => {
  beforeAll(async () => {
    for (const id of ['trail-a', 'trail-b', 'trail-c']) {
      await t.request.post('/auth/v3/ops/clients').set('Authorization', OPS_AUTH).send(seedClientBody({ client_id: id })).expect(200);
    }
    await t.request.delete('/auth/v3/ops/clients/trail-b').set('Authorization', OPS_AUTH).expect(200);
    await insertEvents(3, { daysAgo: 10, actor: 'someone-else', action: 'security.login_failed', targetId: 'digest-1' });
  });

  it('by actor, event (exact or a prefix ending in *) and subject', async () => {
    expect((await page('?actor=someone-else')).data.map((e) => e.actor)).toEqual(['someone-else', 'someone-else', 'someone-else']);
    expect((await page('?event=client.created')).data.map((e) => e.targetId)).toEqual(['trail-c', 'trail-b', 'trail-a']);
    expect((await page('?event=client.*')).data.map((e) => e.action)).toEqual(['client.deleted', 'client.created', 'client.created', 'client.created']);
    expect((await page('?subject=trail-b')).data.map((e) => e.action)).toEqual(['client.deleted', 'client.created']);
    expect((await page('?subject=trail-b&event=client.created&actor=ops')).data).toHaveLength(1);
    expect((await page('?actor=nobody')).data).toEqual([]);
    // LIKE wildcards in a prefix are literal
    expect((await page('?event=client%25*')).data).toEqual([]);
  });

  it('by time range: from inclusive, to exclusive, ISO 8601 or epoch milliseconds', async () => {
    const now = Date.now();
    const old = (await page(`?to=${new Date(now - 86_400_000).toISOString()}`)).data;
    expect(old.map((e) => e.action)).toEqual(['security.login_failed', 'security.login_failed', 'security.login_failed']);
    const recent = (await page(`?from=${now - 3_600_000}&event=client.*`)).data;
    expect(recent).toHaveLength(4);
    const at = recent[1]!.at;
    expect((await page(`?from=${at}&to=${at + 1}&event=client.*`)).data.every((e) => e.at === at)).toBe(true);
  });

  it.each([
    ['from=yesterday', 'from'],
    ['to=2026-13-01T00:00:00Z', 'to'],
    ['from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', 'to'],
    ['actor=%00', 'actor'],
  ])('refuses %s with code 10 naming the field', async (q, field) => {
    const res = await t.request.get(`${AUDIT}?${q}`).set('Authorization', OPS_AUTH);
    expect(res.status).toBe(400);
    expect(res.body.status.code).toBe(10);
    expect(res.body.status.detail.errors[0].field).toBe(field);
  });
});

describe('cursor pagination', () => {
  it('walks every event exactly once with an opaque nextCursor, absent on the last page', async () => {
    const all = (await page('?limit=500')).data;
    expect(all.length).toBeGreaterThan(6);
    const seen: Event[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const p = await page(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...p.data);
      cursor = p.nextCursor;
      pages++;
      if (cursor) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    } while (cursor);
    expect(seen).toEqual(all);
    expect(pages).toBe(Math.ceil(all.length / 3));
  });

  it('keeps the filters across pages', async () => {
    const p1 = await page('?event=client.*&limit=2');
    expect(p1.data).toHaveLength(2);
    const p2 = await page(`?event=client.*&limit=2&cursor=${p1.nextCursor}`);
    expect(p2.data.map((e) => e.action)).toEqual(['client.created', 'client.created']);
    expect(p2.nextCursor).toBeUndefined();
  });

  it.each(['garbage', 'eyJ2IjoyfQ', Buffer.from('{"v":1,"before":-5}').toString('base64url'), '%2F%2F'])('refuses the cursor %s with code 2', async (c) => {
    const res = await t.request.get(`${AUDIT}?cursor=${c}`).set('Authorization', OPS_AUTH);
    expect(res.status).toBe(400);
    expect(res.body.status).toEqual({ code: 2, message: 'cursor is not valid: pass back the nextCursor of a previous page unchanged' });
  });
});

describe('export as JSON lines (Accept: application/x-ndjson)', () => {
  it('streams every matching event, oldest first, one JSON object per line', async () => {
    await insertEvents(1200, { daysAgo: 2, action: 'test.bulk', targetId: 'bulk' });
    const res = await t.request.get(`${AUDIT}?event=test.bulk`).set('Authorization', OPS_AUTH).set('Accept', 'application/x-ndjson').buffer(true).parse((r, cb) => {
      let text = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (text += c));
      r.on('end', () => cb(null, text));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    const text = res.body as string;
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Event);
    expect(lines).toHaveLength(1200); // more than two export batches
    expect(lines.every((e) => e.action === 'test.bulk' && e.targetId === 'bulk')).toBe(true);
    const ids = lines.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(1200);
    expect(Object.keys(lines[0]!).sort()).toEqual(['action', 'actor', 'at', 'details', 'id', 'sourceIp', 'targetId', 'targetType']);
  });

  it('reads PostgreSQL in batches of 500 rows, never the whole match at once', async () => {
    const { result: res, statements } = await sqlDuring(t.db.knex, () =>
      t.request.get(`${AUDIT}?event=test.bulk`).set('Authorization', OPS_AUTH).set('Accept', 'application/x-ndjson'),
    );
    expect(res.status).toBe(200);
    expect(res.text.trimEnd().split('\n')).toHaveLength(1200);
    const reads = statements.filter((q) => q.startsWith('select * from "audit_events"'));
    expect(reads).toHaveLength(3); // 500 + 500 + 200
    for (const q of reads) expect(q).toMatch(/ and "id" > \$\d+ order by "id" asc limit \$\d+$/);
  });

  it('an empty export is an empty body; bad filters still get the envelope', async () => {
    const empty = await t.request.get(`${AUDIT}?actor=nobody`).set('Authorization', OPS_AUTH).set('Accept', 'application/x-ndjson');
    expect(empty.status).toBe(200);
    expect(empty.text).toBe('');
    const bad = await t.request.get(`${AUDIT}?from=soon`).set('Authorization', OPS_AUTH).set('Accept', 'application/x-ndjson');
    expect(bad.status).toBe(400);
    expect(bad.body.status.code).toBe(10);
  });

  it('requires the ops credentials', async () => {
    const res = await t.request.get(AUDIT).set('Accept', 'application/x-ndjson');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Basic/);
  });
});

describe('retention (AUDIT_RETENTION_DAYS)', () => {
  const logger = createLogger({ level: 'silent' });
  const job = (days: number, batchSize = 1000) =>
    createPurgeJob({ repo: createOidcPayloadsRepository(t.db.knex), knex: t.db.knex, logger, intervalMs: 60_000, batchSize, auditRetentionDays: days });
  const count = async (targetId: string) => Number((await t.db.knex('audit_events').where({ target_id: targetId }).count<{ n: string }[]>({ n: '*' }))[0]!.n);

  it('0 keeps every event', async () => {
    const id = randomUUID();
    await insertEvents(5, { daysAgo: 5000, targetId: id });
    await job(0).runOnce();
    expect(await count(id)).toBe(5);
  });

  it('deletes events older than the retention in batches, keeps the newer ones', async () => {
    const old = randomUUID();
    const kept = randomUUID();
    await insertEvents(7, { daysAgo: 400, targetId: old });
    await insertEvents(4, { daysAgo: 300, targetId: kept });
    await job(365, 2).runOnce(); // 7 rows in batches of 2: four batches
    expect(await count(old)).toBe(0);
    expect(await count(kept)).toBe(4);
    await job(30).runOnce();
    expect(await count(kept)).toBe(0);
  });

  it('deletes nothing while another process holds the purge lock', async () => {
    const id = randomUUID();
    await insertEvents(3, { daysAgo: 400, targetId: id });
    if (!t.db.url) return; // PGlite: a single connection, no second process
    const other = new pg.Client({ connectionString: t.db.url });
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1)', [PURGE_LOCK_KEY]);
      await job(365).runOnce();
      expect(await count(id)).toBe(3);
      await other.query('SELECT pg_advisory_unlock($1)', [PURGE_LOCK_KEY]);
      await job(365).runOnce();
      expect(await count(id)).toBe(0);
    } finally {
      await other.end();
    }
  });

  it("the app's purge job applies AUDIT_RETENTION_DAYS (default 365)", async () => {
    const id = randomUUID();
    await insertEvents(2, { daysAgo: 366, targetId: id });
    await t.ccauth.purge.runOnce();
    expect(await count(id)).toBe(0);
  });
});
