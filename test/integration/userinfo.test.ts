/**
 * `GET|POST /auth/v3/userinfo` (Genesys CloudUserDetails) and `/auth/v3/openid/userinfo` (OIDC
 * claims): genesys-api.md §2 A3/A4, §5.1, §5.2, §8.4; RFC 6750 §2.1, §2.2, §3, §3.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContactCenter } from '../helpers/fixtures.ts';
import type { ContactCenterFixture } from '../helpers/fixtures.ts';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';
import { digestToken } from '../../src/security/tokens.ts';

const TOKEN = '/auth/v3/oauth/token';
const CLOUD = '/auth/v3/userinfo';
const OPENID = '/auth/v3/openid/userinfo';
const OPS_AUTH = basic(OPS.username, OPS.password);
const PASSWORD = 'Agent-Password-1';
const REDIRECT = 'https://wwe.example.com/callback';

let t: TestApp;
let client: { clientId: string; secret: string };
let cc: ContactCenterFixture;
let userId: string;
let dbid: number;

const token = (form: Record<string, string>, c = client) =>
  t.request.post(TOKEN).set('Authorization', basic(c.clientId, c.secret)).type('form').send(form);

async function userToken(): Promise<{ access_token: string; refresh_token: string }> {
  const res = await token({ grant_type: 'password', username: 't100\\Agent.One', password: PASSWORD });
  expect(res.status).toBe(200);
  return res.body;
}

/** Counts the SQL statements sent while `fn` runs. */
async function countQueries(fn: () => Promise<unknown>): Promise<number> {
  let n = 0;
  const listener = (q: { sql: string }) => {
    n += 1;
    if (process.env.SHOW_SQL) console.log('SQL', q.sql.slice(0, 100));
  };
  t.db.knex.on('query', listener);
  try {
    await fn();
  } finally {
    t.db.knex.removeListener('query', listener);
  }
  return n;
}

beforeAll(async () => {
  t = await startTestApp();
  client = await createClient(t, { client_id: 'chat_backend', redirectURIs: [REDIRECT] });
  cc = await createContactCenter(t.db.knex, { domains: ['t100'] });
  const res = await t.request
    .post(`/environment/v3/contact-centers/${cc.ccid}/users`)
    .set('Authorization', OPS_AUTH)
    .send({
      data: {
        username: 'Agent.One',
        password: PASSWORD,
        firstName: 'Ada',
        lastName: 'Lovelace',
        email: 'ada@example.com',
        authorities: ['ROLE_AGENT', 'ROLE_SUPERVISOR'],
        properties: { tenantDBID: '101', team: 'blue' },
      },
    });
  expect(res.status).toBe(200);
  userId = res.body.data.id;
  dbid = res.body.data.dbid;
  expect(typeof dbid).toBe('number');
});
afterAll(async () => {
  await t.close();
});

function expectJsonNoStore(res: { headers: Record<string, string> }): void {
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.headers['cache-control']).toBe('no-store');
}

describe('a contact-center user token (password grant)', () => {
  it('GET /auth/v3/userinfo answers CloudUserDetails, plain JSON', async () => {
    const { access_token } = await userToken();
    const res = await t.request.get(CLOUD).set('Authorization', `Bearer ${access_token}`);
    expect(res.status).toBe(200);
    expectJsonNoStore(res);
    expect(res.body).toEqual({
      authorities: [
        { name: 'ROLE_AGENT', privileges: [] },
        { name: 'ROLE_SUPERVISOR', privileges: [] },
      ],
      username: `Agent.One\\${dbid}\\${cc.ccid}`,
      loginName: 'Agent.One',
      cmeUserName: 'Agent.One',
      dbid,
      contactCenterId: cc.ccid,
      environmentId: cc.environmentId,
      properties: { tenantDBID: '101', team: 'blue' },
    });
  });

  it('GET /auth/v3/openid/userinfo answers the OIDC claims with the Genesys extras', async () => {
    const { access_token } = await userToken();
    const res = await t.request.get(OPENID).set('Authorization', `Bearer ${access_token}`);
    expect(res.status).toBe(200);
    expectJsonNoStore(res);
    expect(res.body).toEqual({
      sub: `user:${userId}`,
      aud: client.clientId,
      name: 'Ada Lovelace',
      given_name: 'Ada',
      family_name: 'Lovelace',
      email: 'ada@example.com',
      preferred_username: 'Agent.One',
      user_name: 'Agent.One',
      contact_center_id: cc.ccid,
      environment_id: cc.environmentId,
      dbid,
      authorities: [
        { name: 'ROLE_AGENT', privileges: [] },
        { name: 'ROLE_SUPERVISOR', privileges: [] },
      ],
      properties: { tenantDBID: '101', team: 'blue' },
    });
  });

  it('matches the Bearer scheme case-insensitively and ignores x-api-key', async () => {
    const { access_token } = await userToken();
    for (const scheme of ['bearer', 'BEARER', 'Bearer', 'bEaReR']) {
      const res = await t.request.get(CLOUD).set('Authorization', `${scheme} ${access_token}`).set('x-api-key', 'gateway-key');
      expect(res.status, scheme).toBe(200);
      expect(res.body.loginName).toBe('Agent.One');
    }
  });

  it('accepts access_token in a POST form body (RFC 6750 §2.2) on both paths', async () => {
    const { access_token } = await userToken();
    const cloud = await t.request.post(CLOUD).type('form').send({ access_token });
    expect(cloud.status).toBe(200);
    expect(cloud.body.contactCenterId).toBe(cc.ccid);
    const oidc = await t.request.post(OPENID).type('form').send({ access_token });
    expect(oidc.status).toBe(200);
    expect(oidc.body.sub).toBe(`user:${userId}`);
    const viaHeader = await t.request.post(CLOUD).set('Authorization', `Bearer ${access_token}`);
    expect(viaHeader.status).toBe(200);
  });

  it('refuses a token sent two ways, or twice in the body, with 400 invalid_request', async () => {
    const { access_token } = await userToken();
    const both = await t.request.post(CLOUD).set('Authorization', `Bearer ${access_token}`).type('form').send({ access_token });
    const twice = await t.request.post(CLOUD).type('form').send(`access_token=${access_token}&access_token=${access_token}`);
    for (const res of [both, twice]) {
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="ccauth", error="invalid_request"');
      expect(JSON.stringify(res.body)).not.toContain(access_token);
    }
  });

  it('does not take the token from the query string (RFC 6750 §2.3 is not supported)', async () => {
    const { access_token } = await userToken();
    const res = await t.request.get(`${CLOUD}?access_token=${access_token}`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="ccauth"');
  });

  it('says why a token sent in a refused form is refused, instead of "an access token is required"', async () => {
    const { access_token } = await userToken();
    for (const path of [CLOUD, OPENID]) {
      const query = await t.request.get(`${path}?access_token=${access_token}`);
      expect(query.status).toBe(401);
      expect(query.body).toEqual({
        error: 'invalid_token',
        error_description:
          'an access token in the URL query (access_token=...) is not accepted (RFC 6750 §2.3: it would end up in logs and browser history); send it in the Authorization header as "Bearer <token>", or as access_token in a form-encoded POST body',
      });
      expect(query.text).not.toContain(access_token);
      const scheme = await t.request.get(path).set('Authorization', `Token ${access_token}`);
      expect(scheme.status).toBe(401);
      expect(scheme.headers['www-authenticate']).toBe('Bearer realm="ccauth"');
      expect(scheme.body).toEqual({
        error: 'invalid_token',
        error_description: 'the Authorization header uses the "Token" scheme, which this endpoint does not accept; send "Authorization: Bearer <token>"',
      });
      expect(scheme.text).not.toContain(access_token);
    }
  });

  it('costs one SQL statement with the client cached (at most 3 without) and no client-secret verification', async () => {
    const { access_token } = await userToken();
    const verifications = { n: 0 };
    const verifier = t.ccauth.secretVerifier as unknown as Record<string, unknown>;
    const original = Object.fromEntries(Object.entries(verifier).filter(([, v]) => typeof v === 'function'));
    for (const [k, fn] of Object.entries(original)) {
      verifier[k] = (...args: unknown[]) => {
        verifications.n += 1;
        return (fn as (...a: unknown[]) => unknown)(...args);
      };
    }
    try {
      // one statement for token + grant + user (repositories/bearer-tokens.repository.ts), plus the
      // client while the client cache does not hold it (up to twice within a second of a client write)
      const queries = await countQueries(() => t.request.get(CLOUD).set('Authorization', `Bearer ${access_token}`).expect(200));
      expect(queries).toBeLessThanOrEqual(3);
      expect(queries).toBeGreaterThanOrEqual(1);
      await new Promise((r) => setTimeout(r, 1100)); // past the client cache's settle period
      await t.request.get(OPENID).set('Authorization', `Bearer ${access_token}`).expect(200);
      const warm = await countQueries(() => t.request.get(OPENID).set('Authorization', `Bearer ${access_token}`).expect(200));
      expect(warm).toBe(1);
      const warmCloud = await countQueries(() => t.request.get(CLOUD).set('Authorization', `Bearer ${access_token}`).expect(200));
      expect(warmCloud).toBe(1);
    } finally {
      Object.assign(verifier, original);
    }
    expect(verifications.n).toBe(0);
  });
});

describe('concurrent userinfo requests', () => {
  // that concurrent lookups share one statement is proven without timing in payload-batching.test.ts
  // (the reader's own statement count); here, over HTTP, how many share depends on arrival times
  it('answer concurrent requests (batched like the token endpoint) each as it would be alone', async () => {
    const tokens = await Promise.all(Array.from({ length: 4 }, () => userToken()));
    await new Promise((r) => setTimeout(r, 1100)); // past the client cache's settle period
    await t.request.get(OPENID).set('Authorization', `Bearer ${tokens[0]!.access_token}`).expect(200);
    const bearers = [...tokens.map((x) => x.access_token), ...tokens.map((x) => x.access_token), 'x'.repeat(43)];
    let answers: { status: number; body: Record<string, unknown> }[] = [];
    answers = await Promise.all(bearers.map((b, i) => t.request.get(i % 2 ? OPENID : CLOUD).set('Authorization', `Bearer ${b}`)));
    expect(answers.slice(0, 8).map((a) => a.status)).toEqual(Array(8).fill(200));
    for (const [i, a] of answers.slice(0, 8).entries()) expect(i % 2 ? a.body.sub : a.body.username).toBeTruthy();
    expect(answers[8]!.status).toBe(401);
  });
});

describe('other token kinds', () => {
  it('the ops principal has no contact-center fields', async () => {
    const res = await token({ grant_type: 'password', username: 'ops', password: 'ops' });
    const cloud = await t.request.get(CLOUD).set('Authorization', `Bearer ${res.body.access_token}`);
    expect(cloud.status).toBe(200);
    expect(cloud.body).toEqual({ authorities: [], username: 'ops', properties: {} });
    const oidc = await t.request.get(OPENID).set('Authorization', `Bearer ${res.body.access_token}`);
    expect(oidc.body).toEqual({ sub: 'ops', aud: client.clientId, name: 'ops', preferred_username: 'ops', user_name: 'ops', authorities: [], properties: {} });
  });

  it('a client-credentials token describes the client itself, in at most 3 SQL statements (one token statement)', async () => {
    const res = await token({ grant_type: 'client_credentials' });
    expect(res.status).toBe(200);
    const bearer = `Bearer ${res.body.access_token}`;
    let cloud: { status: number; body: unknown } | undefined;
    const queries = await countQueries(async () => {
      cloud = await t.request.get(CLOUD).set('Authorization', bearer);
    });
    expect(cloud!.status).toBe(200);
    expect(cloud!.body).toEqual({ authorities: [{ name: 'ROLE_INTERNAL_CLIENT', privileges: [] }], username: client.clientId, properties: {} });
    expect(queries).toBeLessThanOrEqual(3); // the token statement, the client (unless cached)
    expect(queries).toBeGreaterThanOrEqual(1);
    const oidc = await t.request.get(OPENID).set('Authorization', bearer);
    expect(oidc.body).toEqual({
      sub: client.clientId,
      aud: client.clientId,
      user_name: client.clientId,
      authorities: [{ name: 'ROLE_INTERNAL_CLIENT', privileges: [] }],
      properties: {},
    });
  });

  it('a token from the authorization-code flow works on both endpoints', async () => {
    const { provider } = t.ccauth;
    const c = await provider.Client.find(client.clientId);
    const accountId = `user:${userId}`;
    const grant = new provider.Grant({ accountId, clientId: client.clientId });
    grant.addOIDCScope('openid offline_access *');
    const grantId = await grant.save();
    const code = await new provider.AuthorizationCode({ accountId, client: c!, grantId, redirectUri: REDIRECT, scope: 'openid offline_access *', gty: 'authorization_code', authTime: Math.floor(Date.now() / 1000) }).save();
    const redeemed = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
    expect(redeemed.status).toBe(200);
    const cloud = await t.request.get(CLOUD).set('Authorization', `bearer ${redeemed.body.access_token}`);
    expect(cloud.status).toBe(200);
    expect(cloud.body.username).toBe(`Agent.One\\${dbid}\\${cc.ccid}`);
    const oidc = await t.request.get(OPENID).set('Authorization', `bearer ${redeemed.body.access_token}`);
    expect(oidc.status).toBe(200);
    expect(oidc.body).toMatchObject({ sub: accountId, email: 'ada@example.com', contact_center_id: cc.ccid });
  });
});

describe('401 invalid_token (RFC 6750 §3)', () => {
  const expectInvalidToken = (res: { status: number; body: unknown; headers: Record<string, string> }) => {
    expect(res.status).toBe(401);
    expectJsonNoStore(res);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="ccauth", error="invalid_token"');
    expect(res.body).toEqual({ error: 'invalid_token', error_description: 'the access token is invalid, expired or revoked' });
  };

  it('a request without a token gets the challenge without an error attribute (§3.1)', async () => {
    for (const path of [CLOUD, OPENID]) {
      for (const auth of [undefined, 'Basic b3BzOm9wcw==']) {
        const req = t.request.get(path);
        if (auth) req.set('Authorization', auth);
        const res = await req;
        expect(res.status).toBe(401);
        expectJsonNoStore(res);
        expect(res.headers['www-authenticate']).toBe('Bearer realm="ccauth"');
        expect(res.body).toEqual({
          error: 'invalid_token',
          error_description: auth
            ? 'the Authorization header uses the "Basic" scheme, which this endpoint does not accept; send "Authorization: Bearer <token>"'
            : 'an access token is required',
        });
      }
    }
  });

  it('an unknown token', async () => {
    for (const path of [CLOUD, OPENID]) expectInvalidToken(await t.request.get(path).set('Authorization', `Bearer ${'x'.repeat(43)}`));
  });

  it('an expired token', async () => {
    const { access_token } = await userToken();
    await t.db.knex('oidc_payloads').where({ model: 'AccessToken', id_digest: digestToken(access_token) }).update({ expires_at: new Date(Date.now() - 1000) });
    for (const path of [CLOUD, OPENID]) expectInvalidToken(await t.request.get(path).set('Authorization', `Bearer ${access_token}`));
  });

  it('a token whose refresh token was revoked (RFC 7009)', async () => {
    const { access_token, refresh_token } = await userToken();
    expect((await t.request.get(CLOUD).set('Authorization', `Bearer ${access_token}`)).status).toBe(200);
    const revoked = await t.request.post('/auth/v3/oauth/revoke').set('Authorization', basic(client.clientId, client.secret)).type('form').send({ token: refresh_token });
    expect(revoked.status).toBe(200);
    for (const path of [CLOUD, OPENID]) expectInvalidToken(await t.request.get(path).set('Authorization', `Bearer ${access_token}`));
  });

  it('a token whose grant is gone', async () => {
    const { access_token } = await userToken();
    const at = await t.ccauth.provider.AccessToken.find(access_token);
    const gone = await t.db.knex('oidc_payloads').where({ model: 'Grant', id_digest: digestToken(at!.grantId!) }).delete(['id_digest']);
    expect(gone).toHaveLength(1);
    expectInvalidToken(await t.request.get(CLOUD).set('Authorization', `Bearer ${access_token}`));
  });

  it('a token of a disabled user', async () => {
    const other = await t.request
      .post(`/environment/v3/contact-centers/${cc.ccid}/users`)
      .set('Authorization', OPS_AUTH)
      .send({ data: { username: 'Agent.Two', password: PASSWORD } });
    expect(other.status).toBe(200);
    const res = await token({ grant_type: 'password', username: 't100\\agent.two', password: PASSWORD });
    expect((await t.request.get(CLOUD).set('Authorization', `Bearer ${res.body.access_token}`)).status).toBe(200);
    await t.db.knex('users').where({ id: other.body.data.id }).update({ enabled: false });
    expectInvalidToken(await t.request.get(CLOUD).set('Authorization', `Bearer ${res.body.access_token}`));
  });

  it('a refresh token presented as an access token', async () => {
    const { refresh_token } = await userToken();
    expectInvalidToken(await t.request.get(CLOUD).set('Authorization', `Bearer ${refresh_token}`));
  });
});
