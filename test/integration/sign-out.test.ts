/**
 * `/auth/v3/sign-out` (genesys-api.md §2 A7, A8; RFC 6750 §3.1): POST revokes this token's grant or,
 * with `global=true`, everything of the account; GET also ends the browser session and redirects
 * only to a registered redirect origin of the token's or the session's client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContactCenter } from '../helpers/fixtures.ts';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';
import { authorizeUrl, followInside, hiddenField, newBrowser, pkce, postSignIn, startSignIn } from '../helpers/interaction-flow.ts';
import type { Browser } from '../helpers/interaction-flow.ts';

const PASSWORD = 'Agent-Password-1';
const SIGN_OUT_CONFIRM = '/auth/v3/sign-out/confirm';
const REDIRECT = 'https://wwe.example.com/callback';
const OK = { status: { code: 0 } };

let t: TestApp;
let client: { clientId: string; secret: string };
let accountId: string;

beforeAll(async () => {
  t = await startTestApp();
  const cc = await createContactCenter(t.db.knex, { domains: ['t100'] });
  const res = await t.request
    .post(`/environment/v3/contact-centers/${cc.ccid}/users`)
    .set('Authorization', basic(OPS.username, OPS.password))
    .send({ data: { username: 'agent', password: PASSWORD } });
  accountId = `user:${res.body.data.id}`;
  client = await createClient(t, { client_id: 'workspace', redirectURIs: [REDIRECT] });
});
afterAll(async () => {
  await t.close();
});

/** A password-grant token set for t100\agent (its own grant). */
async function login(): Promise<{ access_token: string; refresh_token: string }> {
  const res = await t.request
    .post('/auth/v3/oauth/token')
    .set('Authorization', basic(client.clientId, client.secret))
    .type('form')
    .send({ grant_type: 'password', username: 't100\\agent', password: PASSWORD });
  expect(res.status).toBe(200);
  return res.body;
}

/** Whether an access token still works (the sign-out endpoint's own check is the token lookup). */
async function tokenAlive(token: string): Promise<boolean> {
  const res = await t.request
    .post('/auth/v3/oauth/introspect')
    .set('Authorization', basic(client.clientId, client.secret))
    .type('form')
    .send({ token });
  return res.body.active === true;
}

const signOut = (token: string | undefined, query = '') => {
  const req = t.request.post(`/auth/v3/sign-out${query}`);
  return token ? req.set('Authorization', `bearer ${token}`) : req;
};

/** The fields of the sign-out confirmation form, as the "Yes, sign me out" button posts them. */
function confirmFields(page: string): Record<string, string> {
  return { csrf: hiddenField(page, 'csrf'), global: hiddenField(page, 'global'), redirectUri: hiddenField(page, 'redirectUri'), logout: 'yes' };
}

/** Asserts the headers every browser page carries, and an HTML body. */
function expectHtmlPage(res: { headers: Record<string, string>; text: string }): void {
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(res.text).toMatch(/^<!doctype html>/i);
}

/** A browser signed in to the code flow as t100\agent, with the tokens the flow issued. */
async function browserSession(): Promise<{ browser: Browser; access_token: string }> {
  const browser = newBrowser(t);
  const { verifier, challenge } = pkce();
  const { page } = await startSignIn(browser, authorizeUrl({ clientId: client.clientId, redirectUri: REDIRECT, state: 's', challenge }));
  const post = await postSignIn(browser, page, { username: 't100\\agent', password: PASSWORD });
  const end = await followInside(browser, post.headers.location!);
  const tokens = await t.request
    .post('/auth/v3/oauth/token')
    .set('Authorization', basic(client.clientId, client.secret))
    .type('form')
    .send({ grant_type: 'authorization_code', code: new URL(end.location!).searchParams.get('code'), redirect_uri: REDIRECT, code_verifier: verifier });
  expect(tokens.status).toBe(200);
  return { browser, access_token: tokens.body.access_token };
}

const sessionRows = async () => (await t.db.knex('oidc_payloads').where({ model: 'Session', account_id: accountId })).length;

function expectEnvelope(res: { status: number; body: unknown; headers: Record<string, string> }, status = 200, body: unknown = OK): void {
  expect(res.status).toBe(status);
  expect(res.body).toEqual(body);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['content-type']).toMatch(/^application\/json/);
}

describe('POST /auth/v3/sign-out', () => {
  it('revokes this token\'s grant only (global absent or false), with a lowercase bearer scheme', async () => {
    const a = await login();
    const b = await login();
    const c = await login();
    expectEnvelope(await signOut(a.access_token));
    expectEnvelope(await signOut(b.access_token, '?global=false'));
    expect(await tokenAlive(a.access_token)).toBe(false);
    expect(await tokenAlive(b.access_token)).toBe(false);
    expect(await tokenAlive(c.access_token)).toBe(true);
    // the refresh token of the revoked grant is gone too
    const refresh = await t.request
      .post('/auth/v3/oauth/token')
      .set('Authorization', basic(client.clientId, client.secret))
      .type('form')
      .send({ grant_type: 'refresh_token', refresh_token: a.refresh_token });
    expect(refresh.status).toBe(400);
    expect(refresh.body.error).toBe('invalid_grant');
    // a second sign-out with the same token is refused: it no longer exists
    const again = await signOut(a.access_token);
    expect(again.status).toBe(401);
    expect(again.headers['www-authenticate']).toBe('Bearer realm="ccauth", error="invalid_token"');
  });

  it('revokes every grant and token of the account with global=true', async () => {
    const tokens = [await login(), await login(), await login()];
    expectEnvelope(await t.request.post('/auth/v3/sign-out?global=TRUE').set('Authorization', `Bearer ${tokens[0]!.access_token}`));
    for (const tk of tokens) expect(await tokenAlive(tk.access_token)).toBe(false);
    const left = await t.db.knex('oidc_payloads').where({ account_id: accountId }).count<{ count: string }[]>('* as count');
    expect(Number(left[0]!.count)).toBe(0);
  });

  it('revokes a client-credentials token itself', async () => {
    const cc = await t.request.post('/auth/v3/oauth/token').set('Authorization', basic(client.clientId, client.secret)).type('form').send({ grant_type: 'client_credentials' });
    expect(cc.status).toBe(200);
    expectEnvelope(await signOut(cc.body.access_token, '?global=true'));
    expect(await tokenAlive(cc.body.access_token)).toBe(false);
  });

  it('answers 401 without a token (no error code, RFC 6750 §3.1) and with a bad one (invalid_token)', async () => {
    const none = await signOut(undefined);
    expectEnvelope(none, 401, { status: { code: 20, message: 'a Bearer access token is required' } });
    expect(none.headers['www-authenticate']).toBe('Bearer realm="ccauth"');
    const basicAuth = await t.request.post('/auth/v3/sign-out').set('Authorization', basic('ops', 'ops'));
    expect(basicAuth.status).toBe(401);
    expect(basicAuth.headers['www-authenticate']).toBe('Bearer realm="ccauth"');
    // a token sent in a refused form: what was refused and why, not "required"
    expect(basicAuth.body.status.message).toBe('the Authorization header uses the "Basic" scheme, which this endpoint does not accept; send "Authorization: Bearer <token>"');
    const tk = await login();
    for (const method of ['post', 'get'] as const) {
      const query = await t.request[method](`/auth/v3/sign-out?access_token=${tk.access_token}`);
      expect(query.status).toBe(401);
      expect(query.body.status.message).toMatch(/^an access token in the URL query \(access_token=\.\.\.\) is not accepted \(RFC 6750 §2\.3/);
      expect(query.text).not.toContain(tk.access_token);
    }
    expect(await tokenAlive(tk.access_token)).toBe(true);
    const bad = await signOut('x'.repeat(43));
    expectEnvelope(bad, 401, { status: { code: 20, message: 'the access token is invalid, expired or revoked' } });
    expect(bad.headers['www-authenticate']).toBe('Bearer realm="ccauth", error="invalid_token"');
  });

  it('refuses a global value other than true/false (400 code 2) and revokes nothing', async () => {
    const tk = await login();
    const res = await signOut(tk.access_token, '?global=maybe');
    expectEnvelope(res, 400, { status: { code: 2, message: "parameter 'global' must be true or false" } });
    expect(await tokenAlive(tk.access_token)).toBe(true);
  });
});

describe('GET /auth/v3/sign-out', () => {
  it('redirects (303) to a redirectUri on a registered redirect origin of the token\'s client', async () => {
    const tk = await login();
    const target = 'https://wwe.example.com/signed-out?x=1';
    const res = await t.request.get(`/auth/v3/sign-out?redirectUri=${encodeURIComponent(target)}`).set('Authorization', `Bearer ${tk.access_token}`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(target);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(await tokenAlive(tk.access_token)).toBe(false);
  });

  it('never redirects elsewhere: it signs out and answers the envelope', async () => {
    const refused = [
      'https://evil.example.com/',
      'https://wwe.example.com.evil.com/',
      'http://wwe.example.com/callback', // another scheme is another origin
      'https://user@wwe.example.com/',
      'javascript:alert(1)',
      '//evil.example.com/',
      'com.example.app:/oauth',
    ];
    for (const target of refused) {
      const tk = await login();
      const res = await t.request.get(`/auth/v3/sign-out?redirectUri=${encodeURIComponent(target)}`).set('Authorization', `bearer ${tk.access_token}`);
      expect(res.status, target).toBe(200);
      expect(res.headers.location).toBeUndefined();
      expect(res.body.status.code).toBe(0);
      expect(res.body.status.message).toMatch(/redirectUri was not followed/);
      expect(await tokenAlive(tk.access_token)).toBe(false);
    }
  });

  it('with neither token nor session: nothing to end, no redirect', async () => {
    const res = await t.request.get(`/auth/v3/sign-out?redirectUri=${encodeURIComponent('https://wwe.example.com/')}`);
    expect(res.status).toBe(200);
    expect(res.headers.location).toBeUndefined();
    expect(res.body.status.code).toBe(0);
    const plain = await t.request.get('/auth/v3/sign-out');
    expectEnvelope(plain);
  });

  it('refuses a bad Bearer token with 401', async () => {
    const res = await t.request.get('/auth/v3/sign-out?redirectUri=https%3A%2F%2Fwwe.example.com%2F').set('Authorization', 'Bearer not-a-valid-token-000000000');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="ccauth", error="invalid_token"');
    expect(res.headers.location).toBeUndefined();
  });

  it('ends the browser session (cookie cleared, grant revoked) and redirects to the session client\'s origin', async () => {
    const browser = newBrowser(t);
    const { verifier, challenge } = pkce();
    const { page } = await startSignIn(browser, authorizeUrl({ clientId: client.clientId, redirectUri: REDIRECT, state: 's', challenge }));
    const post = await postSignIn(browser, page, { username: 't100\\agent', password: PASSWORD });
    const end = await followInside(browser, post.headers.location!);
    const code = new URL(end.location!).searchParams.get('code');
    const tokens = await t.request
      .post('/auth/v3/oauth/token')
      .set('Authorization', basic(client.clientId, client.secret))
      .type('form')
      .send({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier });
    expect(tokens.status).toBe(200);
    expect(await t.db.knex('oidc_payloads').where({ model: 'Session', account_id: accountId }).first()).toBeTruthy();

    const confirm = await browser.get(`/auth/v3/sign-out?redirectUri=${encodeURIComponent('https://wwe.example.com/bye')}`);
    expect(confirm.status).toBe(200);
    const res = await browser.post(SIGN_OUT_CONFIRM).type('form').send(confirmFields(confirm.text));
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('https://wwe.example.com/bye');
    const cleared = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('_session='))!;
    expect(cleared).toMatch(/expires=Thu, 01 Jan 1970/i);
    expect(await t.db.knex('oidc_payloads').where({ model: 'Session', account_id: accountId }).first()).toBeUndefined();
    // the session's grant went with it, and so did the code flow's tokens
    expect(await tokenAlive(tokens.body.access_token)).toBe(false);
    // the next authorize asks for the login page again
    const next = await browser.get(authorizeUrl({ clientId: client.clientId, redirectUri: REDIRECT, state: 's', challenge: pkce().challenge }));
    expect(next.status).toBe(303);
    expect(next.headers.location).toMatch(/^\/auth\/v3\/interaction\//);
  });
});

describe('GET /auth/v3/sign-out with only the session cookie (cross-site request forgery)', () => {
  it('changes nothing: it shows a confirmation page whose button carries a CSRF token', async () => {
    const { browser, access_token } = await browserSession();
    const elsewhere = await login(); // the same account on another device
    const sessions = await sessionRows();
    // what an attacker's page triggers with a top-level navigation: the Lax session cookie goes along
    const res = await browser.get(`/auth/v3/sign-out?global=true&redirectUri=${encodeURIComponent('https://wwe.example.com/bye')}`);
    expect(res.status).toBe(200);
    expectHtmlPage(res);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['content-security-policy']).toContain("form-action 'self' https://wwe.example.com");
    expect(res.text).toContain(`<form method="post" action="${SIGN_OUT_CONFIRM}">`);
    expect(res.text).toContain('every device');
    expect(hiddenField(res.text, 'global')).toBe('true');
    expect(hiddenField(res.text, 'redirectUri')).toBe('https://wwe.example.com/bye');
    expect(hiddenField(res.text, 'csrf')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await sessionRows()).toBe(sessions);
    expect(await tokenAlive(access_token)).toBe(true);
    expect(await tokenAlive(elsewhere.access_token)).toBe(true);

    // the button: everything of the account ends, then the redirect
    const done = await browser.post(SIGN_OUT_CONFIRM).type('form').send(confirmFields(res.text));
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('https://wwe.example.com/bye');
    expect(await sessionRows()).toBe(0);
    expect(await tokenAlive(access_token)).toBe(false);
    expect(await tokenAlive(elsewhere.access_token)).toBe(false);
  });

  it('refuses the confirmation without the token, with another session\'s token, or from another browser: 403 page, nothing ends', async () => {
    const { browser, access_token } = await browserSession();
    const page = (await browser.get('/auth/v3/sign-out?global=true')).text;
    const attacker = await browserSession(); // the attacker's own session and its valid form
    const attackerPage = (await attacker.browser.get('/auth/v3/sign-out?global=true')).text;
    const sessions = await sessionRows();
    for (const fields of [
      { ...confirmFields(page), csrf: '' },
      { global: 'true', redirectUri: '', logout: 'yes' },
      confirmFields(attackerPage),
      // the right token with its last character changed (to another one: a token may end in 'A')
      { ...confirmFields(page), csrf: `${hiddenField(page, 'csrf').slice(0, -1)}${hiddenField(page, 'csrf').endsWith('A') ? 'B' : 'A'}` },
    ]) {
      const res = await browser.post(SIGN_OUT_CONFIRM).type('form').send(fields);
      expect(res.status).toBe(403);
      expectHtmlPage(res);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    // a browser without the session cookie cannot use a stolen form either: there is no session to end
    const stranger = await newBrowser(t).post(SIGN_OUT_CONFIRM).type('form').send(confirmFields(page));
    expect(stranger.status).toBe(403);
    expect(await sessionRows()).toBe(sessions);
    expect(await tokenAlive(access_token)).toBe(true);
  });

  it('"No, stay signed in" keeps everything; without redirectUri the sign-out ends on a page, not JSON', async () => {
    const { browser, access_token } = await browserSession();
    const page = (await browser.get('/auth/v3/sign-out')).text;
    expect(page).not.toContain('every device');
    const { logout: _yes, ...stay } = confirmFields(page);
    const kept = await browser.post(SIGN_OUT_CONFIRM).type('form').send(stay);
    expect(kept.status).toBe(200);
    expectHtmlPage(kept);
    expect(kept.text).toContain('still signed in');
    expect(await tokenAlive(access_token)).toBe(true);

    const done = await browser.post(SIGN_OUT_CONFIRM).type('form').send(confirmFields(page));
    expect(done.status).toBe(200);
    expectHtmlPage(done);
    expect(done.text).toContain('You have been signed out');
    expect(await tokenAlive(access_token)).toBe(false);
    // the confirmation does not outlive its session
    const again = await browser.post(SIGN_OUT_CONFIRM).type('form').send(confirmFields(page));
    expect(again.status).toBe(403);
  });

  it('keeps the Bearer sign-out immediate (Genesys API), and refuses a redirectUri outside the client\'s origins after confirming', async () => {
    const tk = await login();
    const res = await t.request.get('/auth/v3/sign-out?global=true').set('Authorization', `Bearer ${tk.access_token}`);
    expectEnvelope(res);
    expect(await tokenAlive(tk.access_token)).toBe(false);

    const { browser, access_token } = await browserSession();
    const page = await browser.get(`/auth/v3/sign-out?redirectUri=${encodeURIComponent('https://evil.example.com/')}`);
    expect(page.headers['content-security-policy']).not.toContain('evil.example.com');
    const done = await browser.post(SIGN_OUT_CONFIRM).type('form').send(confirmFields(page.text));
    expect(done.status).toBe(200);
    expect(done.headers.location).toBeUndefined();
    expectHtmlPage(done);
    expect(await tokenAlive(access_token)).toBe(false);
  });
});
