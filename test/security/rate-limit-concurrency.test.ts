/**
 * Only failed verifications count (README "Security model" → "Brute force and abuse"; RFC 6749
 * §10.10; RFC 6819 §4.3.2; OWASP ASVS 5.0 V6.1.1): N concurrent attempts with the *right*
 * credential all succeed, block nothing and raise no security event (a back end's parallel workers
 * after a restart or a secret rotation, a shift of agents signing in at once), while a concurrent
 * burst of *wrong* ones is still held to the limit, in one process and across two processes on one
 * PostgreSQL database.
 */
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app.ts';
import type { CcauthApp } from '../../src/app.ts';
import { createDatabase } from '../../src/db/knex.ts';
import type { Database } from '../../src/db/knex.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createContactCenter } from '../helpers/fixtures.ts';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const TOKEN = '/auth/v3/oauth/token';
const PASSWORD = 'Concurrent-Owner-1';
const TOO_MANY = { error: 'invalid_request', error_description: 'too many failed attempts; retry later' };

/** Small limits: 3 per (client, address), 6 per client, 6 per name, 8 per address, 3 per (name, address). */
const LIMITS = {
  TRUST_PROXY: 'true',
  KEY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
  RATE_LIMIT_CLIENT_ADDRESS_FAILURES: '3',
  RATE_LIMIT_CLIENT_FAILURES: '6',
  RATE_LIMIT_USER_FAILURES: '6',
  RATE_LIMIT_ADDRESS_FAILURES: '8',
  RATE_LIMIT_WINDOW_SECONDS: '60',
  RATE_LIMIT_BLOCK_SECONDS: '60',
  LOGIN_MAX_FAILURES: '3',
  LOGIN_LOCKOUT_SECONDS: '60',
  LOGIN_LOCKOUT_MAX_SECONDS: '60',
};

type Agent = TestApp['request'];
const tokenRequest = (request: Agent, address: string, clientId: string, secret: string, form: Record<string, string> = { grant_type: 'client_credentials' }) =>
  request.post(TOKEN).set('X-Forwarded-For', address).set('Authorization', basic(clientId, secret)).type('form').send(form);

const countStatuses = (responses: { status: number }[]) => {
  const statuses: Record<number, number> = {};
  for (const r of responses) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  return statuses;
};

/** Counts argon2 verifications while `fn` runs. */
async function countingArgon2<T>(fn: () => Promise<T>): Promise<{ result: T; calls: number }> {
  const original = argon2.verify.bind(argon2);
  let calls = 0;
  const spy = vi.spyOn(argon2, 'verify').mockImplementation(async (...args: Parameters<typeof argon2.verify>) => {
    calls += 1;
    return original(...args);
  });
  try {
    return { result: await fn(), calls };
  } finally {
    spy.mockRestore();
  }
}

let t: TestApp;
let ccid: string;

/** Every `security.rate_limited` audit row so far (after the background writes are flushed). */
async function rateLimitedRows(app: TestApp = t): Promise<Record<string, unknown>[]> {
  await app.ccauth.securityEvents.flush();
  return (await app.db.knex('audit_events').where({ action: 'security.rate_limited' }).select('*')) as Record<string, unknown>[];
}

beforeAll(async () => {
  t = await startTestApp(LIMITS);
  ccid = (await createContactCenter(t.db.knex, { domains: ['cc'] })).ccid;
});
afterAll(async () => {
  await t?.close();
});

describe('concurrent right credentials count nowhere', () => {
  it('20 concurrent first-use client_credentials requests with the right secret from one address: 20 × 200, no block, no event', async () => {
    const c = await createClient(t, { client_id: 'cc-parallel-workers' });
    const address = '198.51.100.1';
    const responses = await Promise.all(Array.from({ length: 20 }, () => tokenRequest(t.request, address, c.clientId, c.secret)));
    expect(countStatuses(responses)).toEqual({ 200: 20 });
    for (const r of responses) expect(r.body.access_token).toEqual(expect.any(String));
    expect(await rateLimitedRows()).toEqual([]);
    // nothing was counted: the pair still allows its 3 failures, then blocks (brute force still stopped)
    for (let i = 0; i < 3; i++) expect((await tokenRequest(t.request, address, c.clientId, `wrong-${i}`)).status).toBe(401);
    const refused = await tokenRequest(t.request, address, c.clientId, 'wrong-4');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual(TOO_MANY);
  });

  it('20 concurrent correct password grants for one name from one address: all 200; the name is not blocked from a new address; no event', async () => {
    const created = await t.request
      .post(`/environment/v3/contact-centers/${ccid}/users`)
      .set('Authorization', basic(OPS.username, OPS.password))
      .send({ data: { username: 'shift', password: PASSWORD } });
    expect(created.status).toBe(200);
    const client = await createClient(t, { client_id: 'cc-agents' });
    const address = '198.51.100.2';
    // the client's secret is verified (and cached) first, so only the name and address layers are in play
    expect((await tokenRequest(t.request, address, client.clientId, client.secret)).status).toBe(200);
    const login = (from: string) => tokenRequest(t.request, from, client.clientId, client.secret, { grant_type: 'password', username: 'cc\\shift', password: PASSWORD });
    const responses = await Promise.all(Array.from({ length: 20 }, () => login(address)));
    expect(countStatuses(responses)).toEqual({ 200: 20 });
    const elsewhere = await login('198.51.100.3');
    expect(elsewhere.status).toBe(200);
    expect((await rateLimitedRows()).filter((r) => r.source_ip === address || r.source_ip === '198.51.100.3')).toEqual([]);
  });

  it('a concurrent burst of wrong secrets is still held to the pair limit exactly: 3 reach argon2', async () => {
    const c = await createClient(t, { client_id: 'cc-burst' });
    const { result, calls } = await countingArgon2(() => Promise.all(Array.from({ length: 40 }, (_, i) => tokenRequest(t.request, '198.51.100.4', c.clientId, `wrong-${i}`))));
    expect(countStatuses(result)).toEqual({ 401: 3, 429: 37 });
    expect(calls).toBe(3);
    expect((await rateLimitedRows()).filter((r) => r.source_ip === '198.51.100.4')).toHaveLength(1);
  });

  it('right and wrong secrets racing from one address: every right one answers 200 or 429, never 401, and at most 3 wrong ones reach argon2', async () => {
    const c = await createClient(t, { client_id: 'cc-mixed' });
    const { result, calls } = await countingArgon2(() =>
      Promise.all(Array.from({ length: 30 }, (_, i) => tokenRequest(t.request, '198.51.100.5', c.clientId, i % 3 === 0 ? c.secret : `wrong-${i}`))),
    );
    for (const [i, r] of result.entries()) {
      if (i % 3 === 0) expect([200, 429]).toContain(r.status);
      else expect([401, 429]).toContain(r.status);
    }
    // a success forgets the pair's failures, so up to 3 failures after each success; 20 wrong ones never all hash
    expect(calls).toBeLessThanOrEqual(10 + 3 * 10);
  });
});

describe.skipIf(!process.env.DATABASE_URL)('across two processes on one PostgreSQL database', () => {
  let otherDb: Database;
  let other: CcauthApp;
  let otherRequest: Agent;
  beforeAll(async () => {
    otherDb = createDatabase({ kind: 'postgres', url: t.db.url!, poolMax: 4 });
    other = await createApp({ config: t.config, db: otherDb, logger: createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) }) });
    otherRequest = supertest(other.app.callback());
  });
  afterAll(async () => {
    other?.stop();
    await otherDb?.close();
  });

  it('20 concurrent right secrets split over both processes: 20 × 200, no event', async () => {
    const c = await createClient(t, { client_id: 'cc-two-processes' });
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => tokenRequest(i % 2 ? otherRequest : t.request, '198.51.100.10', c.clientId, c.secret)));
    expect(countStatuses(responses)).toEqual({ 200: 20 });
    expect((await rateLimitedRows()).filter((r) => r.source_ip === '198.51.100.10')).toEqual([]);
  });

  it('40 concurrent wrong secrets split over both processes: exactly 3 × 401', async () => {
    const c = await createClient(t, { client_id: 'cc-two-burst' });
    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => tokenRequest(i % 2 ? otherRequest : t.request, '198.51.100.11', c.clientId, `wrong-${i}`)));
    expect(countStatuses(responses)).toEqual({ 401: 3, 429: 37 });
  });
});
