/**
 * The token endpoint (RFC 6749 §3.2, §4.3, §4.4, §6; genesys-api.md §2 A2, §4.3; seeds 000, 003, 004).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const TOKEN = '/auth/v3/oauth/token';
let t: TestApp;
let seed: { clientId: string; secret: string };

beforeAll(async () => {
  t = await startTestApp();
  seed = await createClient(t);
});
afterAll(async () => {
  await t.close();
});

const passwordGrant = (auth = basic(seed.clientId, seed.secret)) =>
  t.request.post(TOKEN).set('Authorization', auth).type('form').send({ username: 'ops', client_id: seed.clientId, grant_type: 'password', password: 'ops' });

describe('password grant (seed 003 "Create an authentication token")', () => {
  it('answers exactly in the Genesys shape', async () => {
    const res = await passwordGrant();
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type']);
    expect(res.body.token_type).toBe('bearer');
    expect(res.body.scope).toBe('*');
    expect(res.body.expires_in).toBeGreaterThanOrEqual(43199);
    expect(res.body.expires_in).toBeLessThanOrEqual(43200);
    expect(res.body.access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.body.refresh_token).not.toBe(res.body.access_token);
  });

  it('stores the grant, the access token and the refresh token in one statement (issue 6)', async () => {
    const inserts: string[] = [];
    const onQuery = (q: { sql: string }) => void (/^\s*insert into "?oidc_payloads/i.test(q.sql) && inserts.push(q.sql));
    t.db.knex.on('query', onQuery);
    let res;
    try {
      res = await passwordGrant();
    } finally {
      t.db.knex.off('query', onQuery);
    }
    expect(res.status).toBe(200);
    expect(inserts).toHaveLength(1);
    const introspected = (await t.request.post('/auth/v3/oauth/introspect').set('Authorization', basic(seed.clientId, seed.secret)).type('form').send({ token: res.body.refresh_token })).body;
    expect(introspected.active).toBe(true); // the grant exists: introspection checks it
    const models = (await t.db.knex('oidc_payloads').distinct('model')) as Array<{ model: string }>;
    expect(models.map((m) => m.model)).toEqual(expect.arrayContaining(['Grant', 'AccessToken', 'RefreshToken']));
  });

  it('gives the same invalid_grant body for a wrong password and an unknown user', async () => {
    const bad = (username: string, password: string) =>
      t.request.post(TOKEN).set('Authorization', basic(seed.clientId, seed.secret)).type('form').send({ grant_type: 'password', username, password });
    const wrongPassword = await bad('ops', 'wrong');
    const unknownUser = await bad('nobody', 'ops');
    const unknownDomainUser = await bad('nowhere\\nobody', 'ops');
    for (const res of [wrongPassword, unknownUser, unknownDomainUser]) {
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'Bad credentials' });
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('requires username and password', async () => {
    const res = await t.request.post(TOKEN).set('Authorization', basic(seed.clientId, seed.secret)).type('form').send({ grant_type: 'password', username: 'ops' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: "missing required parameter 'password'" });
  });

  it('uses the client lifetimes (seconds) for access and refresh tokens', async () => {
    const short = await createClient(t, { client_id: 'short_lived', accessTokenExpirationTimeout: 120, refreshTokenExpirationTimeout: 600 });
    const res = await t.request.post(TOKEN).set('Authorization', basic(short.clientId, short.secret)).type('form').send({ grant_type: 'password', username: 'ops', password: 'ops' });
    expect(res.body.expires_in).toBe(120);
    const rows = await t.db.knex('oidc_payloads').where({ client_id: 'short_lived', model: 'RefreshToken' }).select('expires_at');
    const ttlSeconds = (new Date(rows[0]!.expires_at).getTime() - Date.now()) / 1000;
    expect(ttlSeconds).toBeGreaterThan(590);
    expect(ttlSeconds).toBeLessThanOrEqual(600);
  });
});

describe('client authentication (RFC 6749 §2.3.1; seed 004)', () => {
  it('accepts client_secret_basic and client_secret_post for the same client', async () => {
    const viaBasic = await t.request.post(TOKEN).set('Authorization', basic(seed.clientId, seed.secret)).type('form').send({ grant_type: 'client_credentials' });
    const viaPost = await t.request.post(TOKEN).type('form').send({ grant_type: 'client_credentials', client_id: seed.clientId, client_secret: seed.secret });
    for (const res of [viaBasic, viaPost]) {
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 43200, scope: '*' });
      expect(res.body).not.toHaveProperty('refresh_token');
    }
  });

  it('refuses both methods at once with invalid_request', async () => {
    const res = await t.request
      .post(TOKEN)
      .set('Authorization', basic(seed.clientId, seed.secret))
      .type('form')
      .send({ grant_type: 'client_credentials', client_id: seed.clientId, client_secret: seed.secret });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(res.body.error_description).toBe('client authentication must only be provided using one mechanism');
  });

  it('answers invalid_client for a wrong secret and an unknown client alike, with WWW-Authenticate', async () => {
    const wrong = await t.request.post(TOKEN).set('Authorization', basic(seed.clientId, 'not-the-secret')).type('form').send({ grant_type: 'client_credentials' });
    const unknown = await t.request.post(TOKEN).set('Authorization', basic('no_such_client', 'whatever')).type('form').send({ grant_type: 'client_credentials' });
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
      expect(res.headers['www-authenticate']).toMatch(/^Basic realm=/);
    }
  });

  it('passes space-delimited scopes through for a "*" client (Cora, seed 004)', async () => {
    const res = await t.request.post(TOKEN).type('form').send({ grant_type: 'client_credentials', client_id: seed.clientId, client_secret: seed.secret, scope: 'mail.read mail.send' });
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('mail.read mail.send');
  });

  it('refuses a scope outside a restricted client\'s list with invalid_scope', async () => {
    const c = await createClient(t, { client_id: 'restricted', scope: ['mail.read'], authorizedGrantTypes: ['client_credentials'] });
    const okRes = await t.request.post(TOKEN).set('Authorization', basic(c.clientId, c.secret)).type('form').send({ grant_type: 'client_credentials' });
    expect(okRes.body.scope).toBe('mail.read');
    const res = await t.request.post(TOKEN).set('Authorization', basic(c.clientId, c.secret)).type('form').send({ grant_type: 'client_credentials', scope: 'mail.send' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_scope');
  });

  it('answers unauthorized_client for a grant type the client lacks', async () => {
    const c = await createClient(t, { client_id: 'cc_only', authorizedGrantTypes: ['client_credentials'] });
    const res = await t.request.post(TOKEN).set('Authorization', basic(c.clientId, c.secret)).type('form').send({ grant_type: 'password', username: 'ops', password: 'ops' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'unauthorized_client', error_description: 'the client is not authorized to use this grant type' });
  });

  it('lets a PUBLIC client use the password grant with only client_id (seed 000)', async () => {
    const res1 = await t.request
      .post('/auth/v3/ops/clients')
      .set('Authorization', basic('ops', 'ops'))
      .send({ data: { client_id: 'datastore', clientType: 'PUBLIC', authorizedGrantTypes: ['password'], scope: ['*'] } });
    expect(res1.status).toBe(200);
    const res = await t.request.post(TOKEN).type('form').send({ grant_type: 'password', client_id: 'datastore', username: 'ops', password: 'ops' });
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('bearer');
    expect(res.body).not.toHaveProperty('refresh_token');
  });
});

describe('a request that names no client (Genesys "Adding a data store with OAuth 2.0 authorization")', () => {
  const MISSING_CLIENT_ID =
    'client_id is missing: a public client sends client_id in the form body; a confidential client authenticates with HTTP Basic (client_id:client_secret) or with client_id and client_secret in the form body (RFC 6749 §2.3.1, §3.2.1)';

  it('says that client_id is missing, at the token, introspection and revocation endpoints', async () => {
    const created = await t.request
      .post('/auth/v3/ops/clients')
      .set('Authorization', basic('ops', 'ops'))
      .send({ data: { client_id: 'journey_store', clientType: 'PUBLIC', authorizedGrantTypes: ['password'], scope: ['*'] } });
    expect(created.status).toBe(200);
    const res = await t.request.post(TOKEN).type('form').send({ grant_type: 'password', username: 'ops', password: 'ops' });
    expect(res.status).toBe(400);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ error: 'invalid_request', error_description: MISSING_CLIENT_ID });
    expect(res.text).not.toContain('"ops"');
    for (const path of ['/auth/v3/oauth/introspect', '/auth/v3/oauth/revoke']) {
      const other = await t.request.post(path).type('form').send({ token: 'x'.repeat(43) });
      expect(other.status, path).toBe(400);
      expect(other.body, path).toEqual({ error: 'invalid_request', error_description: MISSING_CLIENT_ID });
    }
    // with client_id the same request works
    const ok = await t.request.post(TOKEN).type('form').send({ grant_type: 'password', client_id: 'journey_store', username: 'ops', password: 'ops' });
    expect(ok.status).toBe(200);
  });
});

describe('refresh_token grant', () => {
  it('rotates the refresh token and refuses the old one afterwards', async () => {
    const first = await passwordGrant();
    const refresh = (rt: string) =>
      t.request.post(TOKEN).set('Authorization', basic(seed.clientId, seed.secret)).type('form').send({ grant_type: 'refresh_token', refresh_token: rt });
    const second = await refresh(first.body.refresh_token);
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ access_token: expect.any(String), refresh_token: expect.any(String), token_type: 'bearer', expires_in: 43200, scope: '*' });
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
    const third = await refresh(second.body.refresh_token);
    expect(third.status).toBe(200);
    expect(third.body.refresh_token).not.toBe(second.body.refresh_token);
  });

  it('yields exactly one token set when one refresh token is redeemed by 10 concurrent requests', async () => {
    const first = await passwordGrant();
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.request.post(TOKEN).set('Authorization', basic(seed.clientId, seed.secret)).type('form').send({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token }),
      ),
    );
    // Within the grace window every duplicate gets the one successor (RFC 9700 §4.14.2).
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(results.map((r) => r.body.refresh_token)).size).toBe(1);
    expect(new Set(results.map((r) => r.body.access_token)).size).toBe(1);
    const grantId = (await t.ccauth.provider.RefreshToken.find(results[0]!.body.refresh_token))!.grantId;
    const rows = await t.db.knex('oidc_payloads').where({ grant_id: grantId, model: 'RefreshToken' });
    expect(rows).toHaveLength(2); // the rotated one and its single successor
  });

  it('refuses a refresh token of another client', async () => {
    const other = await createClient(t, { client_id: 'other_client' });
    const first = await passwordGrant();
    const res = await t.request.post(TOKEN).set('Authorization', basic(other.clientId, other.secret)).type('form').send({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });
});

describe('storage', () => {
  it('stores tokens only as digests and secrets only as argon2id hashes', async () => {
    const res = await passwordGrant();
    const dump = JSON.stringify([await t.db.knex('oidc_payloads').select(), await t.db.knex('clients').select()]);
    expect(dump).not.toContain(res.body.access_token);
    expect(dump).not.toContain(res.body.refresh_token);
    expect(dump).not.toContain(seed.secret);
    const client = await t.db.knex('clients').where({ client_id: seed.clientId }).first();
    expect(client.secret_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
  });

  it('purges expired rows in batches', async () => {
    await t.db.knex('oidc_payloads').insert(
      Array.from({ length: 5 }, (_, i) => ({ model: 'AccessToken', id_digest: `expired-${i}`, payload: '{}', expires_at: new Date(Date.now() - 1000) })),
    );
    const purged = await t.ccauth.purge.runOnce();
    expect(purged).toBeGreaterThanOrEqual(5);
    const left = await t.db.knex('oidc_payloads').where('id_digest', 'like', 'expired-%');
    expect(left).toHaveLength(0);
  });
});
