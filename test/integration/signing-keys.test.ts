/**
 * Signing keys in PostgreSQL (design.md §3 "Keys"; docs/operations.md "Signing keys"): first key created once
 * even when two processes start together, JWKS with public members only, rotation next → current →
 * retired → deleted across two app instances on one database, the ops key API, and no plaintext
 * private key in the database, the responses or the logs.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { JSONWebKeySet } from 'jose';
import supertest from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import type { CcauthApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createDatabase } from '../../src/db/knex.ts';
import type { Database } from '../../src/db/knex.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createSealer } from '../../src/security/seal.ts';
import { createTestDatabase } from '../helpers/test-db.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import { basic, OPS, seedClientBody } from '../helpers/test-app.ts';

const ISSUER = 'http://ccauth.test';
const REDIRECT = 'https://wwe.example.com/callback';
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'];
const OPS_AUTH = basic(OPS.username, OPS.password);

interface Instance {
  ccauth: CcauthApp;
  request: TestAgent;
  logs: string[];
}

let testDb: TestDatabase;
/** A second connection pool to the same database (PostgreSQL), or the same PGlite instance. */
let secondDb: Database;
const kek = randomBytes(32);
let a: Instance;
let b: Instance;
let client: { clientId: string; secret: string };

async function start(db: Database, env: Record<string, string> = {}): Promise<Instance> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'debug', PUBLIC_URL: ISSUER, ...env });
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const ccauth = await createApp({ config, db, logger: createLogger({ level: 'debug', destination }), keyEncryptionKeys: [kek] });
  return { ccauth, request: supertest(ccauth.app.callback()), logs };
}

const jwks = async (i: Instance): Promise<JSONWebKeySet> => {
  const res = await i.request.get('/auth/v3/oauth/jwks');
  expect(res.status).toBe(200);
  return res.body as JSONWebKeySet;
};
const kids = async (i: Instance) => (await jwks(i)).keys.map((k) => k.kid);
const rows = () =>
  testDb.knex('signing_keys').select('*').orderBy('created_at') as Promise<
    { kid: string; alg: string; state: string; public_jwk: Record<string, unknown>; private_jwk_sealed: string; created_at: Date; retired_at: Date | null; expires_at: Date | null }[]
  >;
const stateOf = async () => Object.fromEntries((await rows()).map((r) => [r.kid, r.state]));

/** Mints an authorization code on instance `i` and redeems it; returns the ID token. */
async function idToken(i: Instance): Promise<string> {
  const provider = i.ccauth.provider;
  const c = await provider.Client.find(client.clientId);
  const grant = new provider.Grant({ accountId: 'ops', clientId: client.clientId });
  grant.addOIDCScope('openid offline_access *');
  const grantId = await grant.save();
  const code = await new provider.AuthorizationCode({ accountId: 'ops', client: c!, grantId, redirectUri: REDIRECT, scope: 'openid offline_access *', gty: 'authorization_code', authTime: Math.floor(Date.now() / 1000) }).save();
  const res = await i.request.post('/auth/v3/oauth/token').set('Authorization', basic(client.clientId, client.secret)).type('form').send({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
  expect(res.status).toBe(200);
  return res.body.id_token as string;
}

/** Every private member value of every stored key (opened with the KEK, for leak checks). */
async function privateValues(): Promise<string[]> {
  const sealer = createSealer([kek]);
  const out: string[] = [];
  for (const r of await rows()) {
    const jwk = JSON.parse(sealer.open(r.private_jwk_sealed, r.kid)) as Record<string, string>;
    for (const m of PRIVATE_MEMBERS) if (jwk[m]) out.push(jwk[m]);
  }
  return out;
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  secondDb = testDb.url ? createDatabase({ kind: 'postgres', url: testDb.url, poolMax: 5 }) : testDb;
  // two processes starting at the same moment on an empty database
  [a, b] = await Promise.all([start(testDb), start(secondDb)]);
  const res = await a.request.post('/auth/v3/ops/clients').set('Authorization', OPS_AUTH).send(seedClientBody({ client_id: 'workspace', redirectURIs: [REDIRECT] }));
  expect(res.status).toBe(200);
  client = { clientId: res.body.data.client_id, secret: res.body.data.client_secret };
});

afterAll(async () => {
  a?.ccauth.stop();
  b?.ccauth.stop();
  if (secondDb && secondDb !== testDb) await secondDb.close();
  await testDb?.close();
});

describe('first start', () => {
  it('creates exactly one current ES256 key even when two instances start together', async () => {
    const r = await rows();
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ state: 'current', alg: 'ES256' });
    expect(await kids(a)).toEqual([r[0]!.kid]);
    expect(await kids(b)).toEqual([r[0]!.kid]);
  });

  it('publishes public members only in the JWKS', async () => {
    const set = await jwks(a);
    for (const k of set.keys) {
      expect(k).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(k.x).toEqual(expect.any(String));
      for (const m of PRIVATE_MEMBERS) expect(k).not.toHaveProperty(m);
    }
  });

  it('stores the private JWK only sealed (AES-256-GCM), never in clear', async () => {
    const secrets = await privateValues();
    expect(secrets.length).toBeGreaterThan(0);
    for (const r of await rows()) {
      expect(r.private_jwk_sealed).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
      for (const m of PRIVATE_MEMBERS) expect(r.public_jwk).not.toHaveProperty(m);
      const dump = JSON.stringify(r);
      for (const s of secrets) expect(dump).not.toContain(s);
    }
    // and a sealed key does not open with another key-encryption key
    const [first] = await rows();
    expect(() => createSealer([randomBytes(32)]).open(first!.private_jwk_sealed, first!.kid)).toThrow(/another key-encryption key/);
  });
});

describe('ops key API', () => {
  it('requires the ops Basic credentials', async () => {
    for (const req of [
      a.request.get('/auth/v3/ops/keys'),
      a.request.post('/auth/v3/ops/keys/rotate').send({}),
      a.request.get('/auth/v3/ops/keys').set('Authorization', basic('ops', 'wrong')),
      a.request.post('/auth/v3/ops/keys/rotate').set('Authorization', basic('ops', 'wrong')).send({ data: { immediate: true } }),
    ]) {
      const res = await req;
      expect(res.status).toBe(401);
      expect(res.body.status).toEqual({ code: 20, message: 'Bad credentials' });
      expect(res.headers['www-authenticate']).toMatch(/^Basic /);
    }
    expect(await rows()).toHaveLength(1); // nothing rotated
  });

  it('lists kid, alg, state and dates only', async () => {
    const res = await a.request.get('/auth/v3/ops/keys').set('Authorization', OPS_AUTH);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const [row] = await rows();
    expect(res.body).toEqual({
      status: { code: 0 },
      data: [{ kid: row!.kid, alg: 'ES256', state: 'current', createdAt: expect.any(String), activatedAt: expect.any(String) }],
    });
  });

  it('validates the rotate body', async () => {
    for (const body of [{ data: { immediate: 'yes' } }, { data: { immediate: true, extra: 1 } }, { other: true }]) {
      const res = await a.request.post('/auth/v3/ops/keys/rotate').set('Authorization', OPS_AUTH).send(body);
      expect(res.status).toBe(400);
      expect(res.body.status.code).toBe(10);
    }
    expect(await rows()).toHaveLength(1);
  });
});

describe('rotation', () => {
  let firstKid: string;
  let nextKid: string;
  let oldIdToken: string;
  let opaqueToken: string;

  it('creates a next key that is published but does not sign', async () => {
    firstKid = (await rows())[0]!.kid;
    oldIdToken = await idToken(a);
    expect(decodeProtectedHeader(oldIdToken).kid).toBe(firstKid);
    const cc = await a.request.post('/auth/v3/oauth/token').set('Authorization', basic(client.clientId, client.secret)).type('form').send({ grant_type: 'client_credentials' });
    opaqueToken = cc.body.access_token;

    const res = await a.request.post('/auth/v3/ops/keys/rotate').set('Authorization', OPS_AUTH);
    expect(res.status).toBe(200);
    expect(res.body.status).toEqual({ code: 0 });
    expect(res.body.data).toMatchObject({ created: true, promoted: false, key: { state: 'next', alg: 'ES256' } });
    nextKid = res.body.data.key.kid;
    expect(nextKid).not.toBe(firstKid);
    // promotable after the default delay (3600 s)
    expect(Date.parse(res.body.data.key.promotableAt) - Date.parse(res.body.data.key.createdAt)).toBe(3600_000);
    expect(res.body.data.keys.map((k: { kid: string; state: string }) => [k.kid, k.state])).toEqual([
      [firstKid, 'current'],
      [nextKid, 'next'],
    ]);
    expect(await stateOf()).toEqual({ [firstKid]: 'current', [nextKid]: 'next' });

    // this instance publishes it at once, current key first
    expect(await kids(a)).toEqual([firstKid, nextKid]);
    // ... and still signs with the current key
    expect(decodeProtectedHeader(await idToken(a)).kid).toBe(firstKid);
  });

  it('is idempotent while a next key is pending', async () => {
    const res = await a.request.post('/auth/v3/ops/keys/rotate').set('Authorization', OPS_AUTH).send({ data: { immediate: false } });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ created: false, promoted: false, key: { kid: nextKid, state: 'next' } });
    expect(await rows()).toHaveLength(2);
  });

  it('reaches a second instance on the same database without a restart', async () => {
    expect(await kids(b)).toEqual([firstKid]);
    expect(await b.ccauth.signingKeys.refresh()).toBe(true);
    expect(await kids(b)).toEqual([firstKid, nextKid]);
    expect(decodeProtectedHeader(await idToken(b)).kid).toBe(firstKid);
    expect(await b.ccauth.signingKeys.refresh()).toBe(false); // nothing changed since
  });

  it('promotes the next key once older than the rotation delay; old ID tokens still verify', async () => {
    // nothing is due yet
    expect(await a.ccauth.signingKeys.refresh()).toBe(false);
    await testDb.knex('signing_keys').where({ kid: nextKid }).update({ created_at: testDb.knex.raw("now() - interval '3601 seconds'") });

    expect(await a.ccauth.signingKeys.refresh()).toBe(true);
    expect(await stateOf()).toEqual({ [firstKid]: 'retired', [nextKid]: 'current' });
    const retired = (await rows()).find((r) => r.kid === firstKid)!;
    // kept for the longest token lifetime it may have signed: the client's 43200 s access tokens (+60 s skew)
    expect(new Date(retired.expires_at!).getTime() - new Date(retired.retired_at!).getTime()).toBe((43_200 + 60) * 1000);

    const newIdToken = await idToken(a);
    expect(decodeProtectedHeader(newIdToken).kid).toBe(nextKid);
    expect(await kids(a)).toEqual([nextKid, firstKid]);

    const keySet = createLocalJWKSet(await jwks(a));
    for (const t of [oldIdToken, newIdToken]) {
      const { payload } = await jwtVerify(t, keySet, { issuer: ISSUER, audience: client.clientId });
      expect(payload.sub).toBe('ops');
    }

    // the other instance follows on its next check
    expect(await b.ccauth.signingKeys.refresh()).toBe(true);
    expect(decodeProtectedHeader(await idToken(b)).kid).toBe(nextKid);
    expect(await kids(b)).toEqual([nextKid, firstKid]);
  });

  it('keeps opaque tokens valid across a provider rebuild', async () => {
    const res = await a.request.post('/auth/v3/oauth/introspect').set('Authorization', basic(client.clientId, client.secret)).type('form').send({ token: opaqueToken });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ active: true, client_id: client.clientId });
  });

  it('promotes at once with {"data":{"immediate":true}}', async () => {
    const res = await a.request.post('/auth/v3/ops/keys/rotate').set('Authorization', OPS_AUTH).send({ data: { immediate: true } });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ created: true, promoted: true, retiredKid: nextKid, key: { state: 'current' } });
    const emergencyKid = res.body.data.key.kid as string;
    expect(await stateOf()).toEqual({ [firstKid]: 'retired', [nextKid]: 'retired', [emergencyKid]: 'current' });
    expect(decodeProtectedHeader(await idToken(a)).kid).toBe(emergencyKid);
    expect((await kids(a))[0]).toBe(emergencyKid);
    expect(await b.ccauth.signingKeys.refresh()).toBe(true);
    expect(decodeProtectedHeader(await idToken(b)).kid).toBe(emergencyKid);
  });

  it('deletes retired keys after expires_at and stops publishing them', async () => {
    await testDb.knex('signing_keys').where({ kid: firstKid }).update({ expires_at: testDb.knex.raw("now() - interval '1 second'") });
    expect(await b.ccauth.signingKeys.refresh()).toBe(true);
    expect(Object.keys(await stateOf())).not.toContain(firstKid);
    expect(await kids(b)).not.toContain(firstKid);
    expect(await kids(b)).toContain(nextKid);
    expect(await a.ccauth.signingKeys.refresh()).toBe(true);
    expect(await kids(a)).not.toContain(firstKid);
    // an ID token of the dropped key no longer verifies
    await expect(jwtVerify(oldIdToken, createLocalJWKSet(await jwks(a)), { issuer: ISSUER })).rejects.toThrow();
  });
});

describe('SIGNING_KEY_ALG', () => {
  it('applies to new keys; every instance signs with the current key whatever its own setting', async () => {
    const c = await start(testDb, { SIGNING_KEY_ALG: 'PS256' });
    try {
      const res = await c.request.post('/auth/v3/ops/keys/rotate').set('Authorization', OPS_AUTH).send({ data: { immediate: true } });
      expect(res.body.data).toMatchObject({ promoted: true, key: { alg: 'PS256', state: 'current' } });
      // no next key is pending at this point, so this generates a PS256 key and makes it current
      await a.ccauth.signingKeys.refresh();
      for (const i of [a, c]) {
        const t = await idToken(i);
        expect(decodeProtectedHeader(t)).toMatchObject({ alg: 'PS256', kid: res.body.data.key.kid });
        await jwtVerify(t, createLocalJWKSet(await jwks(i)), { issuer: ISSUER });
      }
      const set = await jwks(a);
      expect(set.keys[0]).toMatchObject({ kty: 'RSA', alg: 'PS256', kid: res.body.data.key.kid });
      expect(set.keys.slice(1).every((k) => k.kty === 'EC' && k.key_ops?.join() === 'verify')).toBe(true);
      for (const k of set.keys) for (const m of PRIVATE_MEMBERS) expect(k).not.toHaveProperty(m);
      const disc = (await a.request.get('/.well-known/openid-configuration')).body;
      expect(disc.id_token_signing_alg_values_supported).toEqual(expect.arrayContaining(['PS256', 'ES256']));
    } finally {
      c.ccauth.stop();
    }
  });
});

describe('no private key material anywhere', () => {
  it('is absent from every key API response, the JWKS, discovery and the logs', async () => {
    const secrets = await privateValues();
    const bodies = [
      (await a.request.get('/auth/v3/ops/keys').set('Authorization', OPS_AUTH)).text,
      (await a.request.post('/auth/v3/ops/keys/rotate').set('Authorization', OPS_AUTH)).text,
      (await a.request.get('/auth/v3/oauth/jwks')).text,
      (await a.request.get('/.well-known/openid-configuration')).text,
    ];
    const texts = [...bodies, a.logs.join('\n'), b.logs.join('\n')];
    for (const t of texts) {
      expect(t).not.toMatch(/"(d|p|q|dp|dq|qi)":/);
      for (const s of [...secrets, ...(await privateValues())]) expect(t).not.toContain(s);
      expect(t).not.toContain(kek.toString('base64url'));
    }
  });
});
