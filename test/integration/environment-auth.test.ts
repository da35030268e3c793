/**
 * Who may call `/environment/v3/*` (genesys-api.md §3, §6; Genesys "Provision Genesys
 * Authentication"): ops Basic, a Bearer token of the ops principal issued to an internal client
 * (password grant), or a client-credentials token of an internal client holding
 * ROLE_INTERNAL_CLIENT. Other tokens → 403 code 3; none or a bad one → 401. Tokens of other clients
 * and contact-center bindings: admin-authority.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const OPS_AUTH = basic(OPS.username, OPS.password);
const BAD_CREDENTIALS = { status: { code: 20, message: 'Bad credentials' }, error: 'Unauthorized', error_description: 'Bad credentials' };
let t: TestApp;
let seedClient: { clientId: string; secret: string };

async function token(clientId: string, secret: string, form: Record<string, string>): Promise<string> {
  const res = await t.request.post('/auth/v3/oauth/token').set('Authorization', basic(clientId, secret)).type('form').send(form);
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${JSON.stringify(res.body)}`);
  expect(res.body.token_type).toBe('bearer');
  return res.body.access_token as string;
}

beforeAll(async () => {
  t = await startTestApp();
  seedClient = await createClient(t);
});
afterAll(async () => {
  await t.close();
});

describe('/environment/v3 authentication', () => {
  it('accepts the ops Basic credentials', async () => {
    const res = await t.request.get('/environment/v3/environments').set('Authorization', OPS_AUTH);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: { code: 0 }, data: [] });
  });

  it.each([
    ['a wrong password', basic('ops', 'wrong')],
    ['a wrong user', basic('admin', 'ops')],
  ])('refuses Basic with %s: 401, a Basic challenge and both error shapes', async (_label, header) => {
    const res = await t.request.get('/environment/v3/environments').set('Authorization', header);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="ccauth", charset="UTF-8"');
    expect(res.body).toEqual(BAD_CREDENTIALS);
  });

  it('refuses a request without credentials with 401 offering Bearer and Basic', async () => {
    const res = await t.request.post('/environment/v3/environments').send({ data: { username: 'x' } });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('Bearer realm="ccauth"');
    expect(res.headers['www-authenticate']).toContain('Basic realm="ccauth"');
    expect(res.body).toEqual(BAD_CREDENTIALS);
    const list = await t.request.get('/environment/v3/environments').set('Authorization', OPS_AUTH);
    expect(list.body.data).toEqual([]);
  });

  it('accepts the ops password-grant token of the seed 003 client, with Bearer in either case', async () => {
    const accessToken = await token(seedClient.clientId, seedClient.secret, {
      username: 'ops',
      client_id: seedClient.clientId,
      grant_type: 'password',
      password: 'ops',
    });
    const created = await t.request
      .post('/environment/v3/environments')
      .set('Authorization', `Bearer ${accessToken}`)
      .send({ data: { username: 'default', password: 'password', configServers: [{ primaryPort: 2020, readOnly: false, primaryAddress: '172.24.132.84', locations: '/USW1' }] } });
    expect(created.status).toBe(200);
    expect(created.body.status).toEqual({ code: 0 });
    expect(created.body.path).toMatch(/^\/environments\/[0-9a-f-]{36}$/);
    const listed = await t.request.get('/environment/v3/environments').set('Authorization', `bearer ${accessToken}`);
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((e: { id: string }) => `/environments/${e.id}`)).toContain(created.body.path);
  });

  it('accepts a client_credentials token of the internal seed client', async () => {
    const accessToken = await token(seedClient.clientId, seedClient.secret, { grant_type: 'client_credentials' });
    const res = await t.request.get('/environment/v3/data-centers').set('Authorization', `Bearer ${accessToken}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: { code: 0 }, data: [] });
  });

  it.each([
    ['internalClient false', { client_id: 'external_client', internalClient: false }],
    ['no ROLE_INTERNAL_CLIENT', { client_id: 'internal_no_role', internalClient: true, authorities: ['ROLE_MANAGEMENT_APPLICATION'] }],
  ])('refuses a client_credentials token of a client with %s: 403 code 3', async (_label, overrides) => {
    const client = await createClient(t, overrides);
    const accessToken = await token(client.clientId, client.secret, { grant_type: 'client_credentials' });
    const res = await t.request.post('/environment/v3/data-centers').set('Authorization', `Bearer ${accessToken}`).send({ data: { location: '/x1', entryPoint: 'https://x.example.com' } });
    expect(res.status).toBe(403);
    expect(res.body.status.code).toBe(3);
    expect(typeof res.body.status.message).toBe('string');
    expect(res.headers['www-authenticate']).toContain('error="insufficient_scope"');
    const list = await t.request.get('/environment/v3/data-centers').set('Authorization', OPS_AUTH);
    expect(list.body.data).toEqual([]);
  });

  it('refuses a garbage bearer token with 401 invalid_token', async () => {
    const res = await t.request.get('/environment/v3/contact-centers').set('Authorization', 'Bearer 5f1ecb33-5c63-4606-8e30-824e494194c6');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(res.body).toEqual(BAD_CREDENTIALS);
  });

  it('checks credentials before routing: an unknown path without credentials is 401, with them 404 code 6', async () => {
    const anon = await t.request.get('/environment/v3/nothing-here');
    expect(anon.status).toBe(401);
    const authed = await t.request.get('/environment/v3/nothing-here').set('Authorization', OPS_AUTH);
    expect(authed.status).toBe(404);
    expect(authed.body.status.code).toBe(6);
  });
});
