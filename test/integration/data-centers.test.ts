/**
 * `/environment/v3/data-centers` (genesys-api.md E10-E11; Genesys "Provision Genesys Authentication", "Add a data center").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPS, basic, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const OPS_AUTH = basic(OPS.username, OPS.password);
let t: TestApp;

const get = (path: string) => t.request.get(`/environment/v3${path}`).set('Authorization', OPS_AUTH);
const del = (path: string) => t.request.delete(`/environment/v3${path}`).set('Authorization', OPS_AUTH);
const post = (path: string, body: unknown) => t.request.post(`/environment/v3${path}`).set('Authorization', OPS_AUTH).send(body as object);
const put = (path: string, body: unknown) => t.request.put(`/environment/v3${path}`).set('Authorization', OPS_AUTH).send(body as object);

async function createDc(data: Record<string, unknown>): Promise<string> {
  const res = await post('/data-centers', { data });
  if (res.status !== 200) throw new Error(`data center create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.path.split('/')[2];
}

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('POST /environment/v3/data-centers', () => {
  it('creates the Genesys "Provision Genesys Authentication" data center (ops Basic) and answers with its path', async () => {
    const res = await t.request
      .post('/environment/v3/data-centers')
      .set('Authorization', OPS_AUTH)
      .set('Content-Type', 'application/json')
      .send('{"data":{"location":"/usw1","entryPoint":"https://gauth.example.com","readOnly":false}}');
    expect(res.status).toBe(200);
    expect(res.body.status).toEqual({ code: 0 });
    expect(res.body.path).toMatch(/^\/data-centers\/[0-9a-f-]{36}$/);
    const got = await get(res.body.path);
    expect(got.status).toBe(200);
    const { createdAt, ...rest } = got.body.data;
    expect(rest).toEqual({ id: res.body.path.split('/')[2], location: '/usw1', entryPoint: 'https://gauth.example.com', readOnly: false });
    expect(Math.abs(createdAt - Date.now())).toBeLessThan(60_000);
  });

  it('answers 409 code 18 for a location that exists, ignoring case, and stores nothing', async () => {
    await createDc({ location: '/euw1', entryPoint: 'https://gauth-euw1.example.com' });
    const before = (await get('/data-centers')).body.data.length;
    for (const location of ['/euw1', '/EUW1']) {
      const res = await post('/data-centers', { data: { location, entryPoint: 'https://other.example.com', readOnly: true } });
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ status: { code: 18, message: `data center location ${location} already exists` } });
    }
    expect((await get('/data-centers')).body.data).toHaveLength(before);
  });

  it('accepts a caller-chosen id and refuses it twice', async () => {
    const id = crypto.randomUUID();
    expect(await createDc({ id, location: '/use1', entryPoint: 'http://gauth-use1.internal:8080/' })).toBe(id);
    const res = await post('/data-centers', { data: { id, location: '/use2', entryPoint: 'https://x.example.com' } });
    expect(res.status).toBe(409);
    expect(res.body.status).toEqual({ code: 18, message: `data center ${id} already exists` });
  });

  it.each([
    ['an entryPoint without scheme', { entryPoint: 'gauth.example.com' }, 'data.entryPoint'],
    ['an ftp entryPoint', { entryPoint: 'ftp://gauth.example.com' }, 'data.entryPoint'],
    ['a javascript: entryPoint', { entryPoint: 'javascript:alert(1)' }, 'data.entryPoint'],
    ['an entryPoint with user information', { entryPoint: 'https://ops:ops@gauth.example.com' }, 'data.entryPoint'],
    ['a missing entryPoint', { entryPoint: undefined }, 'data.entryPoint'],
    ['an entryPoint with a NUL character', { entryPoint: 'https://gauth.example.com/\u0000' }, 'data.entryPoint'],
    ['a location without a slash', { location: 'usw1' }, 'data.location'],
    ['a location with a space', { location: '/us w1' }, 'data.location'],
    ['a missing location', { location: undefined }, 'data.location'],
    ['readOnly as a word', { readOnly: 'yes' }, 'data.readOnly'],
  ])('refuses %s with 400 code 10 naming the field', async (_label, overrides, field) => {
    const res = await post('/data-centers', { data: { location: '/apse1', entryPoint: 'https://gauth.example.com', readOnly: false, ...overrides } });
    expect(res.status).toBe(400);
    expect(res.body.status.code).toBe(10);
    expect(res.body.status.detail.errors.map((e: { field: string }) => e.field)).toContain(field);
  });
});

describe('GET, PUT, DELETE /environment/v3/data-centers/{id}', () => {
  it('lists data centers ordered by location', async () => {
    await createDc({ location: '/zz9', entryPoint: 'https://zz9.example.com' });
    await createDc({ location: '/aa1', entryPoint: 'https://aa1.example.com', readOnly: true });
    const res = await get('/data-centers');
    expect(res.status).toBe(200);
    expect(res.body.status).toEqual({ code: 0 });
    const locations = res.body.data.map((d: { location: string }) => d.location);
    expect(locations).toEqual([...locations].sort());
    expect(res.body.data.find((d: { location: string }) => d.location === '/aa1')).toMatchObject({ readOnly: true, entryPoint: 'https://aa1.example.com' });
  });

  it('merges a PUT and refuses a location held by another data center', async () => {
    const id = await createDc({ location: '/cac1', entryPoint: 'https://cac1.example.com' });
    await createDc({ location: '/cac2', entryPoint: 'https://cac2.example.com' });
    const res = await put(`/data-centers/${id}`, { data: { readOnly: true } });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id, location: '/cac1', entryPoint: 'https://cac1.example.com', readOnly: true });
    const same = await put(`/data-centers/${id}`, { data: { location: '/CAC1' } });
    expect(same.status).toBe(200);
    expect(same.body.data.location).toBe('/CAC1');
    const clash = await put(`/data-centers/${id}`, { data: { location: '/cac2' } });
    expect(clash.status).toBe(409);
    expect(clash.body.status.code).toBe(18);
    expect((await get(`/data-centers/${id}`)).body.data.location).toBe('/CAC1');
    const bad = await put(`/data-centers/${id}`, { data: { entryPoint: 'not a url' } });
    expect(bad.status).toBe(400);
    expect(bad.body.status.detail.errors[0].field).toBe('data.entryPoint');
  });

  it('deletes, then answers 404 code 6', async () => {
    const id = await createDc({ location: '/sae1', entryPoint: 'https://sae1.example.com' });
    const res = await del(`/data-centers/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: { code: 0 } });
    for (const r of [await get(`/data-centers/${id}`), await del(`/data-centers/${id}`), await put(`/data-centers/${id}`, { data: { readOnly: true } })]) {
      expect(r.status).toBe(404);
      expect(r.body.status.code).toBe(6);
    }
    await createDc({ location: '/sae1', entryPoint: 'https://sae1.example.com' });
  });

  it('answers 404 code 6 for a non-UUID id', async () => {
    const res = await get('/data-centers/usw1');
    expect(res.status).toBe(404);
    expect(res.body.status.code).toBe(6);
  });
});
