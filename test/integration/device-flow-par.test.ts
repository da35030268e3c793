/**
 * The device authorization grant (RFC 8628) and pushed authorization requests (RFC 9126) on a
 * listening ccauth, driven by openid-client 6's helpers (`initiateDeviceAuthorization`,
 * `pollDeviceAuthorizationGrant`, `buildAuthorizationUrlWithPAR`) and a cookie-keeping HTTP
 * client posting the real pages: the `/auth/v3/device` user code page (CSRF, lockout after wrong
 * codes), sign-in, consent; per-client `requirePushedAuthorizationRequests`; discovery
 * (docs/api.md "API" → grants).
 */
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContactCenter } from '../helpers/fixtures.ts';
import { OPS, basic, createClient, startListeningTestApp } from '../helpers/test-app.ts';
import type { ListeningTestApp } from '../helpers/test-app.ts';
import { followInside, hiddenField, newBrowser, pathOf } from '../helpers/interaction-flow.ts';
import type { Browser } from '../helpers/interaction-flow.ts';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const REDIRECT = 'https://portal.example.com/callback';
const PASSWORD = 'Agent-Passw0rd-1';
const OPS_AUTH = basic(OPS.username, OPS.password);
let t: ListeningTestApp;
let issuer: string;
let tv: { clientId: string; secret: string };
let portal: { clientId: string; secret: string };
let parOnly: { clientId: string; secret: string };

beforeAll(async () => {
  t = await startListeningTestApp();
  issuer = t.issuer;
  const { ccid } = await createContactCenter(t.db.knex, { domains: ['t100'] });
  await t.request.post(`/environment/v3/contact-centers/${ccid}/users`).set('Authorization', OPS_AUTH).send({ data: { username: 'agent', password: PASSWORD } });
  tv = await createClient(t, { client_id: 'wallboard', name: 'Wallboard TV', internalClient: false, authorities: [], redirectURIs: [], authorizedGrantTypes: [DEVICE_GRANT, 'refresh_token'] });
  portal = await createClient(t, { client_id: 'portal', name: 'Portal', authorizedGrantTypes: ['authorization_code'], redirectURIs: [REDIRECT] });
  parOnly = await createClient(t, { client_id: 'par-only', name: 'PAR only', authorizedGrantTypes: ['authorization_code'], redirectURIs: [REDIRECT], requirePushedAuthorizationRequests: true });
});
afterAll(async () => {
  await t.close();
});

const config = (c: { clientId: string; secret: string }) => oidc.discovery(new URL(issuer), c.clientId, c.secret, undefined, { execute: [oidc.allowInsecureRequests] });

/** Enters `userCode` on the device page; returns the response to the POST. */
async function enterCode(browser: Browser, userCode: string) {
  const page = await browser.get('/auth/v3/device');
  expect(page.status).toBe(200);
  return browser.post('/auth/v3/device').type('form').send({ xsrf: hiddenField(page.text, 'xsrf'), user_code: userCode });
}

/** Confirms on the confirmation page, signs in and consents; returns the final page. */
async function confirmAndSignIn(browser: Browser, confirmPage: string) {
  const confirmed = await browser.post('/auth/v3/device').type('form').send({ xsrf: hiddenField(confirmPage, 'xsrf'), user_code: hiddenField(confirmPage, 'user_code'), confirm: 'yes' });
  expect(confirmed.status).toBe(303);
  const entry = await browser.get(pathOf(confirmed.headers.location!));
  const signIn = await browser.get(pathOf(entry.headers.location!));
  expect(signIn.status).toBe(200);
  expect(signIn.text).toContain('Wallboard TV');
  const posted = await browser.post('/auth/v3/sign-in').type('form').send({ uid: hiddenField(signIn.text, 'uid'), csrf: hiddenField(signIn.text, 'csrf'), username: 't100\\agent', password: PASSWORD });
  expect(posted.status).toBe(303);
  let end = await followInside(browser, posted.headers.location!, issuer);
  if (end.res?.text.includes('name="csrf"')) {
    const consentPath = `/auth/v3/interaction/${hiddenField(end.res.text, 'uid')}`;
    const allowed = await browser.post(`${consentPath}/consent`).type('form').send({ uid: hiddenField(end.res.text, 'uid'), csrf: hiddenField(end.res.text, 'csrf') });
    end = await followInside(browser, allowed.headers.location!, issuer);
  }
  return end.res!;
}

describe('device authorization grant (RFC 8628)', () => {
  it('is advertised with ccauth\'s user code page', async () => {
    const meta = (await t.request.get('/.well-known/openid-configuration')).body;
    expect(meta.device_authorization_endpoint).toBe(`${issuer}/auth/v3/oauth/device/auth`);
    expect(meta.grant_types_supported).toContain(DEVICE_GRANT);
  });

  it('signs a device in through the /auth/v3/device page (openid-client initiate + poll)', async () => {
    const cfg = await config(tv);
    const device = await oidc.initiateDeviceAuthorization(cfg, { scope: 'openid offline_access' });
    expect(device.verification_uri).toBe(`${issuer}/auth/v3/device`);
    expect(device.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);

    const browser = newBrowser(t);
    const page = await browser.get('/auth/v3/device');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.text).toContain('Connect a device');
    const entered = await browser.post('/auth/v3/device').type('form').send({ xsrf: hiddenField(page.text, 'xsrf'), user_code: device.user_code.toLowerCase() });
    expect(entered.status).toBe(200);
    expect(entered.text).toContain('Wallboard TV');
    expect(entered.text).toContain(device.user_code);
    const done = await confirmAndSignIn(browser, entered.text);
    expect(done.status).toBe(200);
    expect(done.text).toContain('Device connected');

    const tokens = await oidc.pollDeviceAuthorizationGrant(cfg, { ...device, interval: 1 } as never);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.access_token).toEqual(expect.any(String));
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const metrics = (await t.request.get('/metrics')).text;
    expect(metrics).toMatch(/ccauth_authorization_flow_requests_total\{endpoint="device_authorization"\} [1-9]/);
    expect(metrics).toMatch(/ccauth_token_requests_total\{grant_type="urn:ietf:params:oauth:grant-type:device_code",outcome="success",error="none"\} 1/);
    const info = await t.request.get('/auth/v3/userinfo').set('Authorization', `Bearer ${tokens.access_token}`);
    expect(info.status).toBe(200);
    // the device code is a credential: stored as a digest, and sealed (AES-256-GCM) beside its user code, never in clear
    const clear = await t.db.knex('oidc_payloads').whereRaw('payload::text LIKE ?', [`%${device.device_code}%`]);
    expect(clear).toHaveLength(0);
    expect(await t.db.knex('oidc_payloads').where({ model: 'DeviceCode' }).count({ n: '*' }).first()).toMatchObject({ n: expect.anything() });
  });

  it('refuses a post without the CSRF token, and a wrong code with a message', async () => {
    const browser = newBrowser(t);
    await browser.get('/auth/v3/device');
    const noCsrf = await browser.post('/auth/v3/device').type('form').send({ user_code: 'BCDF-GHJK' });
    expect(noCsrf.status).toBe(400);
    expect(noCsrf.headers['content-type']).toMatch(/text\/html/);
    const wrong = await enterCode(browser, 'BCDF-GHJK');
    expect(wrong.status).toBe(400);
    expect(wrong.headers['content-type']).toMatch(/text\/html/);
    expect(wrong.text).toContain('That code is not valid or has expired');
  });

  it('locks the page for an address after repeated wrong codes (RFC 8628 §5.1)', async () => {
    const browser = newBrowser(t);
    // LOGIN_MAX_FAILURES (5) wrong codes, counting the one of the previous test from this address
    let last;
    for (let i = 0; i < 6; i++) last = await enterCode(browser, 'ZZZZ-ZZZZ');
    expect(last!.status).toBe(429);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    expect(last!.text).toContain('Too many wrong codes');
    // even a right code is refused while locked
    const device = await oidc.initiateDeviceAuthorization(await config(tv), { scope: 'openid' });
    expect((await enterCode(browser, device.user_code)).status).toBe(429);
  });
});

describe('pushed authorization requests (RFC 9126)', () => {
  it('is advertised, and openid-client\'s buildAuthorizationUrlWithPAR leads to the login page', async () => {
    const cfg = await config(portal);
    const meta = cfg.serverMetadata();
    expect(meta.pushed_authorization_request_endpoint).toBe(`${issuer}/auth/v3/oauth/par`);
    expect(meta.require_pushed_authorization_requests ?? false).toBe(false);
    const verifier = oidc.randomPKCECodeVerifier();
    const url = await oidc.buildAuthorizationUrlWithPAR(cfg, {
      redirect_uri: REDIRECT,
      scope: 'openid *',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'xyz',
    });
    expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    expect(url.searchParams.get('redirect_uri')).toBeNull();
    expect((await t.request.get('/metrics')).text).toMatch(/ccauth_authorization_flow_requests_total\{endpoint="par"\} [1-9]/);
    const browser = newBrowser(t);
    const a = await browser.get(`${url.pathname}${url.search}`);
    expect(a.status).toBe(303);
    const entry = await browser.get(pathOf(a.headers.location!));
    const signIn = await browser.get(pathOf(entry.headers.location!));
    expect(signIn.status).toBe(200);
    expect(signIn.text).toContain('Portal');
  });

  it('refuses an unregistered redirect URI at the PAR endpoint', async () => {
    const res = await t.request
      .post('/auth/v3/oauth/par')
      .set('Authorization', basic(portal.clientId, portal.secret))
      .type('form')
      .send({ response_type: 'code', client_id: portal.clientId, redirect_uri: 'https://evil.example/cb', scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(res.body.error_description).toMatch(/redirect_uri/);
  });

  it('makes a client with requirePushedAuthorizationRequests use PAR', async () => {
    const got = await t.request.get(`/auth/v3/ops/clients/${parOnly.clientId}`).set('Authorization', OPS_AUTH);
    expect(got.body.data.requirePushedAuthorizationRequests).toBe(true);
    const direct = await newBrowser(t).get(
      `/auth/v3/oauth/authorize?${new URLSearchParams({ client_id: parOnly.clientId, response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256', state: 's' })}`,
    );
    expect(direct.status).toBe(303);
    const cb = new URL(direct.headers.location!);
    expect(`${cb.origin}${cb.pathname}`).toBe(REDIRECT);
    expect(cb.searchParams.get('error')).toBe('invalid_request');
    expect(cb.searchParams.get('error_description')).toMatch(/pushed authorization request/i);
    const url = await oidc.buildAuthorizationUrlWithPAR(await config(parOnly), { redirect_uri: REDIRECT, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256', state: 's' });
    expect((await newBrowser(t).get(`${url.pathname}${url.search}`)).status).toBe(303);
  });
});
