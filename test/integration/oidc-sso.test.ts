/**
 * Single sign-on through a contact center's upstream OpenID Connect provider (README "Signing in"
 * → "Single sign-on"): configuration (secret sealed, never returned), the journey login page →
 * upstream authorize (code + PKCE S256 + state + nonce) → callback → code → tokens → userinfo, and
 * the refusals: an ID token with another nonce, audience or issuer, an unknown state, an upstream
 * error. The upstream is a small provider on loopback (test/helpers/fake-oidc-upstream.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';
import { createContactCenter } from '../helpers/fixtures.ts';
import { authorizeUrl, continuedTo, followInside, newBrowser, pathOf, pkce, postSignIn, startSignIn } from '../helpers/interaction-flow.ts';
import type { Browser } from '../helpers/interaction-flow.ts';
import { startFakeUpstream } from '../helpers/fake-oidc-upstream.ts';
import type { FakeUpstream } from '../helpers/fake-oidc-upstream.ts';

const REDIRECT = 'https://wwe.example.com/callback';
let t: TestApp;
let ccid: string;
let client: { clientId: string; secret: string };
let up: FakeUpstream;
const ops = () => basic(OPS.username, OPS.password);
const putIdp = (data: Record<string, unknown>) => t.request.put(`/environment/v3/contact-centers/${ccid}/identity-provider`).set('Authorization', ops()).send({ data });

beforeAll(async () => {
  t = await startTestApp();
  up = await startFakeUpstream();
  ({ ccid } = await createContactCenter(t.db.knex, { domains: ['o100'] }));
  client = await createClient(t, { client_id: 'workspace', redirectURIs: [REDIRECT] });
  const u = await t.request.post(`/environment/v3/contact-centers/${ccid}/users`).set('Authorization', ops()).send({ data: { username: 'agent', password: 'correct horse battery' } });
  expect(u.status).toBe(200);
}, 60_000);
afterAll(async () => {
  await up?.close();
  await t?.close();
});

/** authorize → login page → `o100\agent` without a password → upstream authorize → back at the callback. */
async function throughUpstream(): Promise<{ browser: Browser; verifier: string; callback: string }> {
  const browser = newBrowser(t);
  const { verifier, challenge } = pkce();
  const { page } = await startSignIn(browser, authorizeUrl({ clientId: client.clientId, redirectUri: REDIRECT, state: 's1', challenge }));
  const res = await postSignIn(browser, page, { username: 'o100\\agent', password: '' });
  expect(res.status, res.text).toBe(303);
  expect(res.headers.location!.startsWith(`${up.issuer}/authorize?`)).toBe(true);
  const upstream = await fetch(res.headers.location!, { redirect: 'manual' });
  expect(upstream.status).toBe(302);
  const callback = upstream.headers.get('location')!;
  expect(callback.startsWith(`http://ccauth.test/auth/v3/oidc/${ccid}/callback?`)).toBe(true);
  return { browser, verifier, callback };
}

async function lastRefusal() {
  return t.db.knex('audit_events').where({ action: 'sso.refused' }).orderBy('id', 'desc').first();
}

describe('configuration', () => {
  it('discovers the issuer, seals the client secret and never returns it', async () => {
    const res = await putIdp({ type: 'oidc', issuer: up.issuer, clientId: up.clientId, clientSecret: up.clientSecret, userMatch: 'username' });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toMatchObject({
      type: 'oidc',
      issuer: up.issuer,
      clientId: up.clientId,
      scope: 'openid profile email',
      usernameClaim: 'preferred_username',
      authorizationEndpoint: `${up.issuer}/authorize`,
      redirectUri: `http://ccauth.test/auth/v3/oidc/${ccid}/callback`,
      clientSecretSet: true,
    });
    const get = await t.request.get(`/environment/v3/contact-centers/${ccid}/identity-provider`).set('Authorization', ops());
    expect(JSON.stringify(get.body)).not.toContain(up.clientSecret);
    const row = await t.db.knex('identity_providers').where({ ccid }).first();
    expect(JSON.stringify(row)).not.toContain(up.clientSecret);
    expect(row.client_secret_sealed).toMatch(/^v1\./);
    const audit = await t.db.knex('audit_events').where({ action: 'identity_provider.set', target_id: ccid }).orderBy('id', 'desc').first();
    expect(JSON.stringify(audit)).not.toContain(up.clientSecret);
  });

  it('refuses an issuer whose discovery fails, and a new provider without a client secret', async () => {
    const bad = await putIdp({ type: 'oidc', issuer: 'http://127.0.0.1:1/nothing', clientId: 'x', clientSecret: 'y' });
    expect(bad.status).toBe(400);
    expect(bad.body.status.detail.errors[0].field).toBe('data.issuer');
    const t2 = await createContactCenter(t.db.knex, { domains: ['o200'] });
    const res = await t.request.put(`/environment/v3/contact-centers/${t2.ccid}/identity-provider`).set('Authorization', ops()).send({ data: { type: 'oidc', issuer: up.issuer, clientId: 'x' } });
    expect(res.status).toBe(400);
    expect(res.body.status.detail.errors).toEqual([{ field: 'data.clientSecret', message: 'required for a new OpenID Connect identity provider' }]);
  });

  it('auth-scheme answers oidc', async () => {
    const res = await t.request.post('/auth/v3/auth-scheme').send({ data: { userName: 'o100\\agent' } });
    expect(res.body).toEqual({ status: { code: 0 }, data: { scheme: 'oidc' } });
  });
});

describe('sign-in', () => {
  it('code + PKCE S256 + state + nonce to the upstream; back to the client with a code; userinfo shows the agent', async () => {
    const { browser, verifier, callback } = await throughUpstream();
    const sent = up.authorizeRequests.at(-1)!;
    expect(sent.get('response_type')).toBe('code');
    expect(sent.get('code_challenge_method')).toBe('S256');
    expect(sent.get('state')).toBeTruthy();
    expect(sent.get('nonce')).toBeTruthy();
    expect(sent.get('scope')).toBe('openid profile email');
    const cb = await browser.get(pathOf(callback));
    expect(continuedTo(cb)).toMatch(/^\/auth\/v3\/sign-in\/sso\?uid=/);
    const { location } = await followInside(browser, continuedTo(cb));
    const code = new URL(location!).searchParams.get('code')!;
    const tokens = await t.request.post('/auth/v3/oauth/token').set('Authorization', basic(client.clientId, client.secret)).type('form').send({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier });
    expect(tokens.status, tokens.text).toBe(200);
    const info = await t.request.get('/auth/v3/userinfo').set('Authorization', `Bearer ${tokens.body.access_token}`);
    expect(info.status).toBe(200);
    expect(info.body.username).toMatch(/agent/);
    const signedIn = await t.db.knex('audit_events').where({ action: 'sso.signed_in', target_id: ccid }).orderBy('id', 'desc').first();
    expect(signedIn.details).toMatchObject({ protocol: 'oidc', username: 'agent' });
  });

  it.each([
    ['another nonce', { nonce: 'not-the-one-sent' }, /claim nonce/],
    ['another audience', { aud: 'some-other-client' }, /claim aud/],
    ['another issuer', { iss: 'https://evil.example.com' }, /claim iss/],
  ])('refuses an ID token with %s', async (_name, overrides, reason) => {
    const { browser, callback } = await throughUpstream();
    up.nextIdToken = overrides;
    const cb = await browser.get(pathOf(callback));
    expect(cb.status).toBe(303);
    expect(cb.headers.location).toMatch(/^\/auth\/v3\/sign-in\?uid=.*&error=sso$/);
    expect((await lastRefusal()).details.reason).toMatch(reason);
    // nothing to take: the interaction cannot be finished
    const uid = new URL(cb.headers.location!, 'http://x').searchParams.get('uid')!;
    expect((await browser.get(`/auth/v3/sign-in/sso?uid=${uid}`)).status).toBe(400);
  });

  it('refuses a callback whose state names no request (400 page), and a replayed callback', async () => {
    const { browser, callback } = await throughUpstream();
    const forged = new URL(callback);
    forged.searchParams.set('state', 'forged-state');
    const res = await browser.get(pathOf(forged.href));
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toContain('text/html');
    expect((await lastRefusal()).details.reason).toMatch(/state/);
    expect(continuedTo(await browser.get(pathOf(callback)))).toMatch(/sign-in\/sso/);
    const replay = await browser.get(pathOf(callback));
    expect(replay.status).toBe(400);
  });

  it('an upstream error (access_denied) goes back to the form with an error', async () => {
    const { browser, callback } = await throughUpstream();
    const u = new URL(callback);
    u.searchParams.delete('code');
    u.searchParams.set('error', 'access_denied');
    const res = await browser.get(pathOf(u.href));
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/error=sso$/);
  });

  it('userMatch externalId: matches on sub; JIT provisioning creates the user from the ID token', async () => {
    expect((await putIdp({ type: 'oidc', issuer: up.issuer, clientId: up.clientId, userMatch: 'externalId', jitProvisioning: true })).status).toBe(200);
    up.user = { sub: 'sub-42', preferred_username: 'jit.agent', email: 'jit@corp.example.com', given_name: 'Jo', family_name: 'Tester' };
    const { browser, callback } = await throughUpstream();
    const cb = await browser.get(pathOf(callback));
    expect(continuedTo(cb)).toMatch(/^\/auth\/v3\/sign-in\/sso/);
    const user = await t.db.knex('users').where({ ccid, external_id: 'sub-42' }).first();
    expect(user).toMatchObject({ username: 'jit.agent', first_name: 'Jo', last_name: 'Tester', email: 'jit@corp.example.com' });
  });
});

describe('users externalId', () => {
  it('is unique per contact center (409 code 18 naming externalId), settable and clearable', async () => {
    const mk = (username: string) =>
      t.request.post(`/environment/v3/contact-centers/${ccid}/users`).set('Authorization', ops()).send({ data: { username, password: 'correct horse battery', externalId: 'ext-1' } });
    const first = await mk('ext.one');
    expect(first.status).toBe(200);
    expect(first.body.data.externalId).toBe('ext-1');
    const dup = await mk('ext.two');
    expect(dup.status).toBe(409);
    expect(dup.body.status).toMatchObject({ code: 18, message: expect.stringContaining('externalId') });
    const cleared = await t.request.put(`/environment/v3/contact-centers/${ccid}/users/${first.body.data.id}`).set('Authorization', ops()).send({ data: { externalId: null } });
    expect(cleared.status).toBe(200);
    expect(cleared.body.data.externalId).toBeNull();
  });
});
