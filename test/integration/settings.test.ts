/**
 * `/environment/v3/contact-centers/{ccid}/settings` (genesys-api.md E7-E9, §6; Genesys "Provision Genesys Authentication", "Update
 * CORS settings").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPS, basic, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const OPS_AUTH = basic(OPS.username, OPS.password);
let t: TestApp;
let envId: string;
let domainSeq = 0;

const get = (path: string) => t.request.get(`/environment/v3${path}`).set('Authorization', OPS_AUTH);
const del = (path: string) => t.request.delete(`/environment/v3${path}`).set('Authorization', OPS_AUTH);
const post = (path: string, body: unknown) => t.request.post(`/environment/v3${path}`).set('Authorization', OPS_AUTH).send(body as object);

async function createCc(): Promise<string> {
  const res = await post('/contact-centers', { data: { environmentId: envId, domains: [`s${++domainSeq}`], auth: 'configServer' } });
  expect(res.body.status).toEqual({ code: 0 });
  return res.body.path.split('/')[2];
}

const cors = (value: string, extra: Record<string, unknown> = {}) => ({ data: { location: '/', name: 'cors-origins', shared: 'true', value, ...extra } });

beforeAll(async () => {
  t = await startTestApp();
  const env = await post('/environments', { data: { username: 'default', password: 'password' } });
  envId = env.body.path.split('/')[2];
});
afterAll(async () => {
  await t.close();
});

describe('POST /environment/v3/contact-centers/{ccid}/settings', () => {
  it('stores the Genesys "Provision Genesys Authentication" CORS setting, trimmed and normalized, and GET returns it under data.settings', async () => {
    const ccid = await createCc();
    const res = await t.request
      .post(`/environment/v3/contact-centers/${ccid}/settings`)
      .set('Authorization', OPS_AUTH)
      .set('Content-Type', 'application/json')
      .send('\n{\n"data":{\n"location":"/",\n"name":"cors-origins",\n"shared":"true",\n"value":"https://wwe.example.com, https://GWS.Example.com:443/,http://localhost:8080 ,https://wwe.example.com"\n}\n}');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: { code: 0 } });
    const got = await get(`/contact-centers/${ccid}/settings`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({
      status: { code: 0 },
      data: {
        settings: [{ name: 'cors-origins', value: 'https://wwe.example.com,https://gws.example.com,http://localhost:8080', location: '/', shared: true }],
      },
    });
  });

  it('replaces the whole value on every POST (Genesys overwrite semantics)', async () => {
    const ccid = await createCc();
    await post(`/contact-centers/${ccid}/settings`, cors('https://a.example.com,https://b.example.com')).expect(200);
    await post(`/contact-centers/${ccid}/settings`, cors('https://c.example.com', { shared: false, location: '/USW1' })).expect(200);
    const got = await get(`/contact-centers/${ccid}/settings`);
    expect(got.body.data.settings).toEqual([{ name: 'cors-origins', value: 'https://c.example.com', location: '/USW1', shared: false }]);
  });

  it.each([
    ['a path', 'https://wwe.example.com/app'],
    ['a bare host', 'wwe.example.com'],
    ['a wildcard host', 'https://*.example.com'],
    ['a lone wildcard', '*'],
    ['ftp', 'ftp://files.example.com'],
    ['a query', 'https://wwe.example.com?x=1'],
    ['a fragment', 'https://wwe.example.com#top'],
    ['user information', 'https://user:pw@wwe.example.com'],
    ['the null origin', 'null'],
    ['javascript:', 'javascript:alert(1)'],
  ])('refuses an origin with %s (400 code 10 naming it) and keeps the stored value', async (_label, bad) => {
    const ccid = await createCc();
    await post(`/contact-centers/${ccid}/settings`, cors('https://ok.example.com')).expect(200);
    const res = await post(`/contact-centers/${ccid}/settings`, cors(`https://good.example.com, ${bad}`));
    expect(res.status).toBe(400);
    expect(res.body.status.code).toBe(10);
    expect(res.body.status.detail.errors).toHaveLength(1);
    expect(res.body.status.detail.errors[0].field).toBe('data.value');
    expect(res.body.status.detail.errors[0].message).toContain(`"${bad}"`);
    const got = await get(`/contact-centers/${ccid}/settings`);
    expect(got.body.data.settings[0].value).toBe('https://ok.example.com');
  });

  it('keeps other settings verbatim, sorted by name, with boolean shared', async () => {
    const ccid = await createCc();
    const value = ' anything, at/all ?#* ';
    await post(`/contact-centers/${ccid}/settings`, { data: { name: 'z.custom_Setting-1', value, location: '/EUW1', shared: true } }).expect(200);
    await post(`/contact-centers/${ccid}/settings`, { data: { name: 'a-setting', value: '' } }).expect(200);
    const got = await get(`/contact-centers/${ccid}/settings`);
    expect(got.body.data.settings).toEqual([
      { name: 'a-setting', value: '', location: '/', shared: false },
      { name: 'z.custom_Setting-1', value, location: '/EUW1', shared: true },
    ]);
  });

  it.each([
    ['a name with a space', { name: 'cors origins' }, 'data.name'],
    ['a name of 129 characters', { name: 'n'.repeat(129) }, 'data.name'],
    ['a missing name', { name: undefined }, 'data.name'],
    ['shared that is not a boolean', { shared: 'maybe' }, 'data.shared'],
    ['a value that is not a string', { value: ['https://a.example.com'] }, 'data.value'],
    ['a missing value', { value: undefined }, 'data.value'],
    ['a value over 64 KiB', { name: 'big', value: 'x'.repeat(64 * 1024 + 1) }, 'data.value'],
    ['a location without a slash', { location: 'USW1' }, 'data.location'],
    ['a value with a NUL character', { name: 'nul', value: 'a\u0000b' }, 'data.value'],
  ])('refuses %s (400 code 10)', async (_label, overrides, field) => {
    const ccid = await createCc();
    const res = await post(`/contact-centers/${ccid}/settings`, cors('https://a.example.com', overrides));
    expect(res.status).toBe(400);
    expect(res.body.status.code).toBe(10);
    expect(res.body.status.detail.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect((await get(`/contact-centers/${ccid}/settings`)).body.data.settings).toEqual([]);
  });

  it('accepts a value of exactly 64 KiB', async () => {
    const ccid = await createCc();
    await post(`/contact-centers/${ccid}/settings`, { data: { name: 'big', value: 'x'.repeat(64 * 1024) } }).expect(200);
    expect((await get(`/contact-centers/${ccid}/settings`)).body.data.settings[0].value).toHaveLength(64 * 1024);
  });

  it('accepts shared as a boolean and as "false"', async () => {
    const ccid = await createCc();
    await post(`/contact-centers/${ccid}/settings`, cors('', { shared: true })).expect(200);
    expect((await get(`/contact-centers/${ccid}/settings`)).body.data.settings[0]).toMatchObject({ shared: true, value: '' });
    await post(`/contact-centers/${ccid}/settings`, cors('https://a.example.com', { shared: 'false' })).expect(200);
    expect((await get(`/contact-centers/${ccid}/settings`)).body.data.settings[0]).toMatchObject({ shared: false, value: 'https://a.example.com' });
  });
});

describe('DELETE /environment/v3/contact-centers/{ccid}/settings/{name}', () => {
  it('deletes one setting, then answers 404 code 6', async () => {
    const ccid = await createCc();
    await post(`/contact-centers/${ccid}/settings`, cors('https://a.example.com')).expect(200);
    await post(`/contact-centers/${ccid}/settings`, { data: { name: 'other', value: 'v' } }).expect(200);
    const res = await del(`/contact-centers/${ccid}/settings/cors-origins`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: { code: 0 } });
    expect((await get(`/contact-centers/${ccid}/settings`)).body.data.settings.map((s: { name: string }) => s.name)).toEqual(['other']);
    const again = await del(`/contact-centers/${ccid}/settings/cors-origins`);
    expect(again.status).toBe(404);
    expect(again.body.status).toEqual({ code: 6, message: 'setting cors-origins not found' });
  });
});

describe('unknown contact centers', () => {
  it.each([
    ['GET', (id: string) => get(`/contact-centers/${id}/settings`)],
    ['POST', (id: string) => post(`/contact-centers/${id}/settings`, cors('https://a.example.com'))],
    ['DELETE', (id: string) => del(`/contact-centers/${id}/settings/cors-origins`)],
  ])('%s answers 404 code 6 for an unknown or malformed CCID', async (_m, call) => {
    for (const id of [crypto.randomUUID(), 'not-a-ccid']) {
      const res = await call(id);
      expect(res.status).toBe(404);
      expect(res.body.status.code).toBe(6);
      expect(res.body.status.message).toContain('contact center');
    }
  });
});
