/**
 * The prebuilt-integration catalogue at `/auth/v3/ops/integrations` (issue 4): the four shipped
 * entries (seeds 000, 001, 002, 004), search by name, create, merge-update, and delete refused
 * (code 19) while an activation is live.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContactCenter } from '../helpers/fixtures.ts';
import { OPS, basic, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const OPS_AUTH = basic(OPS.username, OPS.password);
const BASE = '/auth/v3/ops/integrations';
let t: TestApp;

const get = (path: string) => t.request.get(path).set('Authorization', OPS_AUTH);
const names = (body: { data: { name: string }[] }) => body.data.map((i) => i.name);

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('the shipped catalogue', () => {
  it('lists the four entries by name with their client templates', async () => {
    const res = await get(BASE);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.status).toEqual({ code: 0 });
    // named in the products' own words (Avaya, Cisco, Genpact, NICE documents)
    expect(names(res.body)).toEqual([
      'Avaya OneCloud CCaaS — Data store with OAuth 2.0',
      'Cisco Webex Connect — Event Authorization for UCCE digital channels',
      'Genpact Cora SeQuence — OAuth2 Client Credentials',
      'NICE CXone — OAuth in Digital Experience',
    ]);
    const byId = Object.fromEntries(res.body.data.map((i: { id: string }) => [i.id, i]));
    expect(byId['contact-center-event-delivery']).toMatchObject({
      authorizedGrantTypes: ['client_credentials'],
      scope: ['*'],
      clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
      accessTokenExpirationTimeout: 3600,
      pkceRequired: false,
      redirectURIsRequired: false,
      activeContactCenterIds: [],
    });
    expect(byId['journey-data-store']).toMatchObject({ authorizedGrantTypes: ['password'], clientAuthMethods: ['none'] });
    expect(byId['chat-customer-authentication']).toMatchObject({
      authorizedGrantTypes: ['authorization_code', 'refresh_token'],
      pkceRequired: true,
      redirectURIsRequired: true,
      refreshTokenExpirationTimeout: 86400,
    });
    expect(byId['workflow-email-listener']).toMatchObject({ authorizedGrantTypes: ['client_credentials'], scope: ['email.read', 'email.listen'] });
    for (const i of res.body.data) {
      expect(typeof i.description).toBe('string');
      expect(i.description.length).toBeGreaterThan(20);
      expect(typeof i.createdAt).toBe('number');
    }
  });

  it('searches by name, case-insensitively, with LIKE characters taken literally', async () => {
    expect(names((await get(`${BASE}?q=CXONE`)).body)).toEqual(['NICE CXone — OAuth in Digital Experience']);
    expect(names((await get(`${BASE}?q=${encodeURIComponent(' data ')}`)).body)).toEqual(['Avaya OneCloud CCaaS — Data store with OAuth 2.0']);
    expect(names((await get(`${BASE}?q=e%20d`)).body)).toEqual(['Cisco Webex Connect — Event Authorization for UCCE digital channels']);
    expect((await get(`${BASE}?q=%25`)).body.data).toEqual([]);
    expect((await get(`${BASE}?q=_`)).body.data).toEqual([]);
    expect((await get(`${BASE}?q=`)).body.data).toHaveLength(4);
    const long = await get(`${BASE}?q=${'x'.repeat(201)}`);
    expect(long.status).toBe(400);
    expect(long.body.status.code).toBe(10);
  });

  it('reads one entry; an unknown or malformed id is 404', async () => {
    const res = await get(`${BASE}/workflow-email-listener`);
    expect(res.status).toBe(200);
    expect(res.body.data.id).toBe('workflow-email-listener');
    expect((await get(`${BASE}/nope`)).body).toEqual({ status: { code: 6, message: 'integration nope not found' } });
    expect((await get(`${BASE}/Bad%20Id`)).status).toBe(404);
  });

  it('requires the ops credentials', async () => {
    const res = await t.request.get(BASE);
    expect(res.status).toBe(401);
    expect(res.body.status.code).toBe(20);
    expect((await t.request.get(BASE).set('Authorization', basic('ops', 'wrong'))).status).toBe(401);
  });
});

describe('managing entries', () => {
  const body = (over: Record<string, unknown> = {}) => ({
    data: { id: 'crm-sync', name: 'CRM sync', description: 'Pushes contacts', authorizedGrantTypes: ['client_credentials'], scope: ['crm.write'], ...over },
  });

  it('creates an entry with defaults', async () => {
    const res = await t.request.post(BASE).set('Authorization', OPS_AUTH).send(body());
    expect(res.status).toBe(200);
    expect(res.body.path).toBe('/integrations/crm-sync');
    expect(res.body.data).toMatchObject({
      id: 'crm-sync',
      name: 'CRM sync',
      clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
      accessTokenExpirationTimeout: 3600,
      refreshTokenExpirationTimeout: 3600,
      pkceRequired: false,
    });
    expect((await get(`${BASE}/crm-sync`)).body.data.scope).toEqual(['crm.write']);
  });

  it('refuses a duplicate id or name (code 18)', async () => {
    const dupId = await t.request.post(BASE).set('Authorization', OPS_AUTH).send(body({ name: 'Other' }));
    expect(dupId.status).toBe(409);
    expect(dupId.body).toEqual({ status: { code: 18, message: 'integration crm-sync already exists' } });
    const dupName = await t.request.post(BASE).set('Authorization', OPS_AUTH).send(body({ id: 'crm-sync-2', name: 'crm SYNC' }));
    expect(dupName.status).toBe(409);
    expect(dupName.body).toEqual({ status: { code: 18, message: 'an integration named "crm SYNC" already exists' } });
  });

  it.each([
    ['a public client with a secret method', { clientAuthMethods: ['none', 'client_secret_basic'] }, 'data.clientAuthMethods'],
    ['a public client with client_credentials', { clientAuthMethods: ['none'] }, 'data.authorizedGrantTypes'],
    ['refresh_token alone', { authorizedGrantTypes: ['refresh_token'] }, 'data.authorizedGrantTypes'],
    ['an unknown grant type', { authorizedGrantTypes: ['implicit'] }, 'data.authorizedGrantTypes.0'],
    ['an unknown auth method', { clientAuthMethods: ['private_key_jwt'] }, 'data.clientAuthMethods.0'],
    ['an uppercase id', { id: 'CRM' }, 'data.id'],
    ['a zero lifetime', { accessTokenExpirationTimeout: 0 }, 'data.accessTokenExpirationTimeout'],
  ])('refuses %s with code 10 and stores nothing', async (_label, over, field) => {
    const res = await t.request.post(BASE).set('Authorization', OPS_AUTH).send(body({ id: 'bad-one', name: 'Bad one', ...over }));
    expect(res.status).toBe(400);
    expect(res.body.status.code).toBe(10);
    expect(res.body.status.detail.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect((await get(`${BASE}/bad-one`)).status).toBe(404);
  });

  it('merges an update and keeps what was not sent', async () => {
    const res = await t.request.put(`${BASE}/crm-sync`).set('Authorization', OPS_AUTH).send({ data: { description: 'Pushes contacts nightly', accessTokenExpirationTimeout: 900 } });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ name: 'CRM sync', description: 'Pushes contacts nightly', accessTokenExpirationTimeout: 900, scope: ['crm.write'] });
    expect(res.body.data.updatedAt).toBeGreaterThanOrEqual(res.body.data.createdAt);
    const mismatch = await t.request.put(`${BASE}/crm-sync`).set('Authorization', OPS_AUTH).send({ data: { id: 'other' } });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toEqual({ status: { code: 2, message: 'id in the body does not match the path' } });
    const rule = await t.request.put(`${BASE}/crm-sync`).set('Authorization', OPS_AUTH).send({ data: { clientAuthMethods: ['none'] } });
    expect(rule.status).toBe(400);
    expect((await get(`${BASE}/crm-sync`)).body.data.clientAuthMethods).toEqual(['client_secret_basic', 'client_secret_post']);
    const missing = await t.request.put(`${BASE}/nope`).set('Authorization', OPS_AUTH).send({ data: { name: 'x' } });
    expect(missing.status).toBe(404);
  });

  it('refuses to delete an entry while it is activated (code 19), then deletes it', async () => {
    const cc = await createContactCenter(t.db.knex, { domains: ['crm'] });
    const act = await t.request.post(`${BASE}/crm-sync/activations`).set('Authorization', OPS_AUTH).send({ data: { contactCenterId: cc.ccid } });
    expect(act.status).toBe(200);
    const refused = await t.request.delete(`${BASE}/crm-sync`).set('Authorization', OPS_AUTH);
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({ status: { code: 19, message: 'integration crm-sync is activated for 1 contact center; deactivate it first' } });
    expect((await get(`${BASE}/crm-sync`)).body.data.activeContactCenterIds).toEqual([cc.ccid]);

    await t.request.delete(`${BASE}/crm-sync/activations/${act.body.data.activationId}`).set('Authorization', OPS_AUTH).expect(200);
    const res = await t.request.delete(`${BASE}/crm-sync`).set('Authorization', OPS_AUTH);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: { code: 0 } });
    expect((await get(`${BASE}/crm-sync`)).status).toBe(404);
    expect(await t.db.knex('integration_activations').where({ integration_id: 'crm-sync' })).toEqual([]);
    // the disabled client stays until an admin deletes it
    expect((await t.db.knex('clients').where({ client_id: act.body.data.client_id }).first()).enabled).toBe(false);
    expect((await t.request.delete(`${BASE}/crm-sync`).set('Authorization', OPS_AUTH)).status).toBe(404);
  });
});
