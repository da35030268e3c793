/**
 * `/environment/v3/environments` (genesys-api.md E1-E3; Genesys "Provision Genesys Authentication", "Add a Genesys tenant/environment").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySecret } from '../../src/security/passwords.ts';
import { OPS, basic, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const OPS_AUTH = basic(OPS.username, OPS.password);
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const get = (path: string) => t.request.get(`/environment/v3${path}`).set('Authorization', OPS_AUTH);
const del = (path: string) => t.request.delete(`/environment/v3${path}`).set('Authorization', OPS_AUTH);
const post = (path: string, body: unknown) => t.request.post(`/environment/v3${path}`).set('Authorization', OPS_AUTH).send(body as object);
const put = (path: string, body: unknown) => t.request.put(`/environment/v3${path}`).set('Authorization', OPS_AUTH).send(body as object);

/** The environment body of Genesys "Provision Genesys Authentication", verbatim but for a concrete id. */
function seedEnvironmentBody(overrides: Record<string, unknown> = {}) {
  return {
    data: {
      id: crypto.randomUUID(),
      username: 'default',
      password: 'password',
      connectionProtocol: 'addp',
      remoteTimeout: 7,
      appName: 'Cloud',
      traceMode: 'CFGTMBoth',
      tlsEnabled: false,
      configServers: [{ primaryPort: 2020, readOnly: false, primaryAddress: '172.24.132.84', locations: '/USW1' }],
      localTimeout: 5,
      tenant: 'Environment',
      ...overrides,
    },
  };
}

async function passwordHash(id: string): Promise<string | null> {
  const row = await t.db.knex('environments').select('password_hash').where({ id }).first();
  return (row as { password_hash: string | null } | undefined)?.password_hash ?? null;
}

describe('POST /environment/v3/environments', () => {
  it('creates the Genesys "Provision Genesys Authentication" environment and answers with its path', async () => {
    const body = seedEnvironmentBody();
    const res = await post('/environments', body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: { code: 0 }, path: `/environments/${body.data.id}` });
    expect(res.headers['cache-control']).toBe('no-store');

    const got = await get(`/environments/${body.data.id}`);
    expect(got.status).toBe(200);
    expect(got.body.status).toEqual({ code: 0 });
    const { createdAt, ...rest } = got.body.data;
    expect(rest).toEqual({
      id: body.data.id,
      username: 'default',
      connectionProtocol: 'addp',
      localTimeout: 5,
      remoteTimeout: 7,
      appName: 'Cloud',
      traceMode: 'CFGTMBoth',
      tlsEnabled: false,
      tenant: 'Environment',
      configServers: [{ primaryAddress: '172.24.132.84', primaryPort: 2020, readOnly: false, locations: '/USW1' }],
    });
    expect(Math.abs(createdAt - Date.now())).toBeLessThan(60_000);
  });

  it('stores the Configuration Server password only as an argon2id hash and never returns it', async () => {
    const body = seedEnvironmentBody({ password: 'Cs-Pa55word!' });
    await post('/environments', body);
    const hash = await passwordHash(body.data.id);
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(await verifySecret(hash!, 'Cs-Pa55word!')).toBe(true);
    const got = await get(`/environments/${body.data.id}`);
    const list = await get('/environments');
    for (const text of [JSON.stringify(got.body), JSON.stringify(list.body)]) {
      expect(text).not.toContain('Cs-Pa55word!');
      expect(text).not.toContain('argon2');
      expect(text).not.toContain('password');
    }
    expect(t.logs().join('\n')).not.toContain('Cs-Pa55word!');
  });

  it('generates a UUID and applies the defaults when only username is given', async () => {
    const res = await post('/environments', { data: { username: 'cfg' } });
    expect(res.status).toBe(200);
    const id = /^\/environments\/(.+)$/.exec(res.body.path)?.[1];
    expect(id).toMatch(UUID_V4);
    const got = await get(`/environments/${id}`);
    expect(got.body.data).toMatchObject({
      id,
      username: 'cfg',
      connectionProtocol: 'addp',
      localTimeout: 5,
      remoteTimeout: 7,
      appName: 'Cloud',
      traceMode: 'CFGTMBoth',
      tlsEnabled: false,
      tenant: 'Environment',
      configServers: [],
    });
    expect(await passwordHash(id!)).toBeNull();
  });

  it('lowercases a caller-supplied upper-case id and finds it by either case', async () => {
    const id = crypto.randomUUID();
    const res = await post('/environments', seedEnvironmentBody({ id: id.toUpperCase() }));
    expect(res.body.path).toBe(`/environments/${id}`);
    const got = await get(`/environments/${id.toUpperCase()}`);
    expect(got.status).toBe(200);
    expect(got.body.data.id).toBe(id);
  });

  it('keeps backup Configuration Server addresses', async () => {
    const cs = { primaryAddress: 'cs1.example.com', primaryPort: 8888, backupAddress: 'cs2.example.com', backupPort: 8889, readOnly: true, locations: '/' };
    const body = seedEnvironmentBody({ configServers: [cs] });
    await post('/environments', body);
    expect((await get(`/environments/${body.data.id}`)).body.data.configServers).toEqual([cs]);
  });

  it('answers 409 code 18 for a duplicate id and leaves the first one untouched', async () => {
    const body = seedEnvironmentBody();
    await post('/environments', body);
    const res = await post('/environments', { data: { ...body.data, username: 'other' } });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ status: { code: 18, message: `environment ${body.data.id} already exists` } });
    expect((await get(`/environments/${body.data.id}`)).body.data.username).toBe('default');
  });

  it.each([
    ['no username', { username: undefined }, 'data.username'],
    ['an empty username', { username: '  ' }, 'data.username'],
    ['an id that is not a UUID', { id: 'env-1' }, 'data.id'],
    ['an unknown traceMode', { traceMode: 'VERBOSE' }, 'data.traceMode'],
    ['a string timeout', { localTimeout: '5' }, 'data.localTimeout'],
    ['a negative timeout', { remoteTimeout: -1 }, 'data.remoteTimeout'],
    ['a string for tlsEnabled', { tlsEnabled: 'false' }, 'data.tlsEnabled'],
    ['configServers that is not an array', { configServers: { primaryAddress: 'x' } }, 'data.configServers'],
    ['a port out of range', { configServers: [{ primaryAddress: 'cs', primaryPort: 70000 }] }, 'data.configServers.0.primaryPort'],
    ['a missing primaryAddress', { configServers: [{ primaryPort: 2020 }] }, 'data.configServers.0.primaryAddress'],
    ['a backupPort without backupAddress', { configServers: [{ primaryAddress: 'cs', primaryPort: 1, backupPort: 2 }] }, 'data.configServers.0.backupPort'],
    ['locations without a leading slash', { configServers: [{ primaryAddress: 'cs', primaryPort: 1, locations: 'USW1' }] }, 'data.configServers.0.locations'],
  ])('refuses %s with 400, code 10 and the field named, storing nothing', async (_label, overrides, field) => {
    const before = (await get('/environments')).body.data.length;
    const res = await post('/environments', seedEnvironmentBody(overrides));
    expect(res.status).toBe(400);
    expect(res.body.status.code).toBe(10);
    expect(res.body.status.detail.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect((await get('/environments')).body.data).toHaveLength(before);
  });

  it('refuses a body without data (code 1) and broken JSON (code 2)', async () => {
    const noData = await post('/environments', { username: 'x' });
    expect(noData.status).toBe(400);
    expect(noData.body.status.code).toBe(1);
    const broken = await t.request.post('/environment/v3/environments').set('Authorization', OPS_AUTH).set('Content-Type', 'application/json').send('{"data":');
    expect(broken.status).toBe(400);
    expect(broken.body).toEqual({ status: { code: 2, message: 'request body is not valid JSON' } });
  });
});

describe('GET /environment/v3/environments', () => {
  it('lists every environment in data[]', async () => {
    const a = seedEnvironmentBody();
    const b = seedEnvironmentBody({ username: 'second' });
    await post('/environments', a);
    await post('/environments', b);
    const res = await get('/environments');
    expect(res.status).toBe(200);
    expect(res.body.status).toEqual({ code: 0 });
    expect(Array.isArray(res.body.data)).toBe(true);
    const ids = res.body.data.map((e: { id: string }) => e.id);
    expect(ids).toEqual(expect.arrayContaining([a.data.id, b.data.id]));
    expect(ids.indexOf(a.data.id)).toBeLessThan(ids.indexOf(b.data.id));
  });

  it.each([['an unknown id', () => `/environments/${crypto.randomUUID()}`], ['a non-UUID id', () => '/environments/not-a-uuid'], ['an unknown sub-path', () => `/environments/${crypto.randomUUID()}/things`]])(
    'answers 404 code 6 for %s',
    async (_label, path) => {
      const res = await get(path());
      expect(res.status).toBe(404);
      expect(res.body.status.code).toBe(6);
      expect(typeof res.body.status.message).toBe('string');
    },
  );
});

describe('PUT /environment/v3/environments/{id}', () => {
  it('merges the given fields and keeps the rest, including the password hash', async () => {
    const body = seedEnvironmentBody();
    await post('/environments', body);
    const before = await passwordHash(body.data.id);
    const res = await put(`/environments/${body.data.id}`, { data: { remoteTimeout: 90, localTimeout: 60 } });
    expect(res.status).toBe(200);
    expect(res.body.status).toEqual({ code: 0 });
    expect(res.body.data).toMatchObject({ id: body.data.id, remoteTimeout: 90, localTimeout: 60, username: 'default', appName: 'Cloud' });
    expect(res.body.data.configServers).toHaveLength(1);
    expect(await passwordHash(body.data.id)).toBe(before);
    const empty = await put(`/environments/${body.data.id}`, { data: { password: '' } });
    expect(empty.status).toBe(200);
    expect(await passwordHash(body.data.id)).toBe(before);
    const got = await get(`/environments/${body.data.id}`);
    expect(got.body.data.remoteTimeout).toBe(90);
  });

  it('re-hashes a new password and replaces configServers as a whole', async () => {
    const body = seedEnvironmentBody();
    await post('/environments', body);
    const cs = [{ primaryAddress: 'a', primaryPort: 1, readOnly: false, locations: '/' }, { primaryAddress: 'b', primaryPort: 2, readOnly: true, locations: '/EUW1' }];
    const res = await put(`/environments/${body.data.id}`, { data: { password: 'new-secret', configServers: cs } });
    expect(res.status).toBe(200);
    expect(res.body.data.configServers).toEqual(cs);
    expect(JSON.stringify(res.body)).not.toContain('new-secret');
    expect(await verifySecret((await passwordHash(body.data.id))!, 'new-secret')).toBe(true);
  });

  it('refuses an id in the body that differs from the path (code 2) and bad fields (code 10)', async () => {
    const body = seedEnvironmentBody();
    await post('/environments', body);
    const mismatch = await put(`/environments/${body.data.id}`, { data: { id: crypto.randomUUID(), username: 'x' } });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.status.code).toBe(2);
    const bad = await put(`/environments/${body.data.id}`, { data: { traceMode: 'nope' } });
    expect(bad.status).toBe(400);
    expect(bad.body.status.detail.errors[0].field).toBe('data.traceMode');
    expect((await get(`/environments/${body.data.id}`)).body.data.username).toBe('default');
  });

  it('answers 404 code 6 for an unknown environment', async () => {
    const res = await put(`/environments/${crypto.randomUUID()}`, { data: { username: 'x' } });
    expect(res.status).toBe(404);
    expect(res.body.status.code).toBe(6);
  });
});

describe('DELETE /environment/v3/environments/{id}', () => {
  it('refuses (409 code 19) while a contact center uses it, then deletes once it is gone', async () => {
    const body = seedEnvironmentBody();
    await post('/environments', body);
    const cc = await post('/contact-centers', { data: { environmentId: body.data.id, domains: ['envdel'], auth: 'configServer' } });
    expect(cc.body.status).toEqual({ code: 0 });
    const refused = await del(`/environments/${body.data.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.status.code).toBe(19);
    expect(refused.body.status.message).toContain('contact center');
    expect((await get(`/environments/${body.data.id}`)).status).toBe(200);

    expect((await del(cc.body.path)).status).toBe(200);
    const res = await del(`/environments/${body.data.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: { code: 0 } });
    expect((await get(`/environments/${body.data.id}`)).status).toBe(404);
    const again = await del(`/environments/${body.data.id}`);
    expect(again.status).toBe(404);
    expect(again.body.status.code).toBe(6);
  });
});
