/**
 * Two ccauth processes on one PostgreSQL database (docs/security-model.md; design.md §1 "processes are
 * stateless and interchangeable"; docs/security-model.md "Security model" → "Concurrency and faults"): two real
 * servers (`node src/main.ts`, test/helpers/spawn-server.ts) started at the same time on one
 * throwaway database, with the same KEY_ENCRYPTION_KEY and COOKIE_KEYS as a deployment would give
 * them.
 * - A token issued by one is introspected, used at userinfo, refreshed and revoked on the other; a
 *   duplicate refresh on the first within the grace window gets the very successor the second issued.
 * - A client deleted on one is refused by the other within a second, although the other had it in
 *   its client cache a moment before (LISTEN/NOTIFY invalidation; the cache lifetime is 5 s).
 * Skipped without DATABASE_URL: the embedded PGlite database belongs to one process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/test-db.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import { call, sharedSecrets, spawnServer } from '../helpers/spawn-server.ts';
import type { SpawnedServer } from '../helpers/spawn-server.ts';

const hasPostgres = !!process.env.DATABASE_URL;
if (!hasPostgres) console.warn('multi-process: skipped: needs DATABASE_URL (PGlite is a single-process database)');

const TOKEN = '/auth/v3/oauth/token';
const OPS = { user: 'ops', secret: 'ops' };
/** Longest acceptable delay before a deletion on one process is in force on the other, ms. */
const INVALIDATION_BOUND_MS = 1000;

let db: TestDatabase | undefined;
let a: SpawnedServer | undefined;
let b: SpawnedServer | undefined;

type Creds = { clientId: string; secret: string };
const auth = (c: Creds) => ({ user: c.clientId, secret: c.secret });

async function createClient(on: SpawnedServer, clientId: string, grantTypes: string[]): Promise<Creds> {
  const res = await call(on.url, '/auth/v3/ops/clients', {
    basicAuth: OPS,
    json: { data: { client_id: clientId, scope: ['*'], internalClient: true, authorities: ['ROLE_INTERNAL_CLIENT'], authorizedGrantTypes: grantTypes } },
  });
  if (res.status !== 200) throw new Error(`client create failed: ${res.status} ${res.text}`);
  return { clientId, secret: res.body.data.client_secret };
}

describe.skipIf(!hasPostgres)('two processes on one database', () => {
  beforeAll(async () => {
    db = await createTestDatabase();
    const shared = { DATABASE_URL: db.url!, ...sharedSecrets() };
    // started together: both migrate (nothing left to do) and race to create the first signing key
    [a, b] = await Promise.all([spawnServer(shared), spawnServer(shared)]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([a?.destroy(), b?.destroy()]);
    await db?.close();
  });

  it('serves a token issued by one process on the other: introspection, userinfo, refresh, revocation', async () => {
    const client = await createClient(a!, 'shared_client', ['password', 'refresh_token']);
    const issued = await call(a!.url, TOKEN, { basicAuth: auth(client), form: { grant_type: 'password', username: 'ops', password: 'ops' } });
    expect(issued.status, issued.text).toBe(200);
    const { access_token: access, refresh_token: refresh } = issued.body;

    const introspected = await call(b!.url, '/auth/v3/oauth/introspect', { basicAuth: auth(client), form: { token: access } });
    expect(introspected.status).toBe(200);
    expect(introspected.body).toMatchObject({ active: true, client_id: 'shared_client', sub: 'ops', token_type: 'bearer', iss: 'http://ccauth.test' });
    const info = await call(b!.url, '/auth/v3/userinfo', { bearer: access });
    expect(info.status, info.text).toBe(200);

    // refreshed on B
    const rotated = await call(b!.url, TOKEN, { basicAuth: auth(client), form: { grant_type: 'refresh_token', refresh_token: refresh } });
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.body.refresh_token).not.toBe(refresh);
    // a duplicate of that refresh on A within the grace window: the same successor, not a second one
    const duplicate = await call(a!.url, TOKEN, { basicAuth: auth(client), form: { grant_type: 'refresh_token', refresh_token: refresh } });
    expect(duplicate.status, duplicate.text).toBe(200);
    expect(duplicate.body.refresh_token).toBe(rotated.body.refresh_token);
    expect(duplicate.body.access_token).toBe(rotated.body.access_token);
    const onA = await call(a!.url, '/auth/v3/oauth/introspect', { basicAuth: auth(client), form: { token: rotated.body.access_token } });
    expect(onA.body).toMatchObject({ active: true, client_id: 'shared_client' });

    // revoked on B (the refresh token: RFC 7009), dead on A
    const revoked = await call(b!.url, '/auth/v3/oauth/revoke', { basicAuth: auth(client), form: { token: rotated.body.refresh_token } });
    expect(revoked.status).toBe(200);
    for (const token of [access, rotated.body.access_token, rotated.body.refresh_token]) {
      const res = await call(a!.url, '/auth/v3/oauth/introspect', { basicAuth: auth(client), form: { token } });
      expect(res.body).toEqual({ active: false });
    }
    const refused = await call(a!.url, '/auth/v3/userinfo', { bearer: rotated.body.access_token });
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_token');
    const again = await call(a!.url, TOKEN, { basicAuth: auth(client), form: { grant_type: 'refresh_token', refresh_token: rotated.body.refresh_token } });
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
  });

  it('refuses a client on one process within a second of its deletion on the other', async () => {
    const delays: number[] = [];
    for (let round = 1; round <= 3; round++) {
      const client = await createClient(a!, `doomed_client_${round}`, ['client_credentials']);
      const grant = (on: SpawnedServer) => call(on.url, TOKEN, { basicAuth: auth(client), form: { grant_type: 'client_credentials' } });
      // B knows the client (and now holds it in its client cache)
      const before = await grant(b!);
      expect(before.status, before.text).toBe(200);
      const deleted = await call(a!.url, `/auth/v3/ops/clients/${client.clientId}`, { method: 'DELETE', basicAuth: OPS });
      expect(deleted.status, deleted.text).toBe(200);
      const deletedAt = Date.now();
      let refused: Awaited<ReturnType<typeof grant>> | undefined;
      while (Date.now() - deletedAt < 3000) {
        const res = await grant(b!);
        if (res.status !== 200) {
          refused = res;
          break;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      const elapsedMs = Date.now() - deletedAt;
      expect(refused, `round ${round}: B still accepted the deleted client after ${elapsedMs} ms`).toBeDefined();
      expect(refused!.status).toBe(401);
      expect(refused!.body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
      expect(elapsedMs, `round ${round}: deletion took ${elapsedMs} ms to reach B`).toBeLessThan(INVALIDATION_BOUND_MS);
      delays.push(elapsedMs);
      // the deleted client's tokens die with it on both processes
      expect((await grant(a!)).status).toBe(401);
      expect(before.body.access_token).toEqual(expect.any(String));
      const info = await call(b!.url, '/auth/v3/userinfo', { bearer: before.body.access_token });
      expect(info.status).toBe(401);
    }
    console.info(`client deletion reached the other process after ${delays.join(', ')} ms`);
  });
});
