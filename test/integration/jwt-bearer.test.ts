/**
 * The jwt-bearer grant (RFC 7523 §2.1, §3) and private_key_jwt client authentication (RFC 7523
 * §2.2) on a listening ccauth: keys registered on the client inline (`jwks`) or published at a
 * `jwksUri` (served here on loopback, rotated mid-test), ccauth's own signing keys as a trusted
 * signer, every refused check answering `400 invalid_grant` with a description naming it, and
 * single use of `jti` across concurrent requests (README "API" → grants).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'jose';
import * as oidc from 'openid-client';
import instance from 'oidc-provider/lib/helpers/weak_cache.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContactCenter } from '../helpers/fixtures.ts';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const TOKEN_PATH = '/auth/v3/oauth/token';
const OPS_AUTH = basic(OPS.username, OPS.password);
const PASSWORD = 'Agent-Passw0rd-1';

let server: http.Server;
let jwksServer: http.Server;
let served: { keys: JWK[] } = { keys: [] };
let jwksFetches = 0;
let issuer: string;
let tokenEndpoint: string;
let t: TestApp;
let ccid: string;
let otherCcid: string;
let agentId: string;
let workspace: { clientId: string; secret: string };
let key: CryptoKeyPair;
let keyJwk: JWK;

async function newKey(kid: string, alg = 'ES256'): Promise<{ pair: CryptoKeyPair; jwk: JWK }> {
  const pair = (await generateKeyPair(alg, { extractable: true })) as CryptoKeyPair;
  return { pair, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' } };
}

/** An assertion; `claims` override the defaults, `undefined` values drop a claim. */
async function assertion(signer: CryptoKey, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const body: Record<string, unknown> = { iss: workspace.clientId, sub: 't100\\agent', aud: tokenEndpoint, exp: now + 120, iat: now, jti: randomUUID(), ...claims };
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
  return new SignJWT(body as never).setProtectedHeader({ alg: 'ES256', kid: 'wk-1', ...header } as never).sign(signer);
}

const grant = (form: Record<string, string>, c: { clientId: string; secret: string } = workspace) =>
  t.request.post(TOKEN_PATH).set('Authorization', basic(c.clientId, c.secret)).type('form').send({ grant_type: GRANT, ...form });

async function expectRefused(res: { status: number; body: Record<string, unknown>; headers: Record<string, string> }, description: string | RegExp) {
  expect(res.status).toBe(400);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.body.error).toBe('invalid_grant');
  expect(res.body.error_description).toEqual(typeof description === 'string' ? description : expect.stringMatching(description));
}

beforeAll(async () => {
  let handler: http.RequestListener = (_req, res) => res.end();
  server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tokenEndpoint = `${issuer}${TOKEN_PATH}`;
  jwksServer = http.createServer((_req, res) => {
    jwksFetches += 1;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(served));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  t = await startTestApp({ PUBLIC_URL: issuer });
  handler = t.ccauth.app.callback();

  ({ ccid } = await createContactCenter(t.db.knex, { domains: ['t100'] }));
  ({ ccid: otherCcid } = await createContactCenter(t.db.knex, { domains: ['t200'] }));
  const user = await t.request.post(`/environment/v3/contact-centers/${ccid}/users`).set('Authorization', OPS_AUTH).send({ data: { username: 'agent', password: PASSWORD } });
  agentId = user.body.data.id;
  await t.request.post(`/environment/v3/contact-centers/${otherCcid}/users`).set('Authorization', OPS_AUTH).send({ data: { username: 'other', password: PASSWORD } });
  ({ pair: key, jwk: keyJwk } = await newKey('wk-1'));
  workspace = await createClient(t, { client_id: 'workspace', internalClient: false, authorities: [], redirectURIs: [], authorizedGrantTypes: ['refresh_token'], jwks: { keys: [keyJwk] }, accessTokenExpirationTimeout: 900 });
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await new Promise((r) => jwksServer.close(r));
  await t.close();
});

describe('jwt-bearer grant (RFC 7523 §2.1)', () => {
  it('issues the usual token response for an assertion signed with the client\'s registered key', async () => {
    const res = await grant({ assertion: await assertion(key.privateKey) });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type']);
    expect(res.body).toMatchObject({ token_type: 'bearer', scope: '*' });
    expect(res.body.expires_in).toBeGreaterThan(890);
    expect(res.body.expires_in).toBeLessThanOrEqual(900);
    const info = await t.request.get('/auth/v3/userinfo').set('Authorization', `Bearer ${res.body.access_token}`);
    expect(info.status).toBe(200);
    expect(info.body.contactCenterId).toBe(ccid);
    expect(info.body.username).toMatch(/^agent\\/);
    // the refresh token works like any other
    const refreshed = await t.request.post(TOKEN_PATH).set('Authorization', basic(workspace.clientId, workspace.secret)).type('form').send({ grant_type: 'refresh_token', refresh_token: res.body.refresh_token });
    expect(refreshed.status).toBe(200);
  });

  it('accepts the user id or the account id as sub, and the issuer as aud', async () => {
    expect((await grant({ assertion: await assertion(key.privateKey, { sub: agentId }) })).status).toBe(200);
    expect((await grant({ assertion: await assertion(key.privateKey, { sub: `user:${agentId}`, aud: [issuer, 'https://elsewhere.example'] }) })).status).toBe(200);
  });

  it('refuses a replayed jti, also when the copies race', async () => {
    const once = await assertion(key.privateKey);
    expect((await grant({ assertion: once })).status).toBe(200);
    await expectRefused(await grant({ assertion: once }), 'assertion jti has already been used');
    const raced = await assertion(key.privateKey);
    const results = await Promise.all(Array.from({ length: 6 }, () => grant({ assertion: raced })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400, 400, 400, 400]);
  });

  it('names the failed check and never echoes the assertion', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[string, Promise<string> | string, string]> = [
      ['expired', assertion(key.privateKey, { exp: now - 60, iat: now - 120 }), 'assertion has expired (exp)'],
      ['no exp', assertion(key.privateKey, { exp: undefined }), 'assertion exp is missing'],
      ['exp too far', assertion(key.privateKey, { exp: now + 3600 }), 'assertion exp is more than 300 seconds ahead'],
      ['nbf ahead', assertion(key.privateKey, { nbf: now + 120 }), 'assertion is not valid yet (nbf)'],
      ['iat ahead', assertion(key.privateKey, { iat: now + 120 }), 'assertion iat is in the future'],
      ['wrong aud', assertion(key.privateKey, { aud: 'https://other.example/token' }), 'assertion aud must contain the token endpoint URL or the issuer identifier'],
      ['no jti', assertion(key.privateKey, { jti: undefined }), 'assertion jti is missing'],
      ['no sub', assertion(key.privateKey, { sub: undefined }), 'assertion sub is missing'],
      ['unknown user', assertion(key.privateKey, { sub: 't100\\nobody' }), 'assertion sub is not a user this client may get a token for'],
      ['ops', assertion(key.privateKey, { sub: 'ops' }), 'assertion sub is not a user this client may get a token for'],
      ['foreign iss', assertion(key.privateKey, { iss: 'someone-else' }), 'assertion iss must be the client_id or the issuer identifier'],
      ['not a JWT', 'not-a-jwt', 'assertion is not a signed JWT (compact JWS)'],
    ];
    for (const [name, make, description] of cases) {
      const jwt = await make;
      const res = await grant({ assertion: jwt });
      await expectRefused(res, description);
      expect(res.text, name).not.toContain(jwt);
      // nor in any log line (README "Audit and secrets hygiene")
      if (jwt.length > 20) expect(t.logs().some((l) => l.includes(jwt)), name).toBe(false);
    }
  });

  it('refuses none and HS256, and a signature by another key', async () => {
    const now = Math.floor(Date.now() / 1000);
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const claims = { iss: workspace.clientId, sub: 't100\\agent', aud: tokenEndpoint, exp: now + 60, jti: randomUUID() };
    await expectRefused(await grant({ assertion: `${b64({ alg: 'none' })}.${b64(claims)}.` }), /^assertion alg must be one of RS256/);
    const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('a-shared-secret-of-32-bytes-long!'));
    await expectRefused(await grant({ assertion: hs }), /^assertion alg must be one of RS256/);
    const stranger = await newKey('wk-1');
    await expectRefused(await grant({ assertion: await assertion(stranger.pair.privateKey) }), 'assertion signature verification failed');
  });

  it('refuses a user outside the client\'s contact centers', async () => {
    const bound = await createClient(t, { client_id: 'workspace-t100', internalClient: false, authorities: [], redirectURIs: [], authorizedGrantTypes: ['client_credentials'], jwks: { keys: [keyJwk] }, contactCenterIds: [ccid] });
    const mk = (sub: string) => assertion(key.privateKey, { iss: bound.clientId, sub });
    await expectRefused(await grant({ assertion: await mk('t200\\other') }, bound), 'assertion sub is not a user this client may get a token for');
    const ok = await grant({ assertion: await mk('t100\\agent') }, bound);
    expect(ok.status).toBe(200);
    expect(ok.body.refresh_token).toBeUndefined(); // the client has no refresh_token grant
  });

  it('trusts ccauth\'s own signing keys (iss = the issuer), but not its access tokens', async () => {
    // a JWT ccauth signed with its current key (as it signs its own short-lived JWTs)
    const keystore = instance(t.ccauth.provider).keystore as { selectForSign(o: object): unknown[]; getKeyObject(k: unknown): CryptoKey };
    const [current] = keystore.selectForSign({ alg: 'ES256' });
    const own = (claims: Record<string, unknown>, typ?: string) =>
      assertion(keystore.getKeyObject(current), { iss: issuer, sub: `user:${agentId}`, ...claims }, { kid: (current as { kid: string }).kid, ...(typ ? { typ } : {}) });
    const res = await grant({ assertion: await own({}) });
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('bearer');
    await expectRefused(await grant({ assertion: await own({}, 'at+jwt') }), 'assertion must not be an access token (typ at+jwt)');
    // the same claims signed by the client's key but claiming ccauth as issuer: refused
    await expectRefused(await grant({ assertion: await assertion(key.privateKey, { iss: issuer }) }), 'assertion signature verification failed');
  });
});

describe('private_key_jwt client authentication (RFC 7523 §2.2)', () => {
  /** A client assertion for `clientId` signed with `signer` (RFC 7523 §3, RFC 7521 §4.2). */
  const clientAssertion = (clientId: string, signer: CryptoKey, kid: string, claims: Record<string, unknown> = {}) =>
    new SignJWT({ iss: clientId, sub: clientId, aud: tokenEndpoint, jti: randomUUID(), ...claims })
      .setProtectedHeader({ alg: 'ES256', kid })
      .setIssuedAt()
      .setExpirationTime('60s')
      .sign(signer);
  const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

  it('creates a client without any secret and advertises the method in discovery', async () => {
    const res = await t.request
      .post('/auth/v3/ops/clients')
      .set('Authorization', OPS_AUTH)
      .send({ data: { client_id: 'keyed', internalClient: false, authorizedGrantTypes: ['client_credentials'], tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [keyJwk] } } });
    expect(res.status).toBe(200);
    expect(res.body.data.client_secret).toBeUndefined();
    expect(res.body.data.encrypted_client_secret).toBeUndefined();
    expect(res.body.data).toMatchObject({ tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [keyJwk] } });
    const discovery = await t.request.get('/.well-known/openid-configuration');
    expect(discovery.body.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['private_key_jwt', 'client_secret_basic']));
    expect(discovery.body.token_endpoint_auth_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256', 'RS256']));
    expect(discovery.body.token_endpoint_auth_signing_alg_values_supported).not.toEqual(expect.arrayContaining(['HS256']));
    expect(discovery.body.grant_types_supported).toEqual(expect.arrayContaining([GRANT]));
  });

  it('authenticates with openid-client\'s PrivateKeyJwt and refuses a replayed or foreign assertion', async () => {
    const config = new oidc.Configuration({ issuer, token_endpoint: tokenEndpoint }, 'keyed', {}, oidc.PrivateKeyJwt(key.privateKey, {}));
    oidc.allowInsecureRequests(config);
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'reports' });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.access_token).toEqual(expect.any(String));

    const once = await clientAssertion('keyed', key.privateKey, 'wk-1');
    const form = { grant_type: 'client_credentials', client_id: 'keyed', client_assertion_type: ASSERTION_TYPE, client_assertion: once };
    expect((await t.request.post(TOKEN_PATH).type('form').send(form)).status).toBe(200);
    const replay = await t.request.post(TOKEN_PATH).type('form').send(form);
    expect(replay.status).toBe(401);
    expect(replay.body.error).toBe('invalid_client');
    const stranger = await newKey('wk-1');
    const forged = await t.request.post(TOKEN_PATH).type('form').send({ ...form, client_assertion: await clientAssertion('keyed', stranger.pair.privateKey, 'wk-1') });
    expect(forged.status).toBe(401);
    expect(forged.body.error).toBe('invalid_client');
    // a secret is not an accepted method for this client
    const withSecret = await t.request.post(TOKEN_PATH).set('Authorization', basic('keyed', 'anything')).type('form').send({ grant_type: 'client_credentials' });
    expect(withSecret.status).toBe(401);
  });

  it('accepts exactly one of several concurrent requests carrying the same client assertion', async () => {
    const raced = await clientAssertion('keyed', key.privateKey, 'wk-1');
    const form = { grant_type: 'client_credentials', client_id: 'keyed', client_assertion_type: ASSERTION_TYPE, client_assertion: raced };
    const results = await Promise.all(Array.from({ length: 6 }, () => t.request.post(TOKEN_PATH).type('form').send(form)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401, 401, 401, 401]);
  });

  it('fetches keys from jwksUri, caches them, and follows a rotation to a new kid', async () => {
    const first = await newKey('rot-1');
    served = { keys: [first.jwk] };
    const jwksUri = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
    const created = await t.request
      .post('/auth/v3/ops/clients')
      .set('Authorization', OPS_AUTH)
      .send({ data: { client_id: 'rotating', internalClient: false, authorizedGrantTypes: ['client_credentials'], tokenEndpointAuthMethod: 'private_key_jwt', jwksUri } });
    expect(created.status).toBe(200);
    expect(created.body.data.jwksUri).toBe(jwksUri);
    const post = async (signer: CryptoKey, kid: string) =>
      t.request.post(TOKEN_PATH).type('form').send({ grant_type: 'client_credentials', client_id: 'rotating', client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion('rotating', signer, kid) });
    const before = jwksFetches;
    expect((await post(first.pair.privateKey, 'rot-1')).status).toBe(200);
    expect((await post(first.pair.privateKey, 'rot-1')).status).toBe(200);
    expect(jwksFetches - before).toBe(1); // cached
    const second = await newKey('rot-2');
    served = { keys: [second.jwk] };
    // within the cache's freshness an unknown kid is refused (no refetch storm) ...
    expect((await post(second.pair.privateKey, 'rot-2')).status).toBe(401);
    // ... and once it is stale, the unknown kid triggers a refetch
    const c = (await t.ccauth.provider.Client.find('rotating')) as unknown as { asymmetricKeyStore: { freshUntil: number } };
    c.asymmetricKeyStore.freshUntil = 0;
    expect((await post(second.pair.privateKey, 'rot-2')).status).toBe(200);
    expect((await post(first.pair.privateKey, 'rot-1')).status).toBe(401); // the retired key is gone
    // the same keys serve the jwt-bearer grant
    const agentToken = await t.request
      .post(TOKEN_PATH)
      .type('form')
      .send({
        grant_type: GRANT,
        client_id: 'rotating',
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: await clientAssertion('rotating', second.pair.privateKey, 'rot-2'),
        assertion: await assertion(second.pair.privateKey, { iss: 'rotating' }, { kid: 'rot-2' }),
      });
    expect(agentToken.status).toBe(200);
  });

  it('refuses bad key registrations with the envelope (400, code 10)', async () => {
    const bad = async (data: Record<string, unknown>, field: string) => {
      const res = await t.request.post('/auth/v3/ops/clients').set('Authorization', OPS_AUTH).send({ data: { client_id: `bad-${randomUUID().slice(0, 8)}`, authorizedGrantTypes: ['client_credentials'], ...data } });
      expect(res.status).toBe(400);
      expect(res.body.status.code).toBe(10);
      expect(res.body.status.detail.errors.map((e: { field: string }) => e.field)).toContain(field);
    };
    const { d: _d, ...pub } = (await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey)) as JWK & { d?: string };
    const priv = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
    await bad({ tokenEndpointAuthMethod: 'private_key_jwt' }, 'data.jwks');
    await bad({ jwks: { keys: [priv] } }, 'data.jwks');
    await bad({ jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } }, 'data.jwks');
    await bad({ jwks: { keys: [pub] }, jwksUri: 'https://keys.example.com/jwks' }, 'data.jwksUri');
    await bad({ jwksUri: 'ftp://keys.example.com/jwks' }, 'data.jwksUri');
    await bad({ tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [pub] }, client_secret: 'a-secret' }, 'data.client_secret');
    await bad({ clientType: 'PUBLIC', tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [pub] } }, 'data.tokenEndpointAuthMethod');
  });
});
