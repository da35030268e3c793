/**
 * The token exchange grant (RFC 8693) on real PostgreSQL: opaque and JWT results with
 * `issued_token_type`, delegation (`act`), narrowing of scope and target, the contact-center
 * binding, the ops-principal rule, errors per RFC 8693 §2.2.2, and the exchanged token dying with
 * the subject token's grant (sign-out, revocation, refresh-token reuse) — README "API" → grants.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, createLocalJWKSet, jwtVerify } from 'jose';
import instance from 'oidc-provider/lib/helpers/weak_cache.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContactCenter } from '../helpers/fixtures.ts';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const ISSUER = 'http://ccauth.test';
const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const AT = 'urn:ietf:params:oauth:token-type:access_token';
const JWT = 'urn:ietf:params:oauth:token-type:jwt';
const ID = 'urn:ietf:params:oauth:token-type:id_token';
const TOKEN_PATH = '/auth/v3/oauth/token';
const OPS_AUTH = basic(OPS.username, OPS.password);
const PASSWORD = 'Agent-Passw0rd-1';

type C = { clientId: string; secret: string };
let t: TestApp;
let ccid: string;
let agentId: string;
let desktop: C; // the client the user signed in to (internal: may introspect)
let backend: C; // another client, not bound
let bound: C; // bound to another contact center
let narrow: C; // restricted scopes

const token = (c: C, form: Record<string, string | string[]>) => t.request.post(TOKEN_PATH).set('Authorization', basic(c.clientId, c.secret)).type('form').send(form);
const exchange = (c: C, form: Record<string, string | string[]>) => token(c, { grant_type: GRANT, ...form });
const login = async (c: C = desktop, username = 't100\\agent', password = PASSWORD) => {
  const res = await token(c, { grant_type: 'password', username, password });
  expect(res.status).toBe(200);
  return res.body as { access_token: string; refresh_token?: string; expires_in: number };
};
const introspect = async (tok: string) => (await t.request.post('/auth/v3/oauth/introspect').set('Authorization', basic(desktop.clientId, desktop.secret)).type('form').send({ token: tok })).body;
const userinfo = (tok: string) => t.request.get('/auth/v3/userinfo').set('Authorization', `Bearer ${tok}`);

function expectError(res: { status: number; body: Record<string, unknown>; headers: Record<string, string> }, error: string, description?: string) {
  expect(res.status).toBe(400);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.body.error).toBe(error);
  if (description) expect(res.body.error_description).toBe(description);
}

beforeAll(async () => {
  t = await startTestApp({ REFRESH_REUSE_GRACE_SECONDS: '0' });
  ({ ccid } = await createContactCenter(t.db.knex, { domains: ['t100'] }));
  const other = await createContactCenter(t.db.knex, { domains: ['t200'] });
  const user = await t.request.post(`/environment/v3/contact-centers/${ccid}/users`).set('Authorization', OPS_AUTH).send({ data: { username: 'agent', password: PASSWORD } });
  agentId = user.body.data.id;
  desktop = await createClient(t, { client_id: 'desktop', accessTokenExpirationTimeout: 600 });
  backend = await createClient(t, { client_id: 'backend', internalClient: false, authorities: [], redirectURIs: [], authorizedGrantTypes: ['client_credentials'], accessTokenExpirationTimeout: 3600 });
  bound = await createClient(t, { client_id: 'bound', internalClient: false, authorities: [], redirectURIs: [], authorizedGrantTypes: ['client_credentials'], contactCenterIds: [other.ccid] });
  narrow = await createClient(t, { client_id: 'narrow', internalClient: false, authorities: [], redirectURIs: [], authorizedGrantTypes: ['client_credentials', 'password'], scope: ['reports.read', 'reports.write'] });
});
afterAll(async () => {
  await t.close();
});

describe('token exchange (RFC 8693)', () => {
  it('exchanges a live opaque access token for a new one of the same user (RFC 8693 §2.2.1)', async () => {
    const subject = await login();
    const res = await exchange(backend, { subject_token: subject.access_token, subject_token_type: AT });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'issued_token_type', 'scope', 'token_type']);
    expect(res.body).toMatchObject({ issued_token_type: AT, token_type: 'bearer', scope: '*' });
    // never outlives the subject token (600 s) although the client's lifetime is 3600 s
    expect(res.body.expires_in).toBeLessThanOrEqual(600);
    expect(res.body.access_token).not.toBe(subject.access_token);
    const info = await userinfo(res.body.access_token);
    expect(info.status).toBe(200);
    expect(info.body.contactCenterId).toBe(ccid);
    const meta = await introspect(res.body.access_token);
    expect(meta).toMatchObject({ active: true, client_id: 'backend', sub: `user:${agentId}`, token_type: 'bearer' });
    expect(meta.act).toBeUndefined();
    // neither token reaches a log line
    expect(t.logs().some((l) => l.includes(subject.access_token) || l.includes(res.body.access_token))).toBe(false);
  });

  it('names the actor (act) in introspection and inside a JWT, with issued_token_type jwt', async () => {
    const subject = await login();
    const actor = await token(backend, { grant_type: 'client_credentials' });
    const res = await exchange(backend, { subject_token: subject.access_token, subject_token_type: AT, actor_token: actor.body.access_token, actor_token_type: AT });
    expect(res.status).toBe(200);
    expect((await introspect(res.body.access_token)).act).toEqual({ sub: 'backend', client_id: 'backend' });

    const asJwt = await exchange(backend, { subject_token: subject.access_token, subject_token_type: AT, actor_token: actor.body.access_token, actor_token_type: AT, requested_token_type: JWT });
    expect(asJwt.status).toBe(200);
    expect(asJwt.body.issued_token_type).toBe(JWT);
    const jwks = (await t.request.get('/auth/v3/oauth/jwks')).body;
    const { payload } = await jwtVerify(asJwt.body.access_token, createLocalJWKSet(jwks), { issuer: ISSUER, audience: `${ISSUER}/api`, typ: 'at+jwt' });
    expect(payload).toMatchObject({ sub: `user:${agentId}`, client_id: 'backend', act: { sub: 'backend', client_id: 'backend' } });
    // a ccauth JWT access token is a subject token too; its act carries over
    const fromJwt = await exchange(backend, { subject_token: asJwt.body.access_token, subject_token_type: AT });
    expect(fromJwt.status).toBe(200);
    expect((await introspect(fromJwt.body.access_token)).act).toEqual({ sub: 'backend', client_id: 'backend' });

    // a chain: the exchanged token exchanged again with a user actor nests the earlier act
    const chained = await exchange(desktop, { subject_token: res.body.access_token, subject_token_type: AT, actor_token: subject.access_token, actor_token_type: AT });
    expect(chained.status).toBe(200);
    expect((await introspect(chained.body.access_token)).act).toEqual({ sub: `user:${agentId}`, client_id: 'desktop', act: { sub: 'backend', client_id: 'backend' } });
  });

  it('only narrows scope and target', async () => {
    const scoped = await login(narrow);
    expect((await introspect(scoped.access_token)).scope).toBe('reports.read reports.write');
    const narrowed = await exchange(narrow, { subject_token: scoped.access_token, subject_token_type: AT, scope: 'reports.read' });
    expect(narrowed.status).toBe(200);
    expect(narrowed.body.scope).toBe('reports.read');
    const wider = await exchange(narrow, { subject_token: narrowed.body.access_token, subject_token_type: AT, scope: 'reports.read reports.write' });
    expectError(wider, 'invalid_scope', "requested scope exceeds the subject token's scope");
    const subject = await login();
    expectError(await exchange(backend, { subject_token: subject.access_token, subject_token_type: AT, audience: 'https://elsewhere.example' }), 'invalid_target');
    expectError(await exchange(backend, { subject_token: subject.access_token, subject_token_type: AT, resource: 'https://elsewhere.example/api' }), 'invalid_target');
    const api = await exchange(backend, { subject_token: subject.access_token, subject_token_type: AT, audience: `${ISSUER}/api` });
    expect(api.status).toBe(200);
  });

  it('keeps a client bound to contact centers to their users, and the ops principal to its own client', async () => {
    const subject = await login();
    expectError(await exchange(bound, { subject_token: subject.access_token, subject_token_type: AT }), 'invalid_grant', "subject_token belongs to a user outside this client's contact centers");
    const ops = await login(desktop, OPS.username, OPS.password);
    expectError(await exchange(backend, { subject_token: ops.access_token, subject_token_type: AT }), 'invalid_grant', 'a token of the ops principal can only be exchanged by the client it was issued to');
    expect((await exchange(desktop, { subject_token: ops.access_token, subject_token_type: AT })).status).toBe(200);
  });

  it('answers invalid_request and invalid_grant per RFC 8693 §2.2.2', async () => {
    const subject = await login();
    expectError(await exchange(backend, { subject_token_type: AT }), 'invalid_request', "missing required parameter 'subject_token'");
    expectError(await exchange(backend, { subject_token: subject.access_token }), 'invalid_request', "missing required parameter 'subject_token_type'");
    expectError(await exchange(backend, { subject_token: subject.access_token, subject_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' }), 'invalid_request');
    expectError(await exchange(backend, { subject_token: subject.access_token, subject_token_type: AT, requested_token_type: 'urn:ietf:params:oauth:token-type:saml2' }), 'invalid_request');
    expectError(await exchange(backend, { subject_token: 'x'.repeat(43), subject_token_type: AT }), 'invalid_grant', 'subject_token is not a live access token');
    const cc = await token(backend, { grant_type: 'client_credentials' });
    expectError(await exchange(backend, { subject_token: cc.body.access_token, subject_token_type: AT }), 'invalid_grant', 'subject_token is not a live access token');
    expectError(await exchange(backend, { subject_token: subject.access_token, subject_token_type: AT, actor_token: 'nope-nope-nope-nope-nope', actor_token_type: AT }), 'invalid_grant', 'actor_token is not a live access token');
    const forged = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: ISSUER, sub: `user:${agentId}`, exp: 9999999999 })).toString('base64url')}.`;
    expectError(await exchange(backend, { subject_token: forged, subject_token_type: AT }), 'invalid_grant');
  });

  it('accepts an ID token ccauth issued to this client while the user holds a grant with it, and no other client\'s', async () => {
    const keystore = instance(t.ccauth.provider).keystore as { selectForSign(o: object): Array<{ kid: string }>; getKeyObject(k: unknown): CryptoKey };
    const [key] = keystore.selectForSign({ alg: 'ES256' });
    const idToken = (aud: string) =>
      new SignJWT({ sub: `user:${agentId}`, aud, iss: ISSUER, jti: randomUUID() }).setProtectedHeader({ alg: 'ES256', kid: key!.kid }).setIssuedAt().setExpirationTime('1h').sign(keystore.getKeyObject(key));
    const rp = await createClient(t, { client_id: 'relying-party', internalClient: false, authorities: [], redirectURIs: [], authorizedGrantTypes: ['password'] });
    // no grant of the user with this client yet: an ID token alone is not enough
    expectError(await exchange(rp, { subject_token: await idToken('relying-party'), subject_token_type: ID }), 'invalid_grant', 'subject_token was revoked (no live grant of its user with its client)');
    const session = await login(rp);
    const own = await exchange(rp, { subject_token: await idToken('relying-party'), subject_token_type: ID });
    expect(own.status).toBe(200);
    expect((await introspect(own.body.access_token)).sub).toBe(`user:${agentId}`);
    expectError(await exchange(rp, { subject_token: await idToken('desktop'), subject_token_type: ID }), 'invalid_grant', 'subject_token is an ID token issued to another client');
    // after sign-out the same ID token no longer exchanges
    expect((await t.request.post('/auth/v3/sign-out?global=false').set('Authorization', `Bearer ${session.access_token}`)).status).toBe(200);
    expectError(await exchange(rp, { subject_token: await idToken('relying-party'), subject_token_type: ID }), 'invalid_grant', 'subject_token was revoked (no live grant of its user with its client)');
  });

  it('kills the exchanged token with the subject token\'s grant: sign-out, revocation, refresh-token reuse', async () => {
    // sign-out of the subject token
    const a = await login();
    const ea = await exchange(backend, { subject_token: a.access_token, subject_token_type: AT });
    expect((await userinfo(ea.body.access_token)).status).toBe(200);
    expect((await t.request.post('/auth/v3/sign-out?global=false').set('Authorization', `Bearer ${a.access_token}`)).status).toBe(200);
    expect((await userinfo(ea.body.access_token)).status).toBe(401);
    expect((await introspect(ea.body.access_token)).active).toBe(false);

    // revocation of the subject's refresh token (RFC 7009; ccauth revokes the whole grant)
    const b = await login();
    const eb = await exchange(backend, { subject_token: b.access_token, subject_token_type: AT });
    const same = await exchange(desktop, { subject_token: b.access_token, subject_token_type: AT }); // same client: same grant
    expect((await t.request.post('/auth/v3/oauth/revoke').set('Authorization', basic(desktop.clientId, desktop.secret)).type('form').send({ token: b.refresh_token })).status).toBe(200);
    expect((await userinfo(eb.body.access_token)).status).toBe(401);
    expect((await userinfo(same.body.access_token)).status).toBe(401);

    // refresh-token reuse detection revokes the grant
    const c = await login();
    const ec = await exchange(backend, { subject_token: c.access_token, subject_token_type: AT });
    const chained = await exchange(desktop, { subject_token: ec.body.access_token, subject_token_type: AT });
    expect((await token(desktop, { grant_type: 'refresh_token', refresh_token: c.refresh_token! })).status).toBe(200);
    expect((await token(desktop, { grant_type: 'refresh_token', refresh_token: c.refresh_token! })).status).toBe(400);
    expect((await userinfo(ec.body.access_token)).status).toBe(401);
    expect((await userinfo(chained.body.access_token)).status).toBe(401);
  });

  it('is advertised in discovery', async () => {
    const d = (await t.request.get('/.well-known/openid-configuration')).body;
    expect(d.grant_types_supported).toEqual(expect.arrayContaining([GRANT, 'urn:ietf:params:oauth:grant-type:jwt-bearer']));
  });
});
