/**
 * `/environment/v3/contact-centers` (genesys-api.md E4-E6, §7; Genesys "Provision Genesys Authentication", "Add a contact center").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const OPS_AUTH = basic(OPS.username, OPS.password);
let t: TestApp;
let envId: string;
let otherEnvId: string;

const get = (path: string) => t.request.get(`/environment/v3${path}`).set('Authorization', OPS_AUTH);
const del = (path: string) => t.request.delete(`/environment/v3${path}`).set('Authorization', OPS_AUTH);
const post = (path: string, body: unknown) => t.request.post(`/environment/v3${path}`).set('Authorization', OPS_AUTH).send(body as object);
const put = (path: string, body: unknown) => t.request.put(`/environment/v3${path}`).set('Authorization', OPS_AUTH).send(body as object);

async function createEnvironment(): Promise<string> {
  const res = await post('/environments', { data: { username: 'default', password: 'password' } });
  expect(res.body.status).toEqual({ code: 0 });
  return res.body.path.split('/')[2];
}

/** Creates a contact center; returns its CCID. */
async function createCc(domains: unknown, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await post('/contact-centers', { data: { environmentId: envId, domains, auth: 'configServer', ...extra } });
  if (res.status !== 200) throw new Error(`contact center create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.path.split('/')[2];
}

async function countDomains(domain: string): Promise<number> {
  const r = await t.db.knex('contact_center_domains').where({ domain }).count<{ n: string }[]>({ n: '*' });
  return Number(r[0]!.n);
}

beforeAll(async () => {
  t = await startTestApp();
  envId = await createEnvironment();
  otherEnvId = await createEnvironment();
});
afterAll(async () => {
  await t.close();
});

describe('POST /environment/v3/contact-centers', () => {
  it('creates the Genesys "Provision Genesys Authentication" contact center with a fixed id, domains as one string, stored lowercase', async () => {
    const id = crypto.randomUUID();
    const res = await post('/contact-centers', { data: { domains: 'T100', environmentId: envId, auth: 'configServer', id } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: { code: 0 }, path: `/contact-centers/${id}` });
    const got = await get(`/contact-centers/${id}`);
    expect(got.status).toBe(200);
    expect(got.body.status).toEqual({ code: 0 });
    expect(Object.keys(got.body.data).sort()).toEqual(['auth', 'createdAt', 'domains', 'environmentId', 'id']);
    expect(got.body.data).toMatchObject({ id, environmentId: envId, domains: ['t100'], auth: 'configServer' });
    expect(Math.abs(got.body.data.createdAt - Date.now())).toBeLessThan(60_000);
  });

  it('generates the CCID, keeps domain order, drops duplicates and defaults auth', async () => {
    const res = await post('/contact-centers', { data: { environmentId: envId, domains: ['Zeta', 'alpha', 'ZETA'] } });
    expect(res.status).toBe(200);
    const ccid = res.body.path.split('/')[2];
    expect(ccid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect((await get(`/contact-centers/${ccid}`)).body.data).toMatchObject({ domains: ['zeta', 'alpha'], auth: 'configServer' });
  });

  it('answers 409 code 18 naming the domain when another contact center has it (any case), storing nothing', async () => {
    await createCc(['shared1']);
    const id = crypto.randomUUID();
    const res = await post('/contact-centers', { data: { id, environmentId: envId, domains: ['fresh1', 'SHARED1'] } });
    expect(res.status).toBe(409);
    expect(res.body.status.code).toBe(18);
    expect(res.body.status.message).toContain('shared1');
    expect((await get(`/contact-centers/${id}`)).status).toBe(404);
    expect(await countDomains('fresh1')).toBe(0);
  });

  it('answers 409 code 18 for a duplicate CCID and keeps the original', async () => {
    const id = await createCc(['dupid']);
    const res = await post('/contact-centers', { data: { id, environmentId: otherEnvId, domains: ['dupid2'] } });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ status: { code: 18, message: `contact center ${id} already exists` } });
    expect((await get(`/contact-centers/${id}`)).body.data).toMatchObject({ environmentId: envId, domains: ['dupid'] });
    expect(await countDomains('dupid2')).toBe(0);
  });

  it('answers 400 code 10 on data.environmentId for an unknown environment', async () => {
    const id = crypto.randomUUID();
    const res = await post('/contact-centers', { data: { id, environmentId: crypto.randomUUID(), domains: ['orphan'] } });
    expect(res.status).toBe(400);
    expect(res.body.status.code).toBe(10);
    expect(res.body.status.detail.errors).toEqual([{ field: 'data.environmentId', message: 'no such environment' }]);
    expect((await get(`/contact-centers/${id}`)).status).toBe(404);
    expect(await countDomains('orphan')).toBe(0);
  });

  it.each([
    ['a period', 'acme.com', 'data.domains.0'],
    ['a backslash', 'a\\b', 'data.domains.0'],
    ['a slash', 'a/b', 'data.domains.0'],
    ['a space', 'a b', 'data.domains.0'],
    ['a tab', 'a\tb', 'data.domains.0'],
    ['nothing', '', 'data.domains.0'],
    ['65 characters', 'x'.repeat(65), 'data.domains.0'],
  ])('refuses a domain with %s (400 code 10)', async (_label, domain, field) => {
    const res = await post('/contact-centers', { data: { environmentId: envId, domains: [domain] } });
    expect(res.status).toBe(400);
    expect(res.body.status.code).toBe(10);
    expect(res.body.status.detail.errors.map((e: { field: string }) => e.field)).toEqual([field]);
  });

  it.each<[string, (env: string) => Record<string, unknown>, string]>([
    ['a missing environmentId', () => ({ domains: ['x1'] }), 'data.environmentId'],
    ['a non-UUID environmentId', () => ({ environmentId: 'env', domains: ['x1'] }), 'data.environmentId'],
    ['domains that are a number', (env) => ({ environmentId: env, domains: 5 }), 'data.domains'],
    ['a non-UUID id', (env) => ({ id: '42', environmentId: env, domains: ['x1'] }), 'data.id'],
    ['an auth that is not a name', (env) => ({ environmentId: env, domains: ['x1'], auth: 'config server' }), 'data.auth'],
  ])('refuses %s (400 code 10)', async (_label, data, field) => {
    const res = await post('/contact-centers', { data: data(envId) });
    expect(res.status).toBe(400);
    expect(res.body.status.code).toBe(10);
    expect(res.body.status.detail.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await countDomains('x1')).toBe(0);
  });
});

describe('GET /environment/v3/contact-centers', () => {
  it('lists contact centers in data[]', async () => {
    const a = await createCc(['lista']);
    const b = await createCc(['listb1', 'listb2']);
    const res = await get('/contact-centers');
    expect(res.status).toBe(200);
    expect(res.body.status).toEqual({ code: 0 });
    const byId = new Map(res.body.data.map((c: { id: string }) => [c.id, c]));
    expect(byId.get(a)).toMatchObject({ environmentId: envId, domains: ['lista'], auth: 'configServer' });
    expect(byId.get(b)).toMatchObject({ domains: ['listb1', 'listb2'] });
  });

  it.each([['unknown', () => `/contact-centers/${crypto.randomUUID()}`], ['not a UUID', () => '/contact-centers/t100']])('answers 404 code 6 for an id that is %s', async (_l, path) => {
    const res = await get(path());
    expect(res.status).toBe(404);
    expect(res.body.status.code).toBe(6);
  });
});

describe('PUT /environment/v3/contact-centers/{ccid}', () => {
  it('replaces domains as a whole, freeing the old ones, and keeps unspecified fields', async () => {
    const ccid = await createCc(['old1', 'keep1']);
    const res = await put(`/contact-centers/${ccid}`, { data: { domains: ['keep1', 'New1'] } });
    expect(res.status).toBe(200);
    expect(res.body.status).toEqual({ code: 0 });
    expect(res.body.data).toMatchObject({ id: ccid, environmentId: envId, domains: ['keep1', 'new1'], auth: 'configServer' });
    expect(await countDomains('old1')).toBe(0);
    await createCc(['old1']);
  });

  it('moves a contact center to another environment', async () => {
    const ccid = await createCc(['mover']);
    const res = await put(`/contact-centers/${ccid}`, { data: { environmentId: otherEnvId } });
    expect(res.status).toBe(200);
    expect((await get(`/contact-centers/${ccid}`)).body.data).toMatchObject({ environmentId: otherEnvId, domains: ['mover'] });
  });

  it('refuses a domain of another contact center (409 code 18) and an unknown environment (400 code 10), changing nothing', async () => {
    await createCc(['taken2']);
    const ccid = await createCc(['mine2']);
    const clash = await put(`/contact-centers/${ccid}`, { data: { domains: ['mine2', 'taken2'] } });
    expect(clash.status).toBe(409);
    expect(clash.body.status.code).toBe(18);
    expect(clash.body.status.message).toContain('taken2');
    const noEnv = await put(`/contact-centers/${ccid}`, { data: { environmentId: crypto.randomUUID(), domains: ['mine3'] } });
    expect(noEnv.status).toBe(400);
    expect(noEnv.body.status.detail.errors[0].field).toBe('data.environmentId');
    expect((await get(`/contact-centers/${ccid}`)).body.data).toMatchObject({ environmentId: envId, domains: ['mine2'] });
  });

  it('answers 404 code 6 for an unknown contact center and 400 code 2 for a mismatched id', async () => {
    const missing = await put(`/contact-centers/${crypto.randomUUID()}`, { data: { domains: ['nobody'] } });
    expect(missing.status).toBe(404);
    expect(missing.body.status.code).toBe(6);
    const ccid = await createCc(['mismatch']);
    const mismatch = await put(`/contact-centers/${ccid}`, { data: { id: crypto.randomUUID() } });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.status.code).toBe(2);
  });
});

describe('DELETE /environment/v3/contact-centers/{ccid}', () => {
  it('deletes it with its domains and settings', async () => {
    const ccid = await createCc(['gone1']);
    const set = await post(`/contact-centers/${ccid}/settings`, { data: { location: '/', name: 'cors-origins', shared: 'true', value: 'https://a.example.com' } });
    expect(set.body).toEqual({ status: { code: 0 } });
    const res = await del(`/contact-centers/${ccid}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: { code: 0 } });
    expect((await get(`/contact-centers/${ccid}`)).status).toBe(404);
    expect(await countDomains('gone1')).toBe(0);
    const settings = await t.db.knex('contact_center_settings').where({ ccid }).count<{ n: string }[]>({ n: '*' });
    expect(Number(settings[0]!.n)).toBe(0);
    const again = await del(`/contact-centers/${ccid}`);
    expect(again.status).toBe(404);
    expect(again.body.status.code).toBe(6);
  });

  it('refuses (409 code 19) while a user belongs to it', async () => {
    const ccid = await createCc(['withuser']);
    const userId = crypto.randomUUID();
    await t.db.knex('users').insert({ id: userId, ccid, username: 'agent', username_canonical: 'agent', password_hash: '$argon2id$x' });
    const res = await del(`/contact-centers/${ccid}`);
    expect(res.status).toBe(409);
    expect(res.body.status.code).toBe(19);
    expect(res.body.status.message).toContain('1 user(s)');
    expect((await get(`/contact-centers/${ccid}`)).body.data.domains).toEqual(['withuser']);
    await t.db.knex('users').where({ id: userId }).delete();
    expect((await del(`/contact-centers/${ccid}`)).status).toBe(200);
  });

  it('refuses (409 code 19) while a client is bound to it', async () => {
    const ccid = await createCc(['withclient']);
    const { clientId } = await createClient(t, { client_id: 'bound_client', contactCenterIds: [ccid] });
    const res = await del(`/contact-centers/${ccid}`);
    expect(res.status).toBe(409);
    expect(res.body.status.code).toBe(19);
    expect(res.body.status.message).toContain('1 client(s)');
    expect((await get(`/contact-centers/${ccid}`)).status).toBe(200);
    await t.request.delete(`/auth/v3/ops/clients/${clientId}`).set('Authorization', OPS_AUTH).expect(200);
    expect((await del(`/contact-centers/${ccid}`)).status).toBe(200);
  });
});
