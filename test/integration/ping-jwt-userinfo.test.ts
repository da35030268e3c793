/**
 * `GET /auth/v3/ping` (the agent desktop's keep-alive) and `GET /auth/v3/jwt-userinfo` (the
 * CloudUserDetails as a signed JWT in `X-GWS-User`) — Genesys Authentication API "ping" and
 * "jwt-userinfo"; README "API".
 */
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContactCenter } from '../helpers/fixtures.ts';
import type { ContactCenterFixture } from '../helpers/fixtures.ts';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';
import { authorizeUrl, followInside, newBrowser, pkce, postSignIn, startSignIn } from '../helpers/interaction-flow.ts';

const PASSWORD = 'Agent-Password-1';
const REDIRECT = 'https://wwe.example.com/callback';
const OPS_AUTH = basic(OPS.username, OPS.password);
const FORBIDDEN = { status: { code: 3, message: 'no live session or access token' } };

let t: TestApp;
let cc: ContactCenterFixture;
let client: { clientId: string; secret: string };
let userId: string;

const token = (form: Record<string, string>) => t.request.post('/auth/v3/oauth/token').set('Authorization', basic(client.clientId, client.secret)).type('form').send(form);
const userToken = async () => (await token({ grant_type: 'password', username: 't100\\agent', password: PASSWORD })).body.access_token as string;

beforeAll(async () => {
  t = await startTestApp();
  cc = await createContactCenter(t.db.knex, { domains: ['t100'] });
  const res = await t.request.post(`/environment/v3/contact-centers/${cc.ccid}/users`).set('Authorization', OPS_AUTH).send({ data: { username: 'agent', password: PASSWORD, firstName: 'Alex', lastName: 'Agent' } });
  userId = res.body.data.id;
  client = await createClient(t, { client_id: 'workspace', internalClient: true, redirectURIs: [REDIRECT] });
});
afterAll(async () => {
  await t?.close();
});

describe('GET /auth/v3/ping', () => {
  it('answers 200 to a live access token (user or client) and 403 to anything else', async () => {
    const ok = await t.request.get('/auth/v3/ping').set('Authorization', `Bearer ${await userToken()}`);
    expect([ok.status, ok.body]).toEqual([200, { status: { code: 0 } }]);
    expect(ok.headers['cache-control']).toBe('no-store');
    const cct = (await token({ grant_type: 'client_credentials' })).body.access_token as string;
    expect((await t.request.get('/auth/v3/ping').set('Authorization', `bearer ${cct}`)).status).toBe(200);

    const dead = await t.request.get('/auth/v3/ping').set('Authorization', 'Bearer not-a-live-token');
    expect([dead.status, dead.body]).toEqual([403, FORBIDDEN]);
    const none = await t.request.get('/auth/v3/ping');
    expect([none.status, none.body]).toEqual([403, FORBIDDEN]);
  });

  it('keeps a browser session alive: 200, and its expiry moves a day ahead again', async () => {
    const browser = newBrowser(t);
    const { page } = await startSignIn(browser, authorizeUrl({ clientId: client.clientId, redirectUri: REDIRECT, state: 's', challenge: pkce().challenge }));
    const post = await postSignIn(browser, page, { username: 't100\\agent', password: PASSWORD });
    expect(post.status).toBe(303);
    const out = await followInside(browser, post.headers.location!);
    expect(out.location).toMatch(/^https:\/\/wwe\.example\.com\/callback\?code=/);

    const account = `user:${userId}`;
    const sessions = () => t.db.knex('oidc_payloads').where({ model: 'Session', account_id: account });
    expect(await sessions()).toHaveLength(1);
    // age the session: 1 minute left
    await sessions().update({ expires_at: t.db.knex.raw("now() + interval '1 minute'") });

    const res = await browser.get('/auth/v3/ping');
    expect([res.status, res.body]).toEqual([200, { status: { code: 0 } }]);
    const [row] = await sessions();
    expect(new Date(row.expires_at).getTime() - Date.now()).toBeGreaterThan(23 * 3600 * 1000);
    const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    const cookie = setCookie.find((c) => c.startsWith('_session='));
    expect(cookie).toMatch(/; httponly$/);
    const expires = Date.parse(/expires=([^;]+)/.exec(cookie!)![1]!);
    expect(expires - Date.now()).toBeGreaterThan(23 * 3600 * 1000);

    // a disabled user's session no longer counts
    await t.request.put(`/environment/v3/contact-centers/${cc.ccid}/users/${userId}`).set('Authorization', OPS_AUTH).send({ data: { enabled: false } });
    try {
      expect((await browser.get('/auth/v3/ping')).status).toBe(403);
    } finally {
      await t.request.put(`/environment/v3/contact-centers/${cc.ccid}/users/${userId}`).set('Authorization', OPS_AUTH).send({ data: { enabled: true } });
    }
  });
});

describe('GET /auth/v3/jwt-userinfo', () => {
  it('answers the envelope and the CloudUserDetails as a JWT in X-GWS-User, verifiable with the JWKS', async () => {
    const access = await userToken();
    const res = await t.request.get('/auth/v3/jwt-userinfo').set('Authorization', `Bearer ${access}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: { code: 0 } });
    expect(res.headers['cache-control']).toBe('no-store');
    const jwt = res.headers['x-gws-user'] as string;
    expect(jwt.split('.')).toHaveLength(3);

    const jwks = (await t.request.get('/auth/v3/oauth/jwks')).body;
    const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(jwks), { issuer: 'http://ccauth.test', audience: 'http://ccauth.test' });
    expect(protectedHeader.typ).toBe('JWT');
    expect(protectedHeader.kid).toBe(jwks.keys[0].kid);
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(typeof payload.jti).toBe('string');
    expect(payload.sub).toBe((await t.request.get('/auth/v3/openid/userinfo').set('Authorization', `Bearer ${access}`)).body.sub);
    const details = (await t.request.get('/auth/v3/userinfo').set('Authorization', `Bearer ${access}`)).body;
    for (const [k, v] of Object.entries(details)) expect(payload[k]).toEqual(v);
    expect(payload.loginName).toBe('agent');
    expect(payload.contactCenterId).toBe(cc.ccid);
  });

  it('refuses as /auth/v3/userinfo does: 401 with WWW-Authenticate and no JWT', async () => {
    const none = await t.request.get('/auth/v3/jwt-userinfo');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="ccauth"');
    expect(none.headers['x-gws-user']).toBeUndefined();
    const dead = await t.request.get('/auth/v3/jwt-userinfo').set('Authorization', 'Bearer not-a-live-token');
    expect(dead.status).toBe(401);
    expect(dead.body.error).toBe('invalid_token');
    expect(dead.headers['x-gws-user']).toBeUndefined();
  });

  it('signs with the new current key after an emergency rotation', async () => {
    const rotated = await t.request.post('/auth/v3/ops/keys/rotate').set('Authorization', OPS_AUTH).send({ data: { immediate: true } });
    expect(rotated.status).toBe(200);
    const res = await t.request.get('/auth/v3/jwt-userinfo').set('Authorization', `Bearer ${await userToken()}`);
    const kid = decodeProtectedHeader(res.headers['x-gws-user'] as string).kid;
    expect(kid).toBe(rotated.body.data.key?.kid ?? rotated.body.data.kid);
  });
});
