/**
 * Activating prebuilt integrations (docs/integrations.md; Cisco Webex Connect "Event Authorization", "Activate" → Client ID and Client Secret):
 * the credentials work at the token endpoint with HTTP Basic and in the body (Genpact Cora SeQuence "Configure OAuth 2.0 Credentials"),
 * deactivation stops every token at once (introspection, userinfo, Environment API), rotation
 * keeps the old secret for the grace period only, and a failed activation leaves nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContactCenter } from '../helpers/fixtures.ts';
import type { ContactCenterFixture } from '../helpers/fixtures.ts';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const OPS_AUTH = basic(OPS.username, OPS.password);
const TOKEN = '/auth/v3/oauth/token';
const INTROSPECT = '/auth/v3/oauth/introspect';
const USERINFO = '/auth/v3/userinfo';
const BASE = '/auth/v3/ops/integrations';
const EVENTS = 'contact-center-event-delivery';
const EMAIL = 'workflow-email-listener';
const CHAT = 'chat-customer-authentication';
const JOURNEY = 'journey-data-store';

let t: TestApp;
let cc: ContactCenterFixture;
let cc2: ContactCenterFixture;
let internal: { clientId: string; secret: string };

const activate = (integrationId: string, data: Record<string, unknown>) =>
  t.request.post(`${BASE}/${integrationId}/activations`).set('Authorization', OPS_AUTH).send({ data });
const deactivate = (integrationId: string, activationId: string) =>
  t.request.delete(`${BASE}/${integrationId}/activations/${activationId}`).set('Authorization', OPS_AUTH);
const rotate = (integrationId: string, activationId: string, body?: unknown) => {
  const req = t.request.post(`${BASE}/${integrationId}/activations/${activationId}/secret`).set('Authorization', OPS_AUTH);
  return body === undefined ? req : req.send(body as object);
};
const basicToken = (clientId: string, secret: string, form: Record<string, string> = {}) =>
  t.request.post(TOKEN).set('Authorization', basic(clientId, secret)).type('form').send({ grant_type: 'client_credentials', ...form });
const bodyToken = (clientId: string, secret: string, form: Record<string, string> = {}) =>
  t.request.post(TOKEN).type('form').send({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, ...form });
const introspect = (token: string) =>
  t.request.post(INTROSPECT).set('Authorization', basic(internal.clientId, internal.secret)).type('form').send({ token });

async function counts(): Promise<{ clients: number; activations: number; audit: number }> {
  const n = async (table: string) => Number((await t.db.knex(table).count({ n: '*' }).first())!.n);
  return { clients: await n('clients'), activations: await n('integration_activations'), audit: await n('audit_events') };
}

beforeAll(async () => {
  t = await startTestApp();
  cc = await createContactCenter(t.db.knex, { domains: ['act1'] });
  cc2 = await createContactCenter(t.db.knex, { domains: ['act2'] });
  internal = await createClient(t, { client_id: 'introspector', internalClient: true, authorities: ['ROLE_INTERNAL_CLIENT'], authorizedGrantTypes: ['client_credentials'], redirectURIs: [] });
});
afterAll(async () => {
  await t.close();
});

describe('POST /auth/v3/ops/integrations/{id}/activations', () => {
  let activationId: string;
  let clientId: string;
  let secret: string;

  it('creates a client bound to the contact center and shows its secret once', async () => {
    const before = Date.now();
    const res = await activate(EVENTS, { contactCenterId: cc.ccid.toUpperCase() });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.status).toEqual({ code: 0 });
    const d = res.body.data;
    expect(d).toMatchObject({
      status: 'Activated',
      integrationId: EVENTS,
      contactCenterId: cc.ccid,
      scope: ['*'],
      clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
      tokenEndpoint: 'http://ccauth.test/auth/v3/oauth/token',
      redirectURIs: [],
    });
    expect(d.activationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(d.client_id).toMatch(/^contact-center-event-delivery-[0-9a-f]{16}$/);
    expect(d.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(d.createdAt).toBeGreaterThanOrEqual(before - 5000);
    expect(d.authorizedGrantTypes).toContain('client_credentials');
    expect(res.body.path).toBe(`/integrations/${EVENTS}/activations/${d.activationId}`);
    ({ activationId, client_id: clientId, client_secret: secret } = d);

    const client = await t.request.get(`/auth/v3/ops/clients/${clientId}`).set('Authorization', OPS_AUTH);
    expect(client.status).toBe(200);
    expect(client.body.data).toMatchObject({ client_id: clientId, clientType: 'CONFIDENTIAL', internalClient: false, authorities: [], contactCenterIds: [cc.ccid] });
    expect(JSON.stringify(client.body)).not.toContain(secret);
    const row = await t.db.knex('clients').where({ client_id: clientId }).first();
    expect(row.secret_hash).toMatch(/^\$argon2id\$/);
    expect(row.enabled).toBe(true);
  });

  it('the credentials get a client_credentials token with HTTP Basic and in the body', async () => {
    const viaBasic = await basicToken(clientId, secret);
    expect(viaBasic.status).toBe(200);
    expect(viaBasic.body).toMatchObject({ token_type: 'bearer', scope: '*' });
    expect(viaBasic.body.expires_in).toBeGreaterThan(3500);
    const viaBody = await bodyToken(clientId, secret);
    expect(viaBody.status).toBe(200);
    expect(typeof viaBody.body.access_token).toBe('string');
    const wrong = await basicToken(clientId, `${secret}x`);
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
  });

  it('lists activations with status per contact center and never a secret', async () => {
    const res = await t.request.get(`${BASE}/${EVENTS}/activations`).set('Authorization', OPS_AUTH);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([expect.objectContaining({ activationId, contactCenterId: cc.ccid, status: 'Activated', client_id: clientId })]);
    expect(JSON.stringify(res.body)).not.toContain(secret);
    expect(res.body.data[0]).not.toHaveProperty('client_secret');
    const one = await t.request.get(`${BASE}/${EVENTS}/activations/${activationId}`).set('Authorization', OPS_AUTH);
    expect(one.body.data).toMatchObject({ activationId, status: 'Activated' });
    const entry = await t.request.get(`${BASE}/${EVENTS}`).set('Authorization', OPS_AUTH);
    expect(entry.body.data.activeContactCenterIds).toEqual([cc.ccid]);
  });

  it('refuses a second active activation for the same contact center and rolls its client back', async () => {
    const before = await counts();
    const res = await activate(EVENTS, { contactCenterId: cc.ccid });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ status: { code: 18, message: `integration ${EVENTS} is already activated for contact center ${cc.ccid}` } });
    expect(await counts()).toEqual(before);
  });

  it('a failed activation (unknown contact center) leaves no client, activation or audit row', async () => {
    const before = await counts();
    const ghost = '00000000-0000-4000-8000-000000000000';
    const res = await activate(EMAIL, { contactCenterId: ghost });
    expect(res.status).toBe(400);
    expect(res.body.status.code).toBe(10);
    expect(res.body.status.detail.errors).toEqual([{ field: 'data.contactCenterId', message: 'no such contact center' }]);
    expect(await counts()).toEqual(before);
    expect(await t.db.knex('clients').where('client_id', 'like', `${EMAIL}-%`)).toEqual([]);
    expect(await t.db.knex('integration_activations').where({ ccid: ghost })).toEqual([]);
  });

  it.each([
    ['no data', {}, 400, 1],
    ['a contact center id that is not a UUID', { data: { contactCenterId: 'nope' } }, 400, 10],
    ['a redirect URI that is not a URL', { data: { contactCenterId: '00000000-0000-4000-8000-000000000000', redirectURIs: ['not a url'] } }, 400, 10],
  ])('refuses %s', async (_label, body, status, code) => {
    const res = await t.request.post(`${BASE}/${EMAIL}/activations`).set('Authorization', OPS_AUTH).send(body);
    expect(res.status).toBe(status);
    expect(res.body.status.code).toBe(code);
  });

  it('refuses redirect URIs for an integration that does not use them, and an unknown integration', async () => {
    const res = await activate(EMAIL, { contactCenterId: cc2.ccid, redirectURIs: ['https://x.example.com/cb'] });
    expect(res.status).toBe(400);
    expect(res.body.status.detail.errors).toEqual([{ field: 'data.redirectURIs', message: 'this integration does not use redirect URIs' }]);
    const missing = await activate('no-such-integration', { contactCenterId: cc2.ccid });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ status: { code: 6, message: 'integration no-such-integration not found' } });
  });

  it('the chat integration needs redirect URIs and gets PKCE-required, refresh-capable clients', async () => {
    const without = await activate(CHAT, { contactCenterId: cc.ccid });
    expect(without.status).toBe(400);
    expect(without.body.status.detail.errors.map((e: { field: string }) => e.field)).toEqual(['data.redirectURIs']);
    const res = await activate(CHAT, { contactCenterId: cc.ccid, redirectURIs: ['https://chat.example.com/callback'] });
    expect(res.status).toBe(200);
    expect(res.body.data.redirectURIs).toEqual(['https://chat.example.com/callback']);
    expect(res.body.data.authorizedGrantTypes).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']));
    const client = await t.request.get(`/auth/v3/ops/clients/${res.body.data.client_id}`).set('Authorization', OPS_AUTH);
    expect(client.body.data).toMatchObject({ pkceRequired: true, refreshTokenExpirationTimeout: 86400 });
  });

  it('the email listener gets its space-delimited scopes and nothing else', async () => {
    const res = await activate(EMAIL, { contactCenterId: cc.ccid });
    expect(res.status).toBe(200);
    const { client_id: id, client_secret: s } = res.body.data;
    const both = await bodyToken(id, s, { scope: 'email.read email.listen' });
    expect(both.status).toBe(200);
    expect(both.body.scope).toBe('email.read email.listen');
    const all = await basicToken(id, s);
    expect(all.body.scope).toBe('email.read email.listen');
    const other = await basicToken(id, s, { scope: 'email.read admin' });
    expect(other.status).toBe(400);
    expect(other.body.error).toBe('invalid_scope');
  });

  it('the journey data store is a public password-grant client: a client id, no secret', async () => {
    const res = await activate(JOURNEY, { contactCenterId: cc.ccid });
    expect(res.status).toBe(200);
    expect(res.body.data).not.toHaveProperty('client_secret');
    expect(res.body.data.clientAuthMethods).toEqual(['none']);
    const user = await t.request.post(`/environment/v3/contact-centers/${cc.ccid}/users`).set('Authorization', OPS_AUTH).send({ data: { username: 'journey', password: 'Journey-Pass-1' } });
    expect(user.status).toBe(200);
    const tok = await t.request.post(TOKEN).type('form').send({ grant_type: 'password', client_id: res.body.data.client_id, username: 'act1\\journey', password: 'Journey-Pass-1' });
    expect(tok.status).toBe(200);
    expect(typeof tok.body.access_token).toBe('string');
    const rot = await rotate(JOURNEY, res.body.data.activationId);
    expect(rot.status).toBe(400);
    expect(rot.body).toEqual({ status: { code: 2, message: 'clients of this integration are public and have no secret' } });
  });
});

describe('deactivation', () => {
  it('disables the client and every token it holds stops working at once', async () => {
    const act = await activate(EVENTS, { contactCenterId: cc2.ccid });
    expect(act.status).toBe(200);
    const { activationId, client_id: clientId, client_secret: secret } = act.body.data;
    const tok = await basicToken(clientId, secret);
    expect(tok.status).toBe(200);
    const accessToken = tok.body.access_token as string;

    // live: introspection active, userinfo answers, the Environment API refuses it as not an admin (403)
    expect((await introspect(accessToken)).body).toMatchObject({ active: true, client_id: clientId });
    const info = await t.request.get(USERINFO).set('Authorization', `Bearer ${accessToken}`);
    expect(info.status).toBe(200);
    expect(info.body.username).toBe(clientId);
    expect((await t.request.get('/environment/v3/contact-centers').set('Authorization', `Bearer ${accessToken}`)).status).toBe(403);

    const res = await deactivate(EVENTS, activationId);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ activationId, status: 'Deactivated', client_id: clientId, contactCenterId: cc2.ccid });
    expect(res.body.data.deactivatedAt).toBeGreaterThan(0);

    expect((await introspect(accessToken)).body).toEqual({ active: false });
    const after = await t.request.get(USERINFO).set('Authorization', `Bearer ${accessToken}`);
    expect(after.status).toBe(401);
    expect(after.headers['www-authenticate']).toBe('Bearer realm="ccauth", error="invalid_token"');
    const env = await t.request.get('/environment/v3/contact-centers').set('Authorization', `Bearer ${accessToken}`);
    expect(env.status).toBe(401);
    expect(env.headers['www-authenticate']).toBe('Bearer realm="ccauth", error="invalid_token"');
    expect(await t.db.knex('oidc_payloads').where({ client_id: clientId })).toEqual([]);
    expect((await t.db.knex('clients').where({ client_id: clientId }).first()).enabled).toBe(false);

    // the secret no longer gets tokens, by either method
    for (const r of [await basicToken(clientId, secret), await bodyToken(clientId, secret)]) {
      expect(r.status).toBe(401);
      expect(r.body.error).toBe('invalid_client');
    }

    const again = await deactivate(EVENTS, activationId);
    expect(again.status).toBe(200);
    expect(again.body.data.status).toBe('Deactivated');
    const list = await t.request.get(`${BASE}/${EVENTS}/activations`).set('Authorization', OPS_AUTH);
    expect(list.body.data.find((a: { activationId: string }) => a.activationId === activationId).status).toBe('Deactivated');

    // deactivated → the contact center may activate again, with a new client
    const reactivated = await activate(EVENTS, { contactCenterId: cc2.ccid });
    expect(reactivated.status).toBe(200);
    expect(reactivated.body.data.client_id).not.toBe(clientId);
    const rot = await rotate(EVENTS, activationId);
    expect(rot.status).toBe(400);
    expect(rot.body.status.code).toBe(2);
  });

  it('answers 404 for an unknown or malformed activation id', async () => {
    const res = await deactivate(EVENTS, '00000000-0000-4000-8000-000000000001');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ status: { code: 6, message: 'activation 00000000-0000-4000-8000-000000000001 not found' } });
    expect((await deactivate(EVENTS, 'nope')).status).toBe(404);
  });
});

describe('secret rotation', () => {
  it('the old secret works during the grace period and never after it', async () => {
    const act = await activate(EMAIL, { contactCenterId: cc2.ccid });
    expect(act.status).toBe(200);
    const { activationId, client_id: clientId, client_secret: oldSecret } = act.body.data;
    expect((await basicToken(clientId, oldSecret)).status).toBe(200); // now in the success cache

    const before = Date.now();
    const res = await rotate(EMAIL, activationId, { data: { gracePeriodSeconds: 2 } });
    expect(res.status).toBe(200);
    const newSecret = res.body.data.client_secret as string;
    expect(newSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newSecret).not.toBe(oldSecret);
    expect(res.body.data).toMatchObject({ activationId, client_id: clientId, status: 'Activated' });
    expect(res.body.data.previousSecretExpiresAt).toBeGreaterThanOrEqual(before + 2000);
    expect(res.body.data.previousSecretExpiresAt).toBeLessThanOrEqual(Date.now() + 2000);
    expect(res.body.data.secretRotatedAt).toBeGreaterThan(0);

    expect((await basicToken(clientId, newSecret)).status).toBe(200);
    expect((await basicToken(clientId, oldSecret)).status).toBe(200);
    expect((await bodyToken(clientId, oldSecret)).status).toBe(200);

    await new Promise((r) => setTimeout(r, Math.max(0, res.body.data.previousSecretExpiresAt - Date.now()) + 300));
    const late = await basicToken(clientId, oldSecret);
    expect(late.status).toBe(401);
    expect(late.body.error).toBe('invalid_client');
    expect((await bodyToken(clientId, oldSecret)).status).toBe(401);
    expect((await basicToken(clientId, newSecret)).status).toBe(200);
  });

  it('without a grace period the old secret stops at once; a bad grace period is refused', async () => {
    const list = await t.request.get(`${BASE}/${EVENTS}/activations`).set('Authorization', OPS_AUTH);
    const live = list.body.data.find((a: { status: string; contactCenterId: string }) => a.status === 'Activated' && a.contactCenterId === cc.ccid);
    const first = await rotate(EVENTS, live.activationId);
    expect(first.status).toBe(200);
    expect(first.body.data.previousSecretExpiresAt).toBeNull();
    const second = await rotate(EVENTS, live.activationId, { data: {} });
    expect(second.status).toBe(200);
    expect((await basicToken(live.client_id, first.body.data.client_secret)).status).toBe(401);
    expect((await basicToken(live.client_id, second.body.data.client_secret)).status).toBe(200);
    for (const gracePeriodSeconds of [-1, 1.5, 604801, '5']) {
      const bad = await rotate(EVENTS, live.activationId, { data: { gracePeriodSeconds } });
      expect(bad.status).toBe(400);
      expect(bad.body.status.code).toBe(10);
      expect(bad.body.status.detail.errors[0].field).toBe('data.gracePeriodSeconds');
    }
    expect((await basicToken(live.client_id, second.body.data.client_secret)).status).toBe(200);
  });
});
