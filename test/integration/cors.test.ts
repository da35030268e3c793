/**
 * Per-contact-center CORS on the OAuth endpoints browsers call (genesys-api.md §6; design.md §3
 * "CORS"): token, introspection, revocation (oidc-provider's clientBasedCORS) and userinfo (ours).
 *
 * An origin gets `Access-Control-Allow-Origin` only when the `cors-origins` setting of one of the
 * client's contact centers lists it (userinfo: also the token user's contact center), or
 * CORS_ORIGINS does. Preflights answer from the union of every list. Never
 * `Access-Control-Allow-Credentials`. Setting changes apply within one second.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContactCenter } from '../helpers/fixtures.ts';
import type { ContactCenterFixture } from '../helpers/fixtures.ts';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const TOKEN = '/auth/v3/oauth/token';
const INTROSPECT = '/auth/v3/oauth/introspect';
const REVOKE = '/auth/v3/oauth/revoke';
const USERINFO = '/auth/v3/userinfo';
const OPENID_USERINFO = '/auth/v3/openid/userinfo';

const GLOBAL = 'https://global.example.com';
const CC1_ORIGIN = 'https://chat.cc1.example.com';
const CC1_OTHER = 'https://agent.cc1.example.com:8443';
const CC2_ORIGIN = 'https://chat.cc2.example.com';
const EVIL = 'https://evil.example.net';

type Creds = { clientId: string; secret: string };
let t: TestApp;
let cc1: ContactCenterFixture;
let cc2: ContactCenterFixture;
let bound1: Creds; // bound to cc1; may introspect
let unbound: Creds; // bound to no contact center

/** Writes a contact center's `cors-origins` row directly (the settings API is tested elsewhere). */
async function setCorsOrigins(ccid: string, value: string | undefined): Promise<void> {
  const knex = t.db.knex;
  if (value === undefined) {
    await knex('contact_center_settings').where({ ccid, name: 'cors-origins' }).delete();
    return;
  }
  await knex('contact_center_settings')
    .insert({ ccid, name: 'cors-origins', value, location: '/', shared: true })
    .onConflict(['ccid', 'name'])
    .merge(['value']);
}

type Res = { status: number; headers: Record<string, string>; body: Record<string, unknown>; text: string };

function expectAllowed(res: Res, origin: string): void {
  expect(res.headers['access-control-allow-origin'], `${origin} should be allowed`).toBe(origin);
  expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  expect(res.headers.vary).toMatch(/\bOrigin\b/i);
}

function expectNoAllowHeader(res: Res): void {
  expect(res.headers['access-control-allow-origin']).toBeUndefined();
  expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  expect(res.headers.vary).toMatch(/\bOrigin\b/i);
}

const clientCredentials = (c: Creds, origin?: string) => {
  const req = t.request.post(TOKEN).set('Authorization', basic(c.clientId, c.secret)).type('form');
  if (origin) req.set('Origin', origin);
  return req.send({ grant_type: 'client_credentials' });
};

const preflight = (path: string, origin: string, method = 'POST') =>
  t.request.options(path).set('Origin', origin).set('Access-Control-Request-Method', method).set('Access-Control-Request-Headers', 'authorization, content-type');

beforeAll(async () => {
  t = await startTestApp({ CORS_ORIGINS: `${GLOBAL}, https://second-global.example.com` });
  cc1 = await createContactCenter(t.db.knex, { domains: ['cc1'] });
  cc2 = await createContactCenter(t.db.knex, { domains: ['cc2'] });
  await setCorsOrigins(cc1.ccid, `${CC1_ORIGIN}, ${CC1_OTHER}`);
  await setCorsOrigins(cc2.ccid, CC2_ORIGIN);
  bound1 = await createClient(t, { client_id: 'cc1_widget', contactCenterIds: [cc1.ccid], authorities: ['ROLE_RESOURCE_SERVER'], internalClient: false });
  unbound = await createClient(t, { client_id: 'unbound_app', internalClient: false, authorities: [] });
});
afterAll(async () => {
  await t.close();
});

describe('token endpoint', () => {
  it("allows an origin listed by the client's contact center", async () => {
    for (const origin of [CC1_ORIGIN, CC1_OTHER]) {
      const res = await clientCredentials(bound1, origin);
      expect(res.status).toBe(200);
      expect(res.body.token_type).toBe('bearer');
      expectAllowed(res, origin);
    }
  });

  it('allows a CORS_ORIGINS origin for every client', async () => {
    for (const c of [bound1, unbound]) {
      const res = await clientCredentials(c, GLOBAL);
      expect(res.status).toBe(200);
      expectAllowed(res, GLOBAL);
    }
  });

  it("refuses an origin listed only by another contact center, or by none (400, no allow header)", async () => {
    for (const [c, origin] of [
      [bound1, CC2_ORIGIN],
      [bound1, EVIL],
      [unbound, CC1_ORIGIN],
      [bound1, 'null'],
      [bound1, 'https://chat.cc1.example.com.evil.net'],
      [bound1, 'http://chat.cc1.example.com'],
    ] as const) {
      const res = await clientCredentials(c, origin);
      expect(res.status, origin).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect(res.body).not.toHaveProperty('access_token');
      expectNoAllowHeader(res);
    }
  });

  it('keeps no allow header on an error for an unknown client from an unlisted origin', async () => {
    const evil = await clientCredentials({ clientId: 'nobody', secret: 'x' }, EVIL);
    expect(evil.status).toBe(401);
    expectNoAllowHeader(evil);
    // an origin some contact center lists may read the error (no client was identified)
    const listed = await clientCredentials({ clientId: 'nobody', secret: 'x' }, CC2_ORIGIN);
    expect(listed.status).toBe(401);
    expectAllowed(listed, CC2_ORIGIN);
  });

  it('without Origin (server to server) nothing changes and credentials are never allowed', async () => {
    const res = await clientCredentials(bound1);
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('preflight: allow headers only for an origin some contact center (or CORS_ORIGINS) lists', async () => {
    for (const origin of [CC1_ORIGIN, CC2_ORIGIN, GLOBAL]) {
      const res = await preflight(TOKEN, origin);
      expect(res.status).toBe(204);
      expectAllowed(res, origin);
      expect(res.headers['access-control-allow-methods']).toBe('POST');
      expect(res.headers['access-control-allow-headers']).toBe('authorization, content-type');
      expect(res.headers['access-control-max-age']).toBe('600');
    }
    for (const origin of [EVIL, 'null']) {
      const res = await preflight(TOKEN, origin);
      expect(res.status).toBe(204);
      expectNoAllowHeader(res);
      expect(res.headers['access-control-allow-methods']).toBeUndefined();
    }
  });
});

describe('introspection and revocation', () => {
  it('follow the calling client', async () => {
    const issued = await clientCredentials(unbound);
    const token = issued.body.access_token as string;
    const ok = await t.request.post(INTROSPECT).set('Authorization', basic(bound1.clientId, bound1.secret)).set('Origin', CC1_ORIGIN).type('form').send({ token });
    expect(ok.status).toBe(200);
    expect(ok.body.active).toBe(true);
    expectAllowed(ok, CC1_ORIGIN);

    const refused = await t.request.post(INTROSPECT).set('Authorization', basic(bound1.clientId, bound1.secret)).set('Origin', EVIL).type('form').send({ token });
    expect(refused.status).toBe(400);
    expect(refused.body).not.toHaveProperty('active');
    expectNoAllowHeader(refused);

    const pre = await preflight(INTROSPECT, CC1_ORIGIN);
    expectAllowed(pre, CC1_ORIGIN);

    const revokeRefused = await t.request.post(REVOKE).set('Authorization', basic(unbound.clientId, unbound.secret)).set('Origin', CC1_ORIGIN).type('form').send({ token });
    expect(revokeRefused.status).toBe(400);
    expectNoAllowHeader(revokeRefused);
    const revoked = await t.request.post(REVOKE).set('Authorization', basic(unbound.clientId, unbound.secret)).set('Origin', GLOBAL).type('form').send({ token });
    expect(revoked.status).toBe(200);
    expectAllowed(revoked, GLOBAL);
    expectNoAllowHeader(await preflight(REVOKE, EVIL));
  });
});

describe('userinfo', () => {
  let cc2UserToken: string;

  beforeAll(async () => {
    const created = await t.request
      .post(`/environment/v3/contact-centers/${cc2.ccid}/users`)
      .set('Authorization', basic(OPS.username, OPS.password))
      .send({ data: { username: 'chatter', password: 'Chatter-Password-1' } });
    expect(created.status).toBe(200);
    const res = await t.request.post(TOKEN).set('Authorization', basic(unbound.clientId, unbound.secret)).type('form').send({ grant_type: 'password', username: 'cc2\\chatter', password: 'Chatter-Password-1' });
    expect(res.status).toBe(200);
    cc2UserToken = res.body.access_token;
  });

  const get = (path: string, token: string, origin: string) => t.request.get(path).set('Authorization', `Bearer ${token}`).set('Origin', origin);

  it("allows an origin of the token user's contact center (the client is bound to none)", async () => {
    for (const path of [USERINFO, OPENID_USERINFO]) {
      const res = await get(path, cc2UserToken, CC2_ORIGIN);
      expect(res.status).toBe(200);
      expectAllowed(res, CC2_ORIGIN);
      expect(res.headers['access-control-expose-headers']).toBe('WWW-Authenticate');
    }
  });

  it("allows an origin of the client's contact center, and CORS_ORIGINS", async () => {
    const res = await t.request.post(TOKEN).set('Authorization', basic(bound1.clientId, bound1.secret)).type('form').send({ grant_type: 'password', username: 'ops', password: 'ops' });
    const ops = await get(USERINFO, res.body.access_token, CC1_ORIGIN);
    expect(ops.status).toBe(200);
    expectAllowed(ops, CC1_ORIGIN);
    const global = await get(USERINFO, cc2UserToken, GLOBAL);
    expectAllowed(global, GLOBAL);
  });

  it('answers other origins without the allow header', async () => {
    for (const origin of [CC1_ORIGIN, EVIL]) {
      const res = await get(USERINFO, cc2UserToken, origin);
      expect(res.status).toBe(200);
      expectNoAllowHeader(res);
    }
  });

  it('a 401 is readable by an origin some contact center lists, not by others', async () => {
    const listed = await get(USERINFO, 'z'.repeat(43), CC1_ORIGIN);
    expect(listed.status).toBe(401);
    expectAllowed(listed, CC1_ORIGIN);
    const evil = await get(USERINFO, 'z'.repeat(43), EVIL);
    expect(evil.status).toBe(401);
    expectNoAllowHeader(evil);
  });

  it('preflight allows GET and POST for listed origins only', async () => {
    const ok = await preflight(OPENID_USERINFO, CC2_ORIGIN, 'GET');
    expect(ok.status).toBe(204);
    expectAllowed(ok, CC2_ORIGIN);
    expect(ok.headers['access-control-allow-methods']).toBe('GET, POST');
    expectNoAllowHeader(await preflight(USERINFO, EVIL, 'GET'));
  });
});

describe('setting changes', () => {
  it('apply within one second, both ways', async () => {
    const NEW = 'https://new.cc1.example.com';
    expect((await clientCredentials(bound1, CC1_ORIGIN)).status).toBe(200); // snapshot loaded now
    expect((await clientCredentials(bound1, NEW)).status).toBe(400);

    await setCorsOrigins(cc1.ccid, `${CC1_ORIGIN},${NEW}`);
    await sleep(1050);
    const added = await clientCredentials(bound1, NEW);
    expect(added.status).toBe(200);
    expectAllowed(added, NEW);
    expectAllowed(await preflight(TOKEN, NEW), NEW);

    await setCorsOrigins(cc1.ccid, NEW);
    await sleep(1050);
    const removed = await clientCredentials(bound1, CC1_ORIGIN);
    expect(removed.status).toBe(400);
    expectNoAllowHeader(removed);
    expectNoAllowHeader(await preflight(TOKEN, CC1_ORIGIN));

    await setCorsOrigins(cc1.ccid, undefined);
    await sleep(1050);
    expect((await clientCredentials(bound1, NEW)).status).toBe(400);
    expect((await clientCredentials(bound1, GLOBAL)).status).toBe(200);
  });
});
