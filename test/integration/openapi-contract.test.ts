/**
 * The contract test (README "API"): drives every operation of the OpenAPI document against the
 * real app — the Genesys provisioning sequence ("Provision Genesys Authentication"), then each ops
 * and Environment API route, userinfo, sign-out and the operations routes, with successes and the
 * usual failures (400, 401, 403, 404, 409) — and validates each answer against the document the app
 * serves at `/openapi.json`. It ends by requiring that every operation was checked at least once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from 'supertest';
import { createContract } from '../helpers/openapi-contract.ts';
import { idpMetadata, newKeyPair } from '../helpers/saml-idp.ts';
import type { Contract } from '../helpers/openapi-contract.ts';
import { OPS, basic, seedClientBody, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const OPS_AUTH = basic(OPS.username, OPS.password);
let t: TestApp;
let contract: Contract;
const ids: Record<string, string> = {};

/** Checks `res` against the document and returns it. */
const checked = (res: Response): Response => {
  contract.check(res);
  return res;
};
const ops = {
  get: (p: string) => t.request.get(p).set('Authorization', OPS_AUTH).then(checked),
  del: (p: string) => t.request.delete(p).set('Authorization', OPS_AUTH).then(checked),
  post: (p: string, body?: object) => {
    const r = t.request.post(p).set('Authorization', OPS_AUTH);
    return (body ? r.send(body) : r).then(checked);
  },
  put: (p: string, body: object) => t.request.put(p).set('Authorization', OPS_AUTH).send(body).then(checked),
};

beforeAll(async () => {
  t = await startTestApp();
  contract = await createContract((await t.request.get('/openapi.json')).body);
});
afterAll(async () => {
  await t.close();
});

describe('the Genesys provisioning sequence matches the document', () => {
  it('client, token, environment, contact center, data center, CORS setting', async () => {
    const client = await ops.post('/auth/v3/ops/clients', seedClientBody({ client_secret: '' }));
    expect(client.status).toBe(200);
    ids.secret = client.body.data.client_secret;
    const token = await t.request
      .post('/auth/v3/oauth/token')
      .auth('external_api_client', ids.secret!)
      .type('form')
      .send({ username: 'ops', client_id: 'external_api_client', grant_type: 'password', password: 'ops' });
    expect(token.status).toBe(200);
    ids.token = token.body.access_token;
    const bearer = (r: ReturnType<typeof t.request.post>) => r.set('Authorization', `Bearer ${ids.token}`);
    const envRes = checked(
      await bearer(t.request.post('/environment/v3/environments')).send({
        data: { username: 'default', password: 'password', connectionProtocol: 'addp', remoteTimeout: 7, appName: 'Cloud', traceMode: 'CFGTMBoth', tlsEnabled: false, configServers: [{ primaryPort: 2020, readOnly: false, primaryAddress: '172.24.132.84', locations: '/USW1' }], localTimeout: 5, tenant: 'Environment' },
      }),
    );
    expect(envRes.status).toBe(200);
    ids.env = envRes.body.path.split('/')[2];
    const cc = checked(await bearer(t.request.post('/environment/v3/contact-centers')).send({ data: { domains: ['t100'], environmentId: ids.env, auth: 'configServer' } }));
    ids.cc = cc.body.path.split('/')[2];
    const dc = await ops.post('/environment/v3/data-centers', { data: { location: '/usw1', entryPoint: 'http://localhost:8080', readOnly: false } });
    ids.dc = dc.body.path.split('/')[2];
    const cors = checked(await bearer(t.request.post(`/environment/v3/contact-centers/${ids.cc}/settings`)).send({ data: { location: '/', name: 'cors-origins', shared: 'true', value: 'https://a.example.com, https://b.example.com' } }));
    expect(cors.body).toEqual({ status: { code: 0 } });
  });
});

describe('ops API', () => {
  it('clients', async () => {
    expect((await ops.get('/auth/v3/ops/clients')).status).toBe(200);
    expect((await ops.get('/auth/v3/ops/clients/external_api_client')).status).toBe(200);
    expect((await ops.put('/auth/v3/ops/clients/external_api_client', { data: { description: 'contract' } })).body.data.description).toBe('contract');
    expect((await ops.post('/auth/v3/ops/clients', seedClientBody())).status).toBe(409);
    expect((await ops.post('/auth/v3/ops/clients', { data: { client_id: 'x' } })).status).toBe(400);
    expect((await ops.post('/auth/v3/ops/clients', {})).body.status.code).toBe(1);
    expect((await ops.get('/auth/v3/ops/clients/nobody')).status).toBe(404);
    expect(checked(await t.request.get('/auth/v3/ops/clients')).status).toBe(401);
    expect(checked(await t.request.post('/auth/v3/ops/clients').set('Authorization', OPS_AUTH).set('Content-Type', 'text/plain').send('x')).status).toBe(415);
    await ops.post('/auth/v3/ops/clients', seedClientBody({ client_id: 'to-delete' }));
    expect((await ops.del('/auth/v3/ops/clients/to-delete')).status).toBe(200);
  });

  it('signing keys', async () => {
    expect((await ops.get('/auth/v3/ops/keys')).status).toBe(200);
    expect((await ops.post('/auth/v3/ops/keys/rotate')).status).toBe(200);
    expect((await ops.post('/auth/v3/ops/keys/rotate', { data: { immediate: 'yes' } })).status).toBe(400);
  });

  it('integrations and activations', async () => {
    const base = '/auth/v3/ops/integrations';
    expect((await ops.get(`${base}?q=cora`)).body.data).toHaveLength(1);
    expect((await ops.get(`${base}/workflow-email-listener`)).status).toBe(200);
    expect((await ops.post(base, { data: { id: 'contract', name: 'Contract', authorizedGrantTypes: ['client_credentials'] } })).status).toBe(200);
    expect((await ops.put(`${base}/contract`, { data: { description: 'd' } })).status).toBe(200);
    const act = await ops.post(`${base}/contract/activations`, { data: { contactCenterId: ids.cc } });
    expect(act.status).toBe(200);
    const aid = act.body.data.activationId as string;
    expect((await ops.post(`${base}/contract/activations`, { data: { contactCenterId: ids.cc } })).status).toBe(409);
    expect((await ops.get(`${base}/contract/activations`)).status).toBe(200);
    expect((await ops.get(`${base}/contract/activations/${aid}`)).status).toBe(200);
    expect((await ops.post(`${base}/contract/activations/${aid}/secret`, { data: { gracePeriodSeconds: 60 } })).status).toBe(200);
    expect((await ops.del(`${base}/contract`)).status).toBe(409);
    expect((await ops.del(`${base}/contract/activations/${aid}`)).status).toBe(200);
    const pub = await ops.post(`${base}/journey-data-store/activations`, { data: { contactCenterId: ids.cc } });
    expect(pub.body.data.client_secret).toBeUndefined();
    expect((await ops.del(`${base}/contract`)).status).toBe(200);
    expect((await ops.get(`${base}/contract`)).status).toBe(404);
  });

  it('audit trail', async () => {
    const page = await ops.get('/auth/v3/ops/audit?limit=2');
    expect(page.body.nextCursor).toEqual(expect.any(String));
    expect((await ops.get(`/auth/v3/ops/audit?limit=2&cursor=${page.body.nextCursor}`)).status).toBe(200);
    expect((await ops.get('/auth/v3/ops/audit?event=client.*&from=2020-01-01T00:00:00Z')).status).toBe(200);
    expect((await ops.get('/auth/v3/ops/audit?cursor=nope')).status).toBe(400);
    const lines = checked(await t.request.get('/auth/v3/ops/audit?actor=ops').set('Authorization', OPS_AUTH).set('Accept', 'application/x-ndjson'));
    expect(lines.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
  });
});

describe('Environment API', () => {
  it('environments, contact centers, settings, users, data centers', async () => {
    const env = '/environment/v3';
    expect((await ops.get(`${env}/environments`)).status).toBe(200);
    expect((await ops.get(`${env}/environments/${ids.env}`)).status).toBe(200);
    expect((await ops.put(`${env}/environments/${ids.env}`, { data: { appName: 'Cloud2' } })).status).toBe(200);
    expect((await ops.del(`${env}/environments/${ids.env}`)).status).toBe(409);
    expect((await ops.get(`${env}/contact-centers`)).status).toBe(200);
    expect((await ops.get(`${env}/contact-centers/${ids.cc}`)).status).toBe(200);
    expect((await ops.put(`${env}/contact-centers/${ids.cc}`, { data: { domains: ['t100', 't101'] } })).status).toBe(200);
    expect((await ops.get(`${env}/contact-centers/${ids.cc}/settings`)).body.data.settings).toHaveLength(1);
    await ops.post(`${env}/contact-centers/${ids.cc}/settings`, { data: { name: 'greeting', value: 'hi' } });
    expect((await ops.del(`${env}/contact-centers/${ids.cc}/settings/greeting`)).status).toBe(200);
    const user = await ops.post(`${env}/contact-centers/${ids.cc}/users`, { data: { username: 'agent', password: 'Correct-Horse-Battery-9', firstName: 'Ann', email: 'ann@example.com', properties: { team: 'blue' } } });
    expect(user.status).toBe(200);
    ids.user = user.body.data.id;
    expect((await ops.post(`${env}/contact-centers/${ids.cc}/users`, { data: { username: 'AGENT', password: 'Correct-Horse-Battery-9' } })).status).toBe(409);
    expect((await ops.get(`${env}/contact-centers/${ids.cc}/users`)).status).toBe(200);
    expect((await ops.get(`${env}/contact-centers/${ids.cc}/users/${ids.user}`)).status).toBe(200);
    expect((await ops.put(`${env}/contact-centers/${ids.cc}/users/${ids.user}`, { data: { lastName: 'Lee' } })).status).toBe(200);
    expect((await ops.get(`${env}/data-centers`)).status).toBe(200);
    expect((await ops.get(`${env}/data-centers/${ids.dc}`)).status).toBe(200);
    expect((await ops.put(`${env}/data-centers/${ids.dc}`, { data: { readOnly: true } })).status).toBe(200);
    expect((await ops.get(`${env}/data-centers/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
  });

  it('the identity provider of a contact center, auth-scheme, and their failures', async () => {
    const env = '/environment/v3';
    const idp = newKeyPair();
    const metadataXml = idpMetadata({ entityId: 'https://idp.example.com', ssoUrl: 'https://idp.example.com/sso', certificateB64: idp.certificateB64 });
    const put = await ops.put(`${env}/contact-centers/${ids.cc}/identity-provider`, { data: { type: 'saml', metadataXml } });
    expect(put.status).toBe(200);
    expect((await ops.put(`${env}/contact-centers/${ids.cc}/identity-provider`, { data: { type: 'saml', metadataXml: 'not xml' } })).status).toBe(400);
    expect((await ops.get(`${env}/contact-centers/${ids.cc}/identity-provider`)).body.data.type).toBe('saml');
    const scheme = checked(await t.request.post('/auth/v3/auth-scheme').send({ data: { userName: 't100\\agent' } }));
    expect(scheme.body.data.scheme).toBe('saml');
    expect(checked(await t.request.post('/auth/v3/auth-scheme').send({ data: {} })).status).toBe(400);
    expect((await ops.del(`${env}/contact-centers/${ids.cc}/identity-provider`)).status).toBe(200);
    expect((await ops.get(`${env}/contact-centers/${ids.cc}/identity-provider`)).status).toBe(404);
  });

  it('CORS origins one at a time, and their failures', async () => {
    const env = '/environment/v3';
    expect((await ops.post(`${env}/cors`, { data: { contactCenterId: ids.cc, origin: 'https://one.example.com' } })).body.data.added).toBe(true);
    expect((await ops.get(`${env}/cors`)).body.data.origins).toContainEqual({ origin: 'https://one.example.com', contactCenterId: ids.cc });
    expect((await ops.post(`${env}/cors`, { data: { contactCenterId: ids.cc, origin: 'not an origin' } })).status).toBe(400);
    expect((await ops.del(`${env}/cors?contactCenterId=${ids.cc}&origin=${encodeURIComponent('https://one.example.com')}`)).status).toBe(200);
    expect((await ops.del(`${env}/cors?contactCenterId=${ids.cc}&origin=${encodeURIComponent('https://one.example.com')}`)).status).toBe(404);
  });

  it('a token that is not an admin token is refused with 403', async () => {
    await ops.post('/auth/v3/ops/clients', seedClientBody({ client_id: 'plain', client_secret: 'Plain-Secret-000001', internalClient: false, authorities: [] }));
    const tok = await t.request.post('/auth/v3/oauth/token').auth('plain', 'Plain-Secret-000001').type('form').send({ grant_type: 'client_credentials' });
    expect(tok.status).toBe(200);
    const res = checked(await t.request.get('/environment/v3/environments').set('Authorization', `Bearer ${tok.body.access_token}`));
    expect(res.status).toBe(403);
    ids.plainToken = tok.body.access_token;
  });
});

describe('user info, sign-out and operations routes', () => {
  it('userinfo in both shapes, by header and form field, and its 401', async () => {
    const login = await t.request.post('/auth/v3/oauth/token').auth('external_api_client', ids.secret!).type('form').send({ grant_type: 'password', username: 't100\\agent', password: 'Correct-Horse-Battery-9' });
    expect(login.status).toBe(200);
    ids.userToken = login.body.access_token;
    for (const p of ['/auth/v3/userinfo', '/auth/v3/openid/userinfo']) {
      expect(checked(await t.request.get(p).set('Authorization', `Bearer ${ids.userToken}`)).status).toBe(200);
      expect(checked(await t.request.post(p).type('form').send({ access_token: ids.token })).status).toBe(200);
      expect(checked(await t.request.get(p).set('Authorization', `Bearer ${ids.plainToken}`)).status).toBe(200);
      expect(checked(await t.request.get(p)).status).toBe(401);
    }
  });

  it('jwt-userinfo, ping and change-password, and their failures', async () => {
    expect(checked(await t.request.get('/auth/v3/jwt-userinfo').set('Authorization', `Bearer ${ids.userToken}`)).headers['x-gws-user']).toMatch(/^ey/);
    expect(checked(await t.request.get('/auth/v3/jwt-userinfo')).status).toBe(401);
    expect(checked(await t.request.get('/auth/v3/ping').set('Authorization', `Bearer ${ids.userToken}`)).status).toBe(200);
    expect(checked(await t.request.get('/auth/v3/ping')).status).toBe(403);
    const change = (data: object, bearer?: string) => {
      const r = t.request.post('/auth/v3/change-password');
      return (bearer ? r.set('Authorization', `Bearer ${bearer}`) : r).send({ data }).then(checked);
    };
    expect((await change({ userName: 't100\\agent', oldPassword: 'wrong-one', newPassword: 'x' })).status).toBe(403);
    expect((await change({ userName: 't100\\agent', oldPassword: 'Correct-Horse-Battery-9', newPassword: 'short' })).status).toBe(400);
    expect((await change({ oldPassword: 'Correct-Horse-Battery-9', newPassword: 'x' }, 'not-live')).status).toBe(401);
    expect((await change({ oldPassword: 'Correct-Horse-Battery-9', newPassword: 'Quiet-Lantern-47-river' }, ids.userToken)).status).toBe(200);
    const again = await t.request.post('/auth/v3/oauth/token').auth('external_api_client', ids.secret!).type('form').send({ grant_type: 'password', username: 't100\\agent', password: 'Quiet-Lantern-47-river' });
    expect(again.status).toBe(200);
  });

  it('sign-out by token and by browser, and its failures', async () => {
    expect(checked(await t.request.post('/auth/v3/sign-out?global=maybe').set('Authorization', `Bearer ${ids.userToken}`)).status).toBe(400);
    expect(checked(await t.request.post('/auth/v3/sign-out').set('Authorization', `Bearer ${ids.userToken}`)).status).toBe(200);
    expect(checked(await t.request.post('/auth/v3/sign-out').set('Authorization', `Bearer ${ids.userToken}`)).status).toBe(401);
    expect(checked(await t.request.get('/auth/v3/sign-out').set('Authorization', `Bearer ${ids.plainToken}`)).status).toBe(200);
  });

  it('health, readiness, metrics, the document and the docs page', async () => {
    for (const p of ['/healthz', '/health', '/readyz', '/metrics', '/openapi.json', '/docs']) expect(checked(await t.request.get(p)).status).toBe(200);
  });

  it('the checker refuses an answer that does not match (a field missing, a field not described, an undescribed status)', () => {
    const fake = (status: number, body: unknown) =>
      ({ req: { method: 'GET', path: '/auth/v3/ops/clients/x' }, status, headers: { 'content-type': 'application/json; charset=utf-8' }, body }) as unknown as Response;
    const client = { client_id: 'x', name: 'x', clientType: 'CONFIDENTIAL', internalClient: false, authorities: [], scope: ['*'], authorizedGrantTypes: ['client_credentials'], redirectURIs: [], accessTokenExpirationTimeout: 1, refreshTokenExpirationTimeout: 1, contactCenterIds: [], pkceRequired: false, accessTokenFormat: 'opaque', dpopBoundAccessTokens: false, tokenEndpointAuthMethod: 'client_secret_basic', requirePushedAuthorizationRequests: false, createdAt: 1 };
    expect(contract.check(fake(200, { status: { code: 0 }, data: client }))).toBe('getClient');
    const { name: _name, ...noName } = client;
    expect(() => contract.check(fake(200, { status: { code: 0 }, data: noName }))).toThrow(/must have required property 'name'/);
    expect(() => contract.check(fake(200, { status: { code: 0 }, data: { ...client, secret_hash: '$argon2id$...' } }))).toThrow(/must NOT have additional properties/);
    expect(() => contract.check(fake(404, { status: { code: 99, message: 'x' } }))).toThrow(/must be equal to one of the allowed values/);
    expect(() => contract.check(fake(418, {}))).toThrow(/does not describe status 418/);
  });

  it('deletes what it made, then every operation of the document has been checked', async () => {
    expect((await ops.del(`/environment/v3/contact-centers/${ids.cc}/users/${ids.user}`)).status).toBe(200);
    expect((await ops.del(`/environment/v3/data-centers/${ids.dc}`)).status).toBe(200);
    expect((await ops.del(`/environment/v3/contact-centers/${ids.cc}/settings/cors-origins`)).status).toBe(200);
    expect([200, 409]).toContain((await ops.del(`/environment/v3/contact-centers/${ids.cc}`)).status);
    const missing = [...contract.operations.entries()].filter(([id]) => !contract.seen.has(id)).map(([, route]) => route);
    expect(missing).toEqual([]);
  });
});
