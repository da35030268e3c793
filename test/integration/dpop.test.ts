/**
 * DPoP (RFC 9449) end to end against the real app on PostgreSQL, with hand-made proofs (jose), so
 * each check of RFC 9449 §4.3 can be broken on purpose (README "Security model" → "DPoP"):
 * - every grant (client_credentials, password, refresh_token; authorization_code in
 *   test/e2e/dpop-clients.test.ts) binds with a valid proof and refuses an invalid one with
 *   `400 invalid_dpop_proof` (§5);
 * - ccauth's own resource routes accept `Authorization: DPoP` + `DPoP` with the full proof check and
 *   refuse a bound token presented as Bearer (§7.1; RFC 6750 §3);
 * - introspection answers `cnf.jkt`, JWT access tokens carry it (§6);
 * - the refresh grace window checks the proof against the bound key (§5);
 * - a client with `dpopBoundAccessTokens: true` must send proofs (§5.2).
 */
import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContactCenter } from '../helpers/fixtures.ts';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const ISSUER = 'http://ccauth.test';
const TOKEN = '/auth/v3/oauth/token';
const INTROSPECT = '/auth/v3/oauth/introspect';
const CLOUD = '/auth/v3/userinfo';
const OPENID = '/auth/v3/openid/userinfo';
const ENVIRONMENTS = '/environment/v3/environments';
const PASSWORD = 'Agent-Password-1';

/** A DPoP key pair with its public JWK and RFC 7638 thumbprint. */
interface DpopKey {
  privateKey: CryptoKey;
  jwk: JWK;
  jkt: string;
}

async function newKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

/** A DPoP proof JWT (RFC 9449 §4.2); `over` replaces or removes (undefined) claims. */
async function proof(key: DpopKey, htm: string, path: string, over: Record<string, unknown> = {}, typ = 'dpop+jwt'): Promise<string> {
  const claims: Record<string, unknown> = { htm, htu: `${ISSUER}${path}`, iat: Math.floor(Date.now() / 1000), jti: randomUUID(), ...over };
  for (const k of Object.keys(claims)) if (claims[k] === undefined) delete claims[k];
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ, jwk: key.jwk }).sign(key.privateKey);
}

let t: TestApp;
let api: { clientId: string; secret: string };
let jwtClient: { clientId: string; secret: string };
let required: { clientId: string; secret: string };
let key: DpopKey;
let otherKey: DpopKey;

const tokenRequest = (c: { clientId: string; secret: string } | { clientId: string }, form: Record<string, string>, dpop?: string) => {
  const r = t.request.post(TOKEN).type('form');
  if ('secret' in c) r.set('Authorization', basic(c.clientId, c.secret));
  if (dpop !== undefined) r.set('DPoP', dpop);
  return r.send('secret' in c ? form : { client_id: c.clientId, ...form });
};

/** A DPoP-bound ops token (password grant) for `api`. */
async function boundOpsToken(k: DpopKey = key): Promise<{ access_token: string; refresh_token: string }> {
  const res = await tokenRequest(api, { grant_type: 'password', username: 'ops', password: 'ops' }, await proof(k, 'POST', TOKEN));
  expect(res.status, res.text).toBe(200);
  expect(res.body.token_type).toBe('DPoP');
  return res.body;
}

beforeAll(async () => {
  t = await startTestApp({ PUBLIC_URL: ISSUER });
  api = await createClient(t, { client_id: 'dpop_api' });
  jwtClient = await createClient(t, { client_id: 'dpop_jwt', accessTokenFormat: 'jwt' });
  required = await createClient(t, { client_id: 'dpop_required', dpopBoundAccessTokens: true });
  const cc = await createContactCenter(t.db.knex, { domains: ['t100'] });
  const user = await t.request
    .post(`/environment/v3/contact-centers/${cc.ccid}/users`)
    .set('Authorization', basic(OPS.username, OPS.password))
    .send({ data: { username: 'agent', password: PASSWORD, firstName: 'Ada' } });
  expect(user.status).toBe(200);
  key = await newKey();
  otherKey = await newKey();
});

afterAll(async () => {
  await t.close();
});

describe('DPoP at the token endpoint (RFC 9449 §5)', () => {
  it('advertises the proof algorithms it checks', async () => {
    const res = await t.request.get('/.well-known/openid-configuration');
    expect(res.body.dpop_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256']));
  });

  it('binds a client_credentials token to the proof key, and introspection answers cnf.jkt', async () => {
    const res = await tokenRequest(api, { grant_type: 'client_credentials' }, await proof(key, 'POST', TOKEN));
    expect(res.status, res.text).toBe(200);
    expect(res.body.token_type).toBe('DPoP');
    const info = await t.request.post(INTROSPECT).set('Authorization', basic(api.clientId, api.secret)).type('form').send({ token: res.body.access_token });
    expect(info.body).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: key.jkt } });
  });

  it('binds a password-grant token, and keeps Bearer (lowercase) without a proof', async () => {
    const bound = await boundOpsToken();
    const info = await t.request.post(INTROSPECT).set('Authorization', basic(api.clientId, api.secret)).type('form').send({ token: bound.access_token });
    expect(info.body).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: key.jkt } });
    const plain = await tokenRequest(api, { grant_type: 'password', username: 'ops', password: 'ops' });
    expect(plain.body.token_type).toBe('bearer');
    const plainInfo = await t.request.post(INTROSPECT).set('Authorization', basic(api.clientId, api.secret)).type('form').send({ token: plain.body.access_token });
    expect(plainInfo.body.cnf).toBeUndefined();
  });

  it.each([
    ['client_credentials', { grant_type: 'client_credentials' }],
    ['password', { grant_type: 'password', username: 'ops', password: 'ops' }],
  ])('refuses a malformed or wrong proof on %s with 400 invalid_dpop_proof', async (_name, form) => {
    const now = Math.floor(Date.now() / 1000);
    const bad = [
      'not-a-jwt',
      await proof(key, 'GET', TOKEN), // htm
      await proof(key, 'POST', '/auth/v3/oauth/introspect'), // htu
      await proof(key, 'POST', TOKEN, { htu: `https://elsewhere.example${TOKEN}` }), // htu origin
      await proof(key, 'POST', TOKEN, { iat: now - 3600 }), // stale
      await proof(key, 'POST', TOKEN, { iat: now + 3600 }), // from the future
      await proof(key, 'POST', TOKEN, { jti: undefined }),
      await proof(key, 'POST', TOKEN, {}, 'JWT'), // typ
    ];
    for (const p of bad) {
      const res = await tokenRequest(api, form, p);
      expect(res.status, p).toBe(400);
      expect(res.body.error, p).toBe('invalid_dpop_proof');
      expect(res.body.access_token).toBeUndefined();
    }
  });

  it('refuses a replayed proof (jti single use) with 400 invalid_dpop_proof', async () => {
    const p = await proof(key, 'POST', TOKEN);
    const first = await tokenRequest(api, { grant_type: 'client_credentials' }, p);
    expect(first.status).toBe(200);
    const again = await tokenRequest(api, { grant_type: 'client_credentials' }, p);
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_dpop_proof');
  });

  it('puts cnf.jkt into JWT access tokens (RFC 9068 + RFC 9449 §6.1)', async () => {
    const cc = await tokenRequest(jwtClient, { grant_type: 'client_credentials' }, await proof(key, 'POST', TOKEN));
    expect(cc.status, cc.text).toBe(200);
    expect(cc.body.token_type).toBe('DPoP');
    expect(decodeJwt(cc.body.access_token).cnf).toEqual({ jkt: key.jkt });
    const pw = await tokenRequest(jwtClient, { grant_type: 'password', username: 'ops', password: 'ops' }, await proof(key, 'POST', TOKEN));
    expect(decodeJwt(pw.body.access_token).cnf).toEqual({ jkt: key.jkt });
    const rt = await tokenRequest(jwtClient, { grant_type: 'refresh_token', refresh_token: pw.body.refresh_token }, await proof(key, 'POST', TOKEN));
    expect(rt.status, rt.text).toBe(200);
    expect(decodeJwt(rt.body.access_token).cnf).toEqual({ jkt: key.jkt });
  });

  it('makes proofs mandatory for a dpopBoundAccessTokens client, on every grant', async () => {
    const shown = await t.request.get(`/auth/v3/ops/clients/${required.clientId}`).set('Authorization', basic(OPS.username, OPS.password));
    expect(shown.body.data.dpopBoundAccessTokens).toBe(true);
    const forms: Array<Record<string, string>> = [{ grant_type: 'client_credentials' }, { grant_type: 'password', username: 'ops', password: 'ops' }];
    for (const form of forms) {
      const res = await tokenRequest(required, form);
      expect(res.status, res.text).toBe(400);
      expect(res.body.error).toBe('invalid_dpop_proof');
      const ok = await tokenRequest(required, form, await proof(key, 'POST', TOKEN));
      expect(ok.status, ok.text).toBe(200);
      expect(ok.body.token_type).toBe('DPoP');
    }
    const issued = await tokenRequest(required, { grant_type: 'password', username: 'ops', password: 'ops' }, await proof(key, 'POST', TOKEN));
    const refreshed = await tokenRequest(required, { grant_type: 'refresh_token', refresh_token: issued.body.refresh_token });
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe('invalid_dpop_proof');
    // and it can be switched off again through the API
    const off = await t.request
      .put(`/auth/v3/ops/clients/${required.clientId}`)
      .set('Authorization', basic(OPS.username, OPS.password))
      .send({ data: { dpopBoundAccessTokens: false } });
    expect(off.status).toBe(200);
    expect(off.body.data.dpopBoundAccessTokens).toBe(false);
    const plain = await tokenRequest(required, { grant_type: 'client_credentials' });
    expect(plain.status).toBe(200);
    expect(plain.body.token_type).toBe('bearer');
  });

  it('refuses a non-boolean dpopBoundAccessTokens with the validation envelope', async () => {
    const res = await t.request
      .post('/auth/v3/ops/clients')
      .set('Authorization', basic(OPS.username, OPS.password))
      .send({ data: { client_id: 'dpop_bad', authorizedGrantTypes: ['client_credentials'], dpopBoundAccessTokens: 'yes' } });
    expect(res.status).toBe(400);
    expect(res.body.status.code).toBe(10);
    expect(res.body.status.detail.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'data.dpopBoundAccessTokens' })]));
  });
});

describe('DPoP-bound refresh tokens of public clients and the grace window (RFC 9449 §5)', () => {
  let pub: { clientId: string };

  beforeAll(async () => {
    const res = await t.request
      .post('/auth/v3/ops/clients')
      .set('Authorization', basic(OPS.username, OPS.password))
      .send({ data: { client_id: 'dpop_public', clientType: 'PUBLIC', authorizedGrantTypes: ['password', 'refresh_token'], scope: ['*'] } });
    expect(res.status).toBe(200);
    pub = { clientId: 'dpop_public' };
  });

  it('binds the refresh token: refreshing needs a proof of the same key', async () => {
    const issued = await tokenRequest(pub, { grant_type: 'password', username: 't100\\agent', password: PASSWORD }, await proof(key, 'POST', TOKEN));
    expect(issued.status, issued.text).toBe(200);
    const noProof = await tokenRequest(pub, { grant_type: 'refresh_token', refresh_token: issued.body.refresh_token });
    expect(noProof.status).toBe(400);
    const wrongKey = await tokenRequest(pub, { grant_type: 'refresh_token', refresh_token: issued.body.refresh_token }, await proof(otherKey, 'POST', TOKEN));
    expect(wrongKey.status).toBe(400);
    expect(wrongKey.body.error).toBe('invalid_grant');
    const ok = await tokenRequest(pub, { grant_type: 'refresh_token', refresh_token: issued.body.refresh_token }, await proof(key, 'POST', TOKEN));
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.token_type).toBe('DPoP');
  });

  it('hands the successor to a duplicate inside the grace window only with a proof of the bound key', async () => {
    const issued = await tokenRequest(pub, { grant_type: 'password', username: 't100\\agent', password: PASSWORD }, await proof(key, 'POST', TOKEN));
    const rotated = await tokenRequest(pub, { grant_type: 'refresh_token', refresh_token: issued.body.refresh_token }, await proof(key, 'POST', TOKEN));
    expect(rotated.status, rotated.text).toBe(200);
    // the stolen old refresh token replayed without a proof, or with the thief's key: nothing
    const stolen = await tokenRequest(pub, { grant_type: 'refresh_token', refresh_token: issued.body.refresh_token });
    expect(stolen.status, stolen.text).toBe(400);
    expect(stolen.body.access_token).toBeUndefined();
    const thief = await tokenRequest(pub, { grant_type: 'refresh_token', refresh_token: issued.body.refresh_token }, await proof(otherKey, 'POST', TOKEN));
    expect(thief.status, thief.text).toBe(400);
    expect(thief.body.error).toBe('invalid_grant');
    const malformed = await tokenRequest(pub, { grant_type: 'refresh_token', refresh_token: issued.body.refresh_token }, 'not-a-jwt');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toBe('invalid_dpop_proof');
    // the legitimate client retrying with a fresh proof of its key gets the same successor
    const retry = await tokenRequest(pub, { grant_type: 'refresh_token', refresh_token: issued.body.refresh_token }, await proof(key, 'POST', TOKEN));
    expect(retry.status, retry.text).toBe(200);
    expect(retry.body.refresh_token).toBe(rotated.body.refresh_token);
    expect(retry.body.access_token).toBe(rotated.body.access_token);
  });

  it('a confidential client duplicate inside the window must use the key the successor is bound to', async () => {
    const issued = await boundOpsToken();
    const rotated = await tokenRequest(api, { grant_type: 'refresh_token', refresh_token: issued.refresh_token }, await proof(key, 'POST', TOKEN));
    expect(rotated.status).toBe(200);
    expect(rotated.body.token_type).toBe('DPoP');
    const noProof = await tokenRequest(api, { grant_type: 'refresh_token', refresh_token: issued.refresh_token });
    expect(noProof.status).toBe(400);
    const retry = await tokenRequest(api, { grant_type: 'refresh_token', refresh_token: issued.refresh_token }, await proof(key, 'POST', TOKEN));
    expect(retry.status, retry.text).toBe(200);
    expect(retry.body.access_token).toBe(rotated.body.access_token);
  });
});

describe("DPoP on ccauth's own resource routes (RFC 9449 §7)", () => {
  const dpopGet = async (path: string, token: string, k: DpopKey = key, over: Record<string, unknown> = {}) =>
    t.request.get(path).set('Authorization', `DPoP ${token}`).set('DPoP', await proof(k, 'GET', path, { ath: ath(token), ...over }));

  it.each([CLOUD, OPENID, ENVIRONMENTS])('accepts Authorization: DPoP with a valid proof on %s', async (path) => {
    const { access_token } = await boundOpsToken();
    const res = await dpopGet(path, access_token);
    expect(res.status, res.text).toBe(200);
    if (path === CLOUD) expect(res.body.username).toBe('ops');
    if (path === ENVIRONMENTS) expect(res.body.status.code).toBe(0);
  });

  it('accepts the DPoP scheme on POST userinfo and a bound client-credentials token on the Environment API', async () => {
    const { access_token } = await boundOpsToken();
    const post = await t.request
      .post(OPENID)
      .set('Authorization', `DPoP ${access_token}`)
      .set('DPoP', await proof(key, 'POST', OPENID, { ath: ath(access_token) }));
    expect(post.status, post.text).toBe(200);
    expect(post.body.sub).toBe('ops');
    const cc = await tokenRequest(api, { grant_type: 'client_credentials' }, await proof(key, 'POST', TOKEN));
    const env = await dpopGet(ENVIRONMENTS, cc.body.access_token);
    expect(env.status, env.text).toBe(200);
  });

  it.each([CLOUD, OPENID])('refuses a bound token presented as Bearer on %s (401, DPoP invalid_token)', async (path) => {
    const { access_token } = await boundOpsToken();
    const res = await t.request.get(path).set('Authorization', `Bearer ${access_token}`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^DPoP /);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(res.headers['www-authenticate']).toContain('algs="');
    expect(res.body.error).toBe('invalid_token');
    // in a form body it is Bearer usage too (RFC 6750 §2.2)
    const form = await t.request.post(path).type('form').send({ access_token });
    expect(form.status).toBe(401);
    expect(form.headers['www-authenticate']).toMatch(/^DPoP .*error="invalid_token"/);
  });

  it('refuses a bound ops token presented as Bearer on the Environment API (401 envelope, DPoP challenge)', async () => {
    const { access_token } = await boundOpsToken();
    const res = await t.request.get(ENVIRONMENTS).set('Authorization', `Bearer ${access_token}`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^DPoP .*error="invalid_token"/);
    expect(res.body.status.code).toBe(20);
    const created = await t.request
      .post(ENVIRONMENTS)
      .set('Authorization', `bearer ${access_token}`)
      .send({ data: { username: 'default', password: 'password', tenant: 'Stolen' } });
    expect(created.status).toBe(401);
    expect(await t.db.knex('environments').where({ tenant: 'Stolen' })).toHaveLength(0);
  });

  it.each([CLOUD, ENVIRONMENTS])('checks every part of the proof on %s', async (path) => {
    const { access_token } = await boundOpsToken();
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[string, () => Promise<{ status: number; headers: Record<string, string> }>, string]> = [
      ['no proof', async () => t.request.get(path).set('Authorization', `DPoP ${access_token}`), 'invalid_dpop_proof'],
      ['malformed proof', async () => t.request.get(path).set('Authorization', `DPoP ${access_token}`).set('DPoP', 'not-a-jwt'), 'invalid_dpop_proof'],
      ['wrong htm', async () => t.request.get(path).set('Authorization', `DPoP ${access_token}`).set('DPoP', await proof(key, 'POST', path, { ath: ath(access_token) })), 'invalid_dpop_proof'],
      ['wrong htu', () => dpopGet(path, access_token, key, { htu: `${ISSUER}/auth/v3/other` }), 'invalid_dpop_proof'],
      ['htu on another origin', () => dpopGet(path, access_token, key, { htu: `http://evil.example${path}` }), 'invalid_dpop_proof'],
      ['stale iat', () => dpopGet(path, access_token, key, { iat: now - 3600 }), 'invalid_dpop_proof'],
      ['future iat', () => dpopGet(path, access_token, key, { iat: now + 3600 }), 'invalid_dpop_proof'],
      ['no ath', () => dpopGet(path, access_token, key, { ath: undefined }), 'invalid_dpop_proof'],
      ['wrong ath', () => dpopGet(path, access_token, key, { ath: ath('another-token-value') }), 'invalid_dpop_proof'],
      ['no jti', () => dpopGet(path, access_token, key, { jti: undefined }), 'invalid_dpop_proof'],
      ['another key', () => dpopGet(path, access_token, otherKey), 'invalid_token'],
    ];
    for (const [name, send, error] of cases) {
      const res = await send();
      expect(res.status, name).toBe(401);
      expect(res.headers['www-authenticate'], name).toMatch(/^DPoP /);
      expect(res.headers['www-authenticate'], name).toContain(`error="${error}"`);
    }
  });

  it('accepts a query string (htu excludes it) and refuses a replayed proof', async () => {
    const { access_token } = await boundOpsToken();
    const p = await proof(key, 'GET', CLOUD, { ath: ath(access_token) });
    const first = await t.request.get(`${CLOUD}?x=1`).set('Authorization', `DPoP ${access_token}`).set('DPoP', p);
    expect(first.status, first.text).toBe(200);
    const again = await t.request.get(CLOUD).set('Authorization', `DPoP ${access_token}`).set('DPoP', p);
    expect(again.status).toBe(401);
    expect(again.headers['www-authenticate']).toContain('error="invalid_dpop_proof"');
  });

  it('refuses an unbound token presented with the DPoP scheme, and keeps serving it as Bearer', async () => {
    const plain = await tokenRequest(api, { grant_type: 'password', username: 'ops', password: 'ops' });
    expect(plain.body.token_type).toBe('bearer');
    const res = await dpopGet(CLOUD, plain.body.access_token);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    const bearer = await t.request.get(CLOUD).set('Authorization', `Bearer ${plain.body.access_token}`);
    expect(bearer.status).toBe(200);
    const env = await t.request.get(ENVIRONMENTS).set('Authorization', `Bearer ${plain.body.access_token}`);
    expect(env.status).toBe(200);
  });

  it('signs out with a DPoP-bound token only with its proof (POST /auth/v3/sign-out)', async () => {
    const { access_token } = await boundOpsToken();
    const asBearer = await t.request.post('/auth/v3/sign-out').set('Authorization', `Bearer ${access_token}`);
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers['www-authenticate']).toMatch(/^DPoP .*error="invalid_token"/);
    expect(asBearer.body.status.code).toBe(20);
    const alive = await dpopGet(CLOUD, access_token);
    expect(alive.status).toBe(200);
    const signedOut = await t.request
      .post('/auth/v3/sign-out')
      .set('Authorization', `DPoP ${access_token}`)
      .set('DPoP', await proof(key, 'POST', '/auth/v3/sign-out', { ath: ath(access_token) }));
    expect(signedOut.status, signedOut.text).toBe(200);
    expect(signedOut.body.status.code).toBe(0);
    const gone = await dpopGet(CLOUD, access_token);
    expect(gone.status).toBe(401);
  });

  it('answers 401 invalid_token (not 500) for an unknown token with a proof', async () => {
    const res = await dpopGet(CLOUD, 'x'.repeat(43));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^DPoP .*error="invalid_token"/);
    const env = await dpopGet(ENVIRONMENTS, 'x'.repeat(43));
    expect(env.status).toBe(401);
    expect(env.body.status.code).toBe(20);
  });
});
