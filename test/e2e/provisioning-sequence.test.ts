/**
 * Genesys "Provision Genesys Authentication", replayed call by call with the document's own
 * bodies (placeholders filled in), asserting the envelopes and token fields the document shows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const CC_ID = 'ed4c03f3-6275-4419-8b2b-11d14af10655';

describe('Genesys "Provision Genesys Authentication": provision Genesys Authentication', () => {
  const state: { secret?: string; token?: string; refresh?: string; environmentId?: string; ccid?: string } = {};

  it('creates a new API client (ops Basic credentials)', async () => {
    const res = await t.request
      .post('/auth/v3/ops/clients')
      .set('Content-Type', 'application/json')
      .set('Authorization', basic('ops', 'ops'))
      .send(
        `{"data": {
"name": "external_api_client",
"clientType": "CONFIDENTIAL",
"internalClient": true,
"refreshTokenExpirationTimeout": 43200,
"client_id": "external_api_client",
"client_secret": "",
"authorities": ["ROLE_INTERNAL_CLIENT"],
"scope": ["*"],
"authorizedGrantTypes": ["client_credentials", "authorization_code", "refresh_token", "password"],
"redirectURIs": ["https://gauth.yourcluster.com","https://wwe.yourcluster.com","https://gws.yourcluster.com","https://prov.yourcluster.com"],
"accessTokenExpirationTimeout": 43200
}
}`,
      );
    expect(res.status).toBe(200);
    expect(res.body.status).toEqual({ code: 0 });
    expect(res.body.data).toMatchObject({
      clientType: 'CONFIDENTIAL',
      scope: ['*'],
      internalClient: true,
      authorities: ['ROLE_INTERNAL_CLIENT'],
      accessTokenExpirationTimeout: 43200,
      refreshTokenExpirationTimeout: 43200,
      name: 'external_api_client',
      client_id: 'external_api_client',
    });
    expect(res.body.data.authorizedGrantTypes).toEqual(
      expect.arrayContaining(['refresh_token', 'client_credentials', 'password', 'authorization_code', 'urn:ietf:params:oauth:grant-type:token-exchange', 'urn:ietf:params:oauth:grant-type:jwt-bearer']),
    );
    expect(typeof res.body.data.createdAt).toBe('number');
    expect(typeof res.body.data.encrypted_client_secret).toBe('string');
    state.secret = res.body.data.client_secret;
    expect(state.secret).toBeTruthy();
  });

  it('creates an authentication token (password grant as ops)', async () => {
    const res = await t.request
      .post('/auth/v3/oauth/token')
      .set('Authorization', basic('external_api_client', state.secret!))
      .type('form')
      .send('username=ops&client_id=external_api_client&grant_type=password&password=ops');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'bearer', refresh_token: expect.any(String), expires_in: expect.any(Number), scope: '*' });
    expect(res.body.expires_in).toBeGreaterThanOrEqual(43199);
    state.token = res.body.access_token;
    state.refresh = res.body.refresh_token;
  });

  it('adds a Genesys tenant/environment with the Bearer token', async () => {
    const res = await t.request
      .post('/environment/v3/environments')
      .set('Content-Type', 'application/json')
      .set('Authorization', `Bearer ${state.token}`)
      .send({
        data: {
          id: 'd0fb6386-236c-4739-aec0-b9c1bd6173df',
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
        },
      });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: { code: 0 }, path: '/environments/d0fb6386-236c-4739-aec0-b9c1bd6173df' });
    state.environmentId = res.body.path.split('/')[2];
  });

  it('adds a contact center to the environment', async () => {
    const res = await t.request
      .post('/environment/v3/contact-centers')
      .set('Content-Type', 'application/json')
      .set('Authorization', `Bearer ${state.token}`)
      .send({ data: { domains: ['t100'], environmentId: state.environmentId, auth: 'configServer', id: CC_ID } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: { code: 0 }, path: `/contact-centers/${CC_ID}` });
    state.ccid = res.body.path.split('/')[2];
  });

  it('adds a data center with ops Basic credentials', async () => {
    const res = await t.request
      .post('/environment/v3/data-centers')
      .set('Authorization', basic('ops', 'ops'))
      .set('Content-Type', 'application/json')
      .send({ data: { location: '/usw1', entryPoint: 'https://gauth.yourcluster.com', readOnly: false } });
    expect(res.status).toBe(200);
    expect(res.body.status).toEqual({ code: 0 });
  });

  it('updates the CORS settings', async () => {
    const res = await t.request
      .post(`/environment/v3/contact-centers/${state.ccid}/settings`)
      .set('Content-Type', 'application/json')
      .set('Authorization', `Bearer ${state.token}`)
      .send('\n{\n"data":{\n"location":"/",\n"name":"cors-origins",\n"shared":"true",\n"value":"https://wwe.yourcluster.com, https://gws.yourcluster.com,https://prov.yourcluster.com"\n}\n}');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: { code: 0 } });
    const got = await t.request.get(`/environment/v3/contact-centers/${state.ccid}/settings`).set('Authorization', `bearer ${state.token}`);
    expect(got.body.status).toEqual({ code: 0 });
    expect(got.body.data.settings).toEqual([
      { name: 'cors-origins', location: '/', shared: true, value: 'https://wwe.yourcluster.com,https://gws.yourcluster.com,https://prov.yourcluster.com' },
    ]);
  });

  it('lists what was provisioned', async () => {
    const envs = await t.request.get('/environment/v3/environments').set('Authorization', `Bearer ${state.token}`);
    expect(envs.body.data.map((e: { id: string }) => e.id)).toEqual([state.environmentId]);
    expect(JSON.stringify(envs.body)).not.toContain('"password"');
    const ccs = await t.request.get('/environment/v3/contact-centers').set('Authorization', basic('ops', 'ops'));
    expect(ccs.body.data).toEqual([expect.objectContaining({ id: CC_ID, environmentId: state.environmentId, domains: ['t100'], auth: 'configServer' })]);
    const dcs = await t.request.get('/environment/v3/data-centers').set('Authorization', basic('ops', 'ops'));
    expect(dcs.body.data).toEqual([expect.objectContaining({ location: '/usw1', readOnly: false })]);
  });

  it('issues a second password-grant token and refreshes the first', async () => {
    const second = await t.request
      .post('/auth/v3/oauth/token')
      .set('Authorization', basic('external_api_client', state.secret!))
      .type('form')
      .send({ username: 'ops', client_id: 'external_api_client', grant_type: 'password', password: 'ops' });
    expect(second.status).toBe(200);
    expect(second.body.access_token).not.toBe(state.token);
    const refreshed = await t.request
      .post('/auth/v3/oauth/token')
      .set('Authorization', basic('external_api_client', state.secret!))
      .type('form')
      .send({ grant_type: 'refresh_token', refresh_token: state.refresh, client_id: 'external_api_client' });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toEqual({ access_token: expect.any(String), token_type: 'bearer', refresh_token: expect.any(String), expires_in: 43200, scope: '*' });
    const useIt = await t.request.get('/environment/v3/environments').set('Authorization', `Bearer ${refreshed.body.access_token}`);
    expect(useIt.body.status).toEqual({ code: 0 });
  });
});
