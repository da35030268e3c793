/**
 * Who may act on the Environment API with a Bearer token, and on what (design.md §3b, README
 * "API" → "Who may call the Environment API"):
 *
 * - a Bearer token is an admin token only when it was issued to an internal, confidential client
 *   (`internalClient: true`): for the ops principal (Genesys "Provision Genesys Authentication":
 *   password grant with `external_api_client`) or, holding ROLE_INTERNAL_CLIENT, for the client
 *   itself (client credentials). Ops signing in to a third-party client, or through a client that is
 *   not internal, or a public one, gives that client no admin rights; a user token never has any;
 * - an internal client bound to contact centers (`contactCenterIds`) sees and changes only those:
 *   lists filtered, the others 404 exactly as if absent, their users and settings too, creating a
 *   contact center or changing deployment-wide objects (environments, data centers) refused with
 *   403 code 3; one bound to none, and the ops principal on HTTP Basic, have the deployment-wide view.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';
import { authorizeUrl, followInside, hiddenField, newBrowser, pathOf, pkce, postSignIn, startSignIn } from '../helpers/interaction-flow.ts';

const OPS_AUTH = basic(OPS.username, OPS.password);
const CHAT_REDIRECT = 'https://chat.example.com/cb';
const PASSWORD = 'agent-password-1';
const ENV = '/environment/v3';
let t: TestApp;
let seedClient: { clientId: string; secret: string };
/** Environment of X; Y lives in its own environment. */
let envX: string;
let envY: string;
let ccX: string;
let ccY: string;
let userY: string;

type Creds = { clientId: string; secret: string };

async function tokenFor(c: Creds, form: Record<string, string>): Promise<string> {
  const res = await t.request.post('/auth/v3/oauth/token').set('Authorization', basic(c.clientId, c.secret)).type('form').send(form);
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.access_token as string;
}
const opsPasswordGrant = (c: Creds, extra: Record<string, string> = {}) => tokenFor(c, { grant_type: 'password', username: 'ops', password: 'ops', ...extra });
const clientCredentials = (c: Creds) => tokenFor(c, { grant_type: 'client_credentials' });

const opsPost = async (path: string, data: unknown): Promise<string> => {
  const res = await t.request.post(`${ENV}${path}`).set('Authorization', OPS_AUTH).send({ data });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return String(res.body.path ?? '').split('/').pop()!;
};

const bearer = (token: string) => ({
  get: (path: string) => t.request.get(`${ENV}${path}`).set('Authorization', `Bearer ${token}`),
  post: (path: string, data: unknown) => t.request.post(`${ENV}${path}`).set('Authorization', `Bearer ${token}`).send({ data }),
  put: (path: string, data: unknown) => t.request.put(`${ENV}${path}`).set('Authorization', `Bearer ${token}`).send({ data }),
  delete: (path: string) => t.request.delete(`${ENV}${path}`).set('Authorization', `Bearer ${token}`),
});

function expectForbidden(res: { status: number; body: { status: { code: number; message: string } }; headers: Record<string, string> }): void {
  expect(res.status).toBe(403);
  expect(res.body.status.code).toBe(3);
  expect(res.body.status.message).toEqual(expect.any(String));
  expect(res.headers['cache-control']).toBe('no-store');
}

/** What the ops principal sees of the world, to prove a refused write stored nothing. */
async function opsView(): Promise<string> {
  const parts = await Promise.all(
    ['/environments', '/contact-centers', '/data-centers', `/contact-centers/${ccY}/users`, `/contact-centers/${ccY}/settings`, `/contact-centers/${ccX}/users`, `/contact-centers/${ccX}/settings`].map(
      async (p) => JSON.stringify((await t.request.get(`${ENV}${p}`).set('Authorization', OPS_AUTH)).body),
    ),
  );
  return parts.join('\n');
}

beforeAll(async () => {
  t = await startTestApp();
  seedClient = await createClient(t);
  envX = await opsPost('/environments', { username: 'default', password: 'password' });
  envY = await opsPost('/environments', { username: 'default', password: 'password' });
  ccX = await opsPost('/contact-centers', { environmentId: envX, domains: ['xdom'] });
  ccY = await opsPost('/contact-centers', { environmentId: envY, domains: ['ydom'] });
  await opsPost(`/contact-centers/${ccX}/users`, { username: 'agent', password: PASSWORD });
  const y = await t.request.post(`${ENV}/contact-centers/${ccY}/users`).set('Authorization', OPS_AUTH).send({ data: { username: 'agent', password: PASSWORD } });
  userY = y.body.data.id;
  await t.request.post(`${ENV}/contact-centers/${ccY}/settings`).set('Authorization', OPS_AUTH).send({ data: { location: '/', name: 'cors-origins', shared: 'true', value: 'https://y.example.com' } });
  await opsPost('/data-centers', { location: '/usw1', entryPoint: 'https://gauth.example.com', readOnly: false });
});
afterAll(async () => {
  await t.close();
});

describe('admin rights follow the client the token was issued to', () => {
  it('keeps the Genesys provisioning sequence working: the ops password-grant token of external_api_client creates and lists', async () => {
    const token = await opsPasswordGrant(seedClient);
    const api = bearer(token);
    const created = await api.post('/environments', { username: 'default', password: 'password' });
    expect(created.status).toBe(200);
    expect(created.body.path).toMatch(/^\/environments\/[0-9a-f-]{36}$/);
    const listed = await api.get('/contact-centers');
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining([ccX, ccY]));
    await t.request.delete(`${ENV}${created.body.path}`).set('Authorization', OPS_AUTH);
  });

  it('refuses the token a third-party chat client got when ops signed in on its login page (consent, scope=openid)', async () => {
    const chat = await createClient(t, { client_id: 'chat_widget', name: 'Chat', internalClient: false, authorities: [], redirectURIs: [CHAT_REDIRECT] });
    const browser = newBrowser(t);
    const { challenge, verifier } = pkce();
    const { page } = await startSignIn(browser, authorizeUrl({ clientId: chat.clientId, redirectUri: CHAT_REDIRECT, state: 's', challenge, scope: 'openid' }));
    const signedIn = await postSignIn(browser, page, { username: 'ops', password: 'ops' });
    expect(signedIn.status).toBe(303);
    const resume = await browser.get(pathOf(signedIn.headers.location!));
    const consentPath = pathOf(resume.headers.location!);
    const consent = await browser.get(consentPath);
    expect(consent.status).toBe(200);
    const allow = await browser.post(`${consentPath}/consent`).type('form').send({ uid: hiddenField(consent.text, 'uid'), csrf: hiddenField(consent.text, 'csrf') });
    const back = new URL((await followInside(browser, allow.headers.location!)).location!);
    const issued = await t.request
      .post('/auth/v3/oauth/token')
      .set('Authorization', basic(chat.clientId, chat.secret))
      .type('form')
      .send({ grant_type: 'authorization_code', code: back.searchParams.get('code'), redirect_uri: CHAT_REDIRECT, code_verifier: verifier });
    expect(issued.status).toBe(200);
    const api = bearer(issued.body.access_token);
    const before = await opsView();
    for (const res of [
      await api.get('/contact-centers'),
      await api.get(`/contact-centers/${ccY}/users`),
      await api.post(`/contact-centers/${ccY}/users`, { username: 'intruder', password: 'intruder-password' }),
    ]) {
      expectForbidden(res);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="ccauth", error="insufficient_scope"');
    }
    // refreshing it gives nothing more
    const refreshed = await t.request.post('/auth/v3/oauth/token').set('Authorization', basic(chat.clientId, chat.secret)).type('form').send({ grant_type: 'refresh_token', refresh_token: issued.body.refresh_token });
    expect(refreshed.status).toBe(200);
    expectForbidden(await bearer(refreshed.body.access_token).get('/environments'));
    expect(await opsView()).toBe(before);
  });

  it.each([
    ['a client that is not internal, limited to scope ["read"]', { client_id: 'reader', internalClient: false, authorities: [], scope: ['read'], authorizedGrantTypes: ['password'] }],
    ['a client that is not internal but holds ROLE_INTERNAL_CLIENT', { client_id: 'pretender', internalClient: false, authorizedGrantTypes: ['password'] }],
    ['a public client, even one marked internal', { client_id: 'public_app', clientType: 'PUBLIC', internalClient: true, authorizedGrantTypes: ['password'] }],
    ['a client bound to one contact center but not internal', { client_id: 'bound_external', internalClient: false, contactCenterIds: [] as string[], authorizedGrantTypes: ['password'] }],
  ])('refuses the ops password-grant token of %s: 403 code 3 on reads and writes, nothing stored', async (_label, overrides) => {
    const o = { ...overrides } as Record<string, unknown>;
    if (o.client_id === 'bound_external') o.contactCenterIds = [ccX];
    const client = await createClient(t, o);
    const token =
      o.clientType === 'PUBLIC'
        ? ((await t.request.post('/auth/v3/oauth/token').type('form').send({ grant_type: 'password', client_id: client.clientId, username: 'ops', password: 'ops' })).body.access_token as string)
        : await opsPasswordGrant(client);
    expect(token).toEqual(expect.any(String));
    const api = bearer(token);
    const before = await opsView();
    expectForbidden(await api.get('/contact-centers'));
    expectForbidden(await api.get('/environments'));
    expectForbidden(await api.get(`/contact-centers/${ccX}/users`));
    expectForbidden(await api.post(`/contact-centers/${ccX}/users`, { username: `intruder-${o.client_id}`, password: 'intruder-password' }));
    expectForbidden(await api.post('/data-centers', { location: '/evil1', entryPoint: 'https://evil.example.com' }));
    expectForbidden(await api.post(`/contact-centers/${ccX}/settings`, { location: '/', name: 'cors-origins', shared: 'true', value: 'https://evil.example.com' }));
    expect(await opsView()).toBe(before);
  });

  it('refuses a user token even from the internal seed client', async () => {
    const token = await tokenFor(seedClient, { grant_type: 'password', username: 'xdom\\agent', password: PASSWORD });
    expectForbidden(await bearer(token).get('/contact-centers'));
    expectForbidden(await bearer(token).get(`/contact-centers/${ccX}/users`));
  });
});

describe('a contact-center binding isolates tenants on the Environment API', () => {
  let bound: Creds;
  let tokens: { label: string; token: string }[];

  beforeAll(async () => {
    bound = await createClient(t, { client_id: 'bound_to_x', contactCenterIds: [ccX] });
    tokens = [
      { label: 'client credentials', token: await clientCredentials(bound) },
      { label: 'ops password grant', token: await opsPasswordGrant(bound) },
    ];
  });

  it('lists only the bound contact centers, their environments, and reads the bound one', async () => {
    for (const { token } of tokens) {
      const api = bearer(token);
      const ccs = await api.get('/contact-centers');
      expect(ccs.status).toBe(200);
      expect(ccs.body.data.map((c: { id: string }) => c.id)).toEqual([ccX]);
      const envs = await api.get('/environments');
      expect(envs.status).toBe(200);
      expect(envs.body.data.map((e: { id: string }) => e.id)).toEqual([envX]);
      expect((await api.get(`/contact-centers/${ccX}`)).body.data.id).toBe(ccX);
      expect((await api.get(`/environments/${envX}`)).body.data.id).toBe(envX);
      const users = await api.get(`/contact-centers/${ccX}/users`);
      expect(users.status).toBe(200);
      expect(users.body.data.map((u: { username: string }) => u.username)).toEqual(['agent']);
      expect((await api.get(`/contact-centers/${ccX}/settings`)).body).toEqual({ status: { code: 0 }, data: { settings: [] } });
      // data centers are regions of the deployment, not tenant data: readable
      expect((await api.get('/data-centers')).body.data).toHaveLength(1);
    }
  });

  it('answers every route of another contact center exactly as if it did not exist (404 code 6), and stores nothing', async () => {
    const absent = randomUUID();
    for (const { token } of tokens) {
      const api = bearer(token);
      const before = await opsView();
      const pairs: [ReturnType<typeof api.get>, ReturnType<typeof api.get>][] = [
        [api.get(`/contact-centers/${ccY}`), api.get(`/contact-centers/${absent}`)],
        [api.put(`/contact-centers/${ccY}`, { auth: 'configServer' }), api.put(`/contact-centers/${absent}`, { auth: 'configServer' })],
        [api.delete(`/contact-centers/${ccY}`), api.delete(`/contact-centers/${absent}`)],
        [api.get(`/contact-centers/${ccY}/users`), api.get(`/contact-centers/${absent}/users`)],
        [api.get(`/contact-centers/${ccY}/users/${userY}`), api.get(`/contact-centers/${absent}/users/${userY}`)],
        [api.post(`/contact-centers/${ccY}/users`, { username: 'intruder', password: 'intruder-password' }), api.post(`/contact-centers/${absent}/users`, { username: 'intruder', password: 'intruder-password' })],
        [api.put(`/contact-centers/${ccY}/users/${userY}`, { password: 'taken-over-1' }), api.put(`/contact-centers/${absent}/users/${userY}`, { password: 'taken-over-1' })],
        [api.delete(`/contact-centers/${ccY}/users/${userY}`), api.delete(`/contact-centers/${absent}/users/${userY}`)],
        [api.get(`/contact-centers/${ccY}/settings`), api.get(`/contact-centers/${absent}/settings`)],
        [
          api.post(`/contact-centers/${ccY}/settings`, { location: '/', name: 'cors-origins', shared: 'true', value: 'https://evil.example.com' }),
          api.post(`/contact-centers/${absent}/settings`, { location: '/', name: 'cors-origins', shared: 'true', value: 'https://evil.example.com' }),
        ],
        [api.delete(`/contact-centers/${ccY}/settings/cors-origins`), api.delete(`/contact-centers/${absent}/settings/cors-origins`)],
        [api.get(`/environments/${envY}`), api.get(`/environments/${absent}`)],
      ];
      for (const [otherReq, absentReq] of pairs) {
        const [other, missing] = [await otherReq, await absentReq];
        expect(other.status).toBe(404);
        expect(other.body.status.code).toBe(6);
        // the same answer as for an id that exists nowhere, with the id swapped
        expect(JSON.stringify(other.body).replaceAll(ccY, 'ID').replaceAll(envY, 'ID')).toBe(JSON.stringify(missing.body).replaceAll(absent, 'ID'));
      }
      expect(await opsView()).toBe(before);
    }
  });

  it('refuses creating a contact center and changing deployment-wide objects: 403 code 3, nothing stored', async () => {
    for (const { token } of tokens) {
      const api = bearer(token);
      const before = await opsView();
      expectForbidden(await api.post('/contact-centers', { environmentId: envX, domains: ['newdom'] }));
      expectForbidden(await api.post('/environments', { username: 'default', password: 'password' }));
      expectForbidden(await api.put(`/environments/${envX}`, { username: 'changed' }));
      expectForbidden(await api.delete(`/environments/${envX}`));
      expectForbidden(await api.post('/data-centers', { location: '/evil1', entryPoint: 'https://evil.example.com' }));
      expect(await opsView()).toBe(before);
    }
  });

  it('cannot move its contact center into an environment it does not see', async () => {
    const api = bearer(tokens[0]!.token);
    const moved = await api.put(`/contact-centers/${ccX}`, { environmentId: envY });
    expect(moved.status).toBe(400);
    expect(moved.body.status.code).toBe(10);
    expect((await t.request.get(`${ENV}/contact-centers/${ccX}`).set('Authorization', OPS_AUTH)).body.data.environmentId).toBe(envX);
  });

  it('changes what is bound to it: users, settings, the contact center itself', async () => {
    const api = bearer(tokens[0]!.token);
    const created = await api.post(`/contact-centers/${ccX}/users`, { username: 'bound-made', password: PASSWORD });
    expect(created.status).toBe(200);
    expect((await api.put(`/contact-centers/${ccX}/users/${created.body.data.id}`, { firstName: 'Bo' })).body.data.firstName).toBe('Bo');
    expect((await api.delete(`/contact-centers/${ccX}/users/${created.body.data.id}`)).status).toBe(200);
    expect((await api.post(`/contact-centers/${ccX}/settings`, { location: '/', name: 'greeting', shared: 'true', value: 'hi' })).status).toBe(200);
    expect((await api.delete(`/contact-centers/${ccX}/settings/greeting`)).status).toBe(200);
    const updated = await api.put(`/contact-centers/${ccX}`, { domains: ['xdom', 'xdom2'] });
    expect(updated.status).toBe(200);
    expect(updated.body.data.domains).toEqual(['xdom', 'xdom2']);
  });

  it('an internal client bound to none keeps the deployment-wide view, as does ops Basic', async () => {
    const api = bearer(await clientCredentials(seedClient));
    expect((await api.get('/contact-centers')).body.data.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining([ccX, ccY]));
    expect((await api.get(`/contact-centers/${ccY}/users/${userY}`)).status).toBe(200);
    expect((await t.request.get(`${ENV}/contact-centers/${ccY}/settings`).set('Authorization', OPS_AUTH)).body.data.settings).toHaveLength(1);
  });
});
