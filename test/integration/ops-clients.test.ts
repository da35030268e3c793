import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPS, basic, seedClientBody, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const OPS_AUTH = basic(OPS.username, OPS.password);
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('ops client API authentication', () => {
  it.each([
    ['no credentials', undefined],
    ['wrong password', basic('ops', 'nope')],
    ['wrong user', basic('admin', 'ops')],
    ['a bearer token', 'Bearer abcdefghijklmnopqrstuvwxyz'],
  ])('refuses %s with 401, WWW-Authenticate and both error shapes', async (_label, header) => {
    const req = t.request.get('/auth/v3/ops/clients');
    if (header) req.set('Authorization', header);
    const res = await req;
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="ccauth", charset="UTF-8"');
    expect(res.body).toEqual({
      status: { code: 20, message: 'Bad credentials' },
      error: 'Unauthorized',
      error_description: 'Bad credentials',
    });
  });
});

describe('POST /auth/v3/ops/clients', () => {
  it('creates the Genesys "Provision Genesys Authentication" client, generating a secret when it is empty', async () => {
    const res = await t.request.post('/auth/v3/ops/clients').set('Authorization', OPS_AUTH).send(seedClientBody());
    expect(res.status).toBe(200);
    expect(res.body.status).toEqual({ code: 0 });
    const d = res.body.data;
    expect(d).toMatchObject({
      clientType: 'CONFIDENTIAL',
      scope: ['*'],
      internalClient: true,
      authorities: ['ROLE_INTERNAL_CLIENT'],
      accessTokenExpirationTimeout: 43200,
      refreshTokenExpirationTimeout: 43200,
      name: 'external_api_client',
      client_id: 'external_api_client',
      redirectURIs: ['https://gauth.example.com', 'https://wwe.example.com', 'https://gws.example.com', 'https://prov.example.com'],
    });
    expect(d.authorizedGrantTypes).toEqual([
      'client_credentials',
      'authorization_code',
      'refresh_token',
      'password',
      'urn:ietf:params:oauth:grant-type:token-exchange',
      'urn:ietf:params:oauth:grant-type:jwt-bearer',
    ]);
    expect(d.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(typeof d.createdAt).toBe('number');
    expect(Math.abs(d.createdAt - Date.now())).toBeLessThan(60_000);
    expect(d.encrypted_client_secret).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });

  it('keeps a caller-supplied secret and never returns it again', async () => {
    const res = await t.request
      .post('/auth/v3/ops/clients')
      .set('Authorization', OPS_AUTH)
      .send(seedClientBody({ client_id: 'with_secret', client_secret: 'S3cret-Value-42' }));
    expect(res.body.data.client_secret).toBe('S3cret-Value-42');
    const got = await t.request.get('/auth/v3/ops/clients/with_secret').set('Authorization', OPS_AUTH);
    expect(got.status).toBe(200);
    expect(got.body.data.client_id).toBe('with_secret');
    expect(got.body.data).not.toHaveProperty('client_secret');
    expect(JSON.stringify(got.body)).not.toContain('S3cret-Value-42');
    const list = await t.request.get('/auth/v3/ops/clients').set('Authorization', OPS_AUTH);
    expect(Array.isArray(list.body.data)).toBe(true);
    expect(list.body.data.map((c: { client_id: string }) => c.client_id)).toContain('with_secret');
    for (const c of list.body.data) expect(c).not.toHaveProperty('client_secret');
  });

  it('answers code 18 for a duplicate client_id and stores nothing new', async () => {
    await t.request.post('/auth/v3/ops/clients').set('Authorization', OPS_AUTH).send(seedClientBody({ client_id: 'dup' }));
    const res = await t.request.post('/auth/v3/ops/clients').set('Authorization', OPS_AUTH).send(seedClientBody({ client_id: 'dup', name: 'other' }));
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ status: { code: 18, message: 'client dup already exists' } });
    const got = await t.request.get('/auth/v3/ops/clients/dup').set('Authorization', OPS_AUTH);
    expect(got.body.data.name).toBe('external_api_client');
  });

  it.each([
    ['an unknown grant type', { authorizedGrantTypes: ['magic'] }, 'data.authorizedGrantTypes.0'],
    ['a non-URL redirect URI', { redirectURIs: ['not a url'] }, 'data.redirectURIs.0'],
    ['a javascript: redirect URI', { redirectURIs: ['javascript:alert(1)'] }, 'data.redirectURIs.0'],
    ['a zero timeout', { accessTokenExpirationTimeout: 0 }, 'data.accessTokenExpirationTimeout'],
    ['a negative timeout', { refreshTokenExpirationTimeout: -5 }, 'data.refreshTokenExpirationTimeout'],
    ['a string timeout', { accessTokenExpirationTimeout: '43200' }, 'data.accessTokenExpirationTimeout'],
    ['a string for a boolean', { internalClient: 'yes' }, 'data.internalClient'],
    ['an unknown clientType', { clientType: 'SECRET' }, 'data.clientType'],
  ])('refuses %s with 400, code 10, the field named, and nothing stored', async (_label, overrides, field) => {
    const clientId = `bad_${Math.random().toString(36).slice(2)}`;
    const res = await t.request.post('/auth/v3/ops/clients').set('Authorization', OPS_AUTH).send(seedClientBody({ client_id: clientId, ...overrides }));
    expect(res.status).toBe(400);
    expect(res.body.status.code).toBe(10);
    expect(res.body.status.detail.errors.map((e: { field: string }) => e.field)).toContain(field);
    const got = await t.request.get(`/auth/v3/ops/clients/${clientId}`).set('Authorization', OPS_AUTH);
    expect(got.status).toBe(404);
  });

  it('refuses a body without data (code 1) and malformed JSON (code 2)', async () => {
    const noData = await t.request.post('/auth/v3/ops/clients').set('Authorization', OPS_AUTH).send({ client_id: 'x' });
    expect(noData.status).toBe(400);
    expect(noData.body.status.code).toBe(1);
    const broken = await t.request.post('/auth/v3/ops/clients').set('Authorization', OPS_AUTH).set('Content-Type', 'application/json').send('{"data":');
    expect(broken.status).toBe(400);
    expect(broken.body).toEqual({ status: { code: 2, message: 'request body is not valid JSON' } });
  });

  it('creates a PUBLIC client without a secret and refuses one with a secret', async () => {
    const res = await t.request
      .post('/auth/v3/ops/clients')
      .set('Authorization', OPS_AUTH)
      .send(seedClientBody({ client_id: 'widget', clientType: 'PUBLIC', client_secret: undefined, authorizedGrantTypes: ['authorization_code', 'refresh_token'] }));
    expect(res.status).toBe(200);
    expect(res.body.data).not.toHaveProperty('client_secret');
    expect(res.body.data).not.toHaveProperty('encrypted_client_secret');
    const bad = await t.request
      .post('/auth/v3/ops/clients')
      .set('Authorization', OPS_AUTH)
      .send(seedClientBody({ client_id: 'widget2', clientType: 'PUBLIC', client_secret: 'x' }));
    expect(bad.status).toBe(400);
    expect(bad.body.status.detail.errors[0].field).toBe('data.client_secret');
  });
});

describe('PUT and DELETE /auth/v3/ops/clients/:client_id', () => {
  it('merges a partial update (only redirectURIs, as Genesys scripts send)', async () => {
    await t.request.post('/auth/v3/ops/clients').set('Authorization', OPS_AUTH).send(seedClientBody({ client_id: 'merge_me' }));
    const res = await t.request
      .put('/auth/v3/ops/clients/merge_me')
      .set('Authorization', OPS_AUTH)
      .send({ data: { redirectURIs: ['https://new.example.com/cb'] } });
    expect(res.status).toBe(200);
    expect(res.body.status).toEqual({ code: 0 });
    expect(res.body.data.redirectURIs).toEqual(['https://new.example.com/cb']);
    expect(res.body.data.authorities).toEqual(['ROLE_INTERNAL_CLIENT']);
    expect(res.body.data.accessTokenExpirationTimeout).toBe(43200);
  });

  it('answers 404 code 6 for unknown clients', async () => {
    for (const req of [
      t.request.get('/auth/v3/ops/clients/nobody'),
      t.request.put('/auth/v3/ops/clients/nobody').send({ data: { name: 'x' } }),
      t.request.delete('/auth/v3/ops/clients/nobody'),
    ]) {
      const res = await req.set('Authorization', OPS_AUTH);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ status: { code: 6, message: 'client nobody not found' } });
    }
  });

  it('deletes a client and revokes its tokens', async () => {
    const created = await t.request.post('/auth/v3/ops/clients').set('Authorization', OPS_AUTH).send(seedClientBody({ client_id: 'doomed' }));
    const secret = created.body.data.client_secret;
    const tok = await t.request.post('/auth/v3/oauth/token').set('Authorization', basic('doomed', secret)).type('form').send({ grant_type: 'password', username: 'ops', password: 'ops' });
    expect(tok.status).toBe(200);
    const before = await t.db.knex('oidc_payloads').where({ client_id: 'doomed' }).count<{ count: string }[]>('* as count');
    expect(Number(before[0]!.count)).toBeGreaterThan(0);
    const del = await t.request.delete('/auth/v3/ops/clients/doomed').set('Authorization', OPS_AUTH);
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ status: { code: 0 } });
    const after = await t.db.knex('oidc_payloads').where({ client_id: 'doomed' }).count<{ count: string }[]>('* as count');
    expect(Number(after[0]!.count)).toBe(0);
    const refresh = await t.request.post('/auth/v3/oauth/token').set('Authorization', basic('doomed', secret)).type('form').send({ grant_type: 'refresh_token', refresh_token: tok.body.refresh_token });
    expect(refresh.status).toBe(401);
    expect(refresh.body.error).toBe('invalid_client');
  });
});
