/**
 * The browser flow (genesys-api.md §2 A1, A11, §7; RFC 6749 §4.1; RFC 7636): authorize → the
 * interaction entry → the login page `/auth/v3/sign-in` → consent for third-party clients → the
 * client's redirect URI with a code. Every step's status, headers and body are asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContactCenter } from '../helpers/fixtures.ts';
import type { ContactCenterFixture } from '../helpers/fixtures.ts';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';
import { authorizeUrl, followInside, hiddenField, newBrowser, pathOf, pkce, postSignIn, startSignIn } from '../helpers/interaction-flow.ts';
import type { Browser } from '../helpers/interaction-flow.ts';

const PASSWORD = 'Agent-Password-1';
const INTERNAL_REDIRECT = 'https://wwe.example.com/callback';
const CHAT_REDIRECT = 'https://chat.example.com/oauth/cb';
const BAD_CREDENTIALS_TEXT = 'The username or password is incorrect.';
const LOCKED_TEXT = 'Too many failed sign-in attempts. Wait a few minutes, then try again.';

let t: TestApp;
let cc: ContactCenterFixture;
let internal: { clientId: string; secret: string };
let chat: { clientId: string; secret: string };
let agentAccountId: string;

beforeAll(async () => {
  t = await startTestApp({ LOGIN_MAX_FAILURES: '3', LOGIN_LOCKOUT_SECONDS: '1', LOGIN_LOCKOUT_MAX_SECONDS: '1' });
  cc = await createContactCenter(t.db.knex, { domains: ['t100'] });
  for (const username of ['agent', 'locky', 'tenant-user', 'consenter']) {
    const res = await t.request
      .post(`/environment/v3/contact-centers/${cc.ccid}/users`)
      .set('Authorization', basic(OPS.username, OPS.password))
      .send({ data: { username, password: PASSWORD, firstName: 'Ann', lastName: username } });
    if (res.status !== 200) throw new Error(`user create failed: ${res.status} ${JSON.stringify(res.body)}`);
    if (username === 'agent') agentAccountId = `user:${res.body.data.id}`;
  }
  internal = await createClient(t, { client_id: 'workspace', name: 'Agent Workspace', internalClient: true, redirectURIs: [INTERNAL_REDIRECT] });
  chat = await createClient(t, {
    client_id: 'chat_widget',
    name: 'Chat <b>Widget</b> & "Co"',
    internalClient: false,
    authorities: [],
    redirectURIs: [CHAT_REDIRECT],
  });
});
afterAll(async () => {
  await t.close();
});

/** Asserts the headers every browser page carries. */
function expectPageHeaders(res: { headers: Record<string, string> }): void {
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  const csp = res.headers['content-security-policy']!;
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("base-uri 'none'");
  expect(csp).not.toContain('unsafe-inline');
}

/** Asserts an HTML page whose inline stylesheet is allowed by the CSP nonce. */
function expectHtmlPage(res: { headers: Record<string, string>; text: string }): void {
  expectPageHeaders(res);
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  const nonce = /style-src 'nonce-([^']+)'/.exec(res.headers['content-security-policy']!)?.[1];
  expect(nonce).toBeTruthy();
  expect(res.text).toContain(`<style nonce="${nonce}">`);
  expect(res.text).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
  expect(res.text).toContain('<p class="brand">ccauth</p>');
  expect(res.text).not.toContain('<script');
}

const internalAuthorize = (state: string, challenge: string, extra?: Record<string, string>) =>
  authorizeUrl({ clientId: internal.clientId, redirectUri: INTERNAL_REDIRECT, state, challenge, extra });
const chatAuthorize = (state: string, challenge: string) =>
  authorizeUrl({ clientId: chat.clientId, redirectUri: CHAT_REDIRECT, state, challenge, scope: 'openid offline_access *', extra: { prompt: 'consent' } });

/** The message in the page's error box, or undefined. */
const errorBox = (page: string) => /<div class="error" role="alert" id="signin-error">([^<]*)<\/div>/.exec(page)?.[1];

/** Follows a failed POST's 303 back to the form and returns the page. */
async function formAfter(browser: Browser, res: { status: number; headers: Record<string, string> }) {
  expect(res.status).toBe(303);
  const page = await browser.get(pathOf(res.headers.location!));
  expect(page.status).toBe(200);
  return page;
}

describe('login (internal client: consent implied)', () => {
  it('walks authorize → interaction → sign-in → redirect with code and state → tokens', async () => {
    const browser = newBrowser(t);
    const { verifier, challenge } = pkce();

    const authorize = await browser.get(internalAuthorize('state-123', challenge));
    expect(authorize.status).toBe(303);
    const entryPath = pathOf(authorize.headers.location!);
    expect(entryPath).toMatch(/^\/auth\/v3\/interaction\/[A-Za-z0-9_-]+$/);
    const uid = entryPath.split('/').pop()!;

    const entry = await browser.get(entryPath);
    expect(entry.status).toBe(303);
    expect(entry.headers.location).toBe(`/auth/v3/sign-in?uid=${uid}`);
    expectPageHeaders(entry);
    const shared = (entry.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('_interaction='))!;
    expect(shared).toMatch(/path=\/auth\/v3\/sign-in/);
    expect(shared).toMatch(/httponly/i);
    expect(shared).toMatch(/samesite=lax/i);

    const page = await browser.get(`/auth/v3/sign-in?uid=${uid}`);
    expect(page.status).toBe(200);
    expectHtmlPage(page);
    expect(page.headers['content-security-policy']).toContain("form-action 'self' https://wwe.example.com;");
    expect(page.text).toContain('<h1>Sign in</h1>');
    expect(page.text).toContain('<strong>Agent Workspace</strong>');
    expect(page.text).toContain('<form method="post" action="/auth/v3/sign-in">');
    expect(page.text).toContain('<label for="username">Username</label>');
    expect(page.text).toMatch(/<input id="username" name="username" type="text"[^>]*autocomplete="username"/);
    expect(page.text).toContain('<label for="tenant">Tenant');
    expect(page.text).toContain('<label for="password">Password</label>');
    expect(page.text).toMatch(/<input id="password" name="password" type="password" autocomplete="current-password"/);
    expect(page.text).toContain(`<a class="link" href="/auth/v3/interaction/${uid}/abort">Cancel</a>`);
    expect(hiddenField(page.text, 'uid')).toBe(uid);
    expect(hiddenField(page.text, 'csrf')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(errorBox(page.text)).toBeUndefined();

    const post = await postSignIn(browser, page.text, { username: 't100\\agent', password: PASSWORD });
    expect(post.status).toBe(303);
    expect(post.headers.location).toBe(`http://ccauth.test/auth/v3/oauth/authorize/${uid}`);
    expectPageHeaders(post);

    const resume = await browser.get(pathOf(post.headers.location!));
    expect(resume.status).toBe(303);
    const back = new URL(resume.headers.location!);
    expect(`${back.origin}${back.pathname}`).toBe(INTERNAL_REDIRECT);
    expect(back.searchParams.get('state')).toBe('state-123');
    expect(back.searchParams.get('iss')).toBe('http://ccauth.test');
    const code = back.searchParams.get('code')!;
    expect(code).toMatch(/^[A-Za-z0-9_-]{20,}$/);

    const token = await t.request
      .post('/auth/v3/oauth/token')
      .set('Authorization', basic(internal.clientId, internal.secret))
      .type('form')
      .send({ grant_type: 'authorization_code', code, redirect_uri: INTERNAL_REDIRECT, code_verifier: verifier });
    expect(token.status).toBe(200);
    expect(token.body).toMatchObject({ token_type: 'bearer', scope: 'openid *', expires_in: 43200 });
    const claims = JSON.parse(Buffer.from(token.body.id_token.split('.')[1], 'base64url').toString());
    expect(claims.sub).toBe(agentAccountId);

    // the browser session now skips the login page: straight back with a code
    const again = await browser.get(internalAuthorize('state-2', pkce().challenge));
    expect(again.status).toBe(303);
    expect(new URL(again.headers.location!).searchParams.get('state')).toBe('state-2');
    expect(new URL(again.headers.location!).searchParams.get('code')).toBeTruthy();
  });

  it('accepts a username plus a separate tenant field (case-insensitive domain and user)', async () => {
    const browser = newBrowser(t);
    const { page } = await startSignIn(browser, internalAuthorize('s', pkce().challenge));
    const post = await postSignIn(browser, page, { username: 'Tenant-User', tenant: 'T100', password: PASSWORD });
    expect(post.status).toBe(303);
    const end = await followInside(browser, post.headers.location!);
    expect(new URL(end.location!).searchParams.get('code')).toBeTruthy();
  });

  it('gives a wrong password and an unknown user the same error, in place', async () => {
    const browser = newBrowser(t);
    const { uid, page } = await startSignIn(browser, internalAuthorize('s', pkce().challenge));
    const wrongPassword = await postSignIn(browser, page, { username: 't100\\agent', password: 'not-the-password' });
    const unknownUser = await postSignIn(browser, page, { username: 't100\\nobody', password: PASSWORD });
    const unknownDomain = await postSignIn(browser, page, { username: 'nowhere\\agent', password: PASSWORD });
    const pages = [];
    for (const res of [wrongPassword, unknownUser, unknownDomain]) {
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/auth/v3/sign-in?uid=${uid}&error=credentials`);
      pages.push(await formAfter(browser, res));
    }
    for (const p of pages) {
      expectHtmlPage(p);
      expect(errorBox(p.text)).toBe(BAD_CREDENTIALS_TEXT);
      expect(p.text).toContain('aria-invalid="true"');
    }
    // the same page, apart from the per-response nonce
    const strip = (s: string) => s.replace(/nonce="[^"]+"/, '');
    expect(strip(pages[1]!.text)).toBe(strip(pages[0]!.text));
    expect(strip(pages[2]!.text)).toBe(strip(pages[0]!.text));
  });

  it('asks for both fields when one is empty', async () => {
    const browser = newBrowser(t);
    const { uid, page } = await startSignIn(browser, internalAuthorize('s', pkce().challenge));
    const res = await postSignIn(browser, page, { username: 't100\\agent', password: '' });
    expect(res.headers.location).toBe(`/auth/v3/sign-in?uid=${uid}&error=missing`);
    expect(errorBox((await formAfter(browser, res)).text)).toBe('Enter your username and password.');
  });

  it('ignores unknown error codes in the query and escapes nothing it was not given', async () => {
    const browser = newBrowser(t);
    const { uid } = await startSignIn(browser, internalAuthorize('s', pkce().challenge));
    const page = await browser.get(`/auth/v3/sign-in?uid=${uid}&error=%3Cscript%3Ealert(1)%3C%2Fscript%3E`);
    expect(page.status).toBe(200);
    expect(errorBox(page.text)).toBeUndefined();
    expect(page.text).not.toContain('alert(1)');
  });
});

describe('CSRF protection of the login form', () => {
  it('refuses a post without the token with a 403 page', async () => {
    const browser = newBrowser(t);
    const { uid } = await startSignIn(browser, internalAuthorize('s', pkce().challenge));
    const res = await browser.post('/auth/v3/sign-in').type('form').send({ uid, username: 't100\\agent', password: PASSWORD });
    expect(res.status).toBe(403);
    expectHtmlPage(res);
    expect(res.text).toContain('<h1>Request refused</h1>');
    expect(res.headers.location).toBeUndefined();
  });

  it('refuses a wrong token, and the token of another interaction', async () => {
    const browser = newBrowser(t);
    const other = newBrowser(t);
    const mine = await startSignIn(browser, internalAuthorize('s', pkce().challenge));
    const theirs = await startSignIn(other, internalAuthorize('s', pkce().challenge));
    const wrong = await browser.post('/auth/v3/sign-in').type('form').send({ uid: mine.uid, csrf: 'x'.repeat(43), username: 't100\\agent', password: PASSWORD });
    const foreign = await browser
      .post('/auth/v3/sign-in')
      .type('form')
      .send({ uid: mine.uid, csrf: hiddenField(theirs.page, 'csrf'), username: 't100\\agent', password: PASSWORD });
    const foreignUid = await browser
      .post('/auth/v3/sign-in')
      .type('form')
      .send({ uid: theirs.uid, csrf: hiddenField(theirs.page, 'csrf'), username: 't100\\agent', password: PASSWORD });
    for (const res of [wrong, foreign, foreignUid]) {
      expect(res.status).toBe(403);
      expectHtmlPage(res);
    }
    // the right token still works afterwards
    const ok = await postSignIn(browser, mine.page, { username: 't100\\agent', password: PASSWORD });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe(`http://ccauth.test/auth/v3/oauth/authorize/${mine.uid}`);
  });

  it('answers a post from a browser without the interaction cookie with the expired page (400)', async () => {
    const browser = newBrowser(t);
    const { page } = await startSignIn(browser, internalAuthorize('s', pkce().challenge));
    const res = await postSignIn(newBrowser(t), page, { username: 't100\\agent', password: PASSWORD });
    expect(res.status).toBe(400);
    expectHtmlPage(res);
    expect(res.text).toContain('<h1>Sign-in expired</h1>');
  });
});

describe('lockout after repeated failures (LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_SECONDS=1)', () => {
  it('locks the name after 3 failures, refuses the right password until the lock ends, then lets it in', async () => {
    const browser = newBrowser(t);
    const { uid, page } = await startSignIn(browser, internalAuthorize('s', pkce().challenge));
    const fail = () => postSignIn(browser, page, { username: 't100\\Locky', password: 'wrong-password' });
    expect((await fail()).headers.location).toBe(`/auth/v3/sign-in?uid=${uid}&error=credentials`);
    expect((await fail()).headers.location).toBe(`/auth/v3/sign-in?uid=${uid}&error=credentials`);
    const third = await fail();
    expect(third.headers.location).toBe(`/auth/v3/sign-in?uid=${uid}&error=locked`);
    expect(errorBox((await formAfter(browser, third)).text)).toBe(LOCKED_TEXT);

    // the right password (any spelling of the name) is refused while locked
    const refused = await postSignIn(browser, page, { username: 'T100\\locky', password: PASSWORD });
    expect(refused.status).toBe(303);
    expect(refused.headers.location).toBe(`/auth/v3/sign-in?uid=${uid}&error=locked`);
    // other names are not affected
    const agentBrowser = newBrowser(t);
    const agent = await startSignIn(agentBrowser, internalAuthorize('s', pkce().challenge));
    expect((await postSignIn(agentBrowser, agent.page, { username: 't100\\agent', password: PASSWORD })).headers.location).toMatch(/\/auth\/v3\/oauth\/authorize\//);

    // stored by digest only: no login name in the table
    const rows = await t.db.knex('login_attempts').select('*');
    expect(JSON.stringify(rows)).not.toMatch(/locky/i);
    expect(rows.some((r: { failures: number; locked_until: Date | null }) => r.failures === 3 && r.locked_until !== null)).toBe(true);

    await new Promise((r) => setTimeout(r, 1300));
    const ok = await postSignIn(browser, page, { username: 't100\\locky', password: PASSWORD });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe(`http://ccauth.test/auth/v3/oauth/authorize/${uid}`);
    // success forgets the failures
    expect(JSON.stringify(await t.db.knex('login_attempts').select('*'))).not.toContain('"failures":3');
  });
});

describe('consent (third-party client)', () => {
  async function signInToChat(browser: Browser, state: string) {
    const { challenge, verifier } = pkce();
    const { page } = await startSignIn(browser, chatAuthorize(state, challenge));
    expect(page).toContain('<strong>Chat &lt;b&gt;Widget&lt;/b&gt; &amp; &quot;Co&quot;</strong>');
    const post = await postSignIn(browser, page, { username: 't100\\consenter', password: PASSWORD });
    expect(post.status).toBe(303);
    const resume = await browser.get(pathOf(post.headers.location!));
    expect(resume.status).toBe(303);
    const consentPath = pathOf(resume.headers.location!);
    expect(consentPath).toMatch(/^\/auth\/v3\/interaction\/[A-Za-z0-9_-]+$/);
    const consent = await browser.get(consentPath);
    return { consent, consentPath, verifier };
  }

  it('shows the consent page, refuses it without the CSRF token, and on Allow redirects with a code', async () => {
    const browser = newBrowser(t);
    const { consent, consentPath, verifier } = await signInToChat(browser, 'chat-state');
    expect(consent.status).toBe(200);
    expectHtmlPage(consent);
    expect(consent.headers['content-security-policy']).toContain("form-action 'self' https://chat.example.com;");
    expect(consent.text).toContain('<h1>Allow Chat &lt;b&gt;Widget&lt;/b&gt; &amp; &quot;Co&quot;?</h1>');
    expect(consent.text).not.toContain('<b>Widget</b>');
    expect(consent.text).toContain('<li>Use the contact-center APIs on your behalf</li>');
    expect(consent.text).toContain('<li>Know who you are (your user id)</li>');
    expect(consent.text).toContain('<li>Stay connected when you are not using it (refresh tokens)</li>');
    expect(consent.text).toContain('Signed in as <strong>Ann consenter</strong>');
    expect(consent.text).toContain(`<form method="post" action="${consentPath}/consent">`);
    expect(consent.text).toContain(`formaction="${consentPath}/abort"`);

    const noToken = await browser.post(`${consentPath}/consent`).type('form').send({ uid: hiddenField(consent.text, 'uid') });
    expect(noToken.status).toBe(403);
    expectHtmlPage(noToken);
    // a login token does not pass as a consent token
    const loginBrowser = newBrowser(t);
    const login = await startSignIn(loginBrowser, internalAuthorize('x', pkce().challenge));
    const wrongPurpose = await browser.post(`${consentPath}/consent`).type('form').send({ uid: hiddenField(consent.text, 'uid'), csrf: hiddenField(login.page, 'csrf') });
    expect(wrongPurpose.status).toBe(403);

    const allow = await browser.post(`${consentPath}/consent`).type('form').send({ uid: hiddenField(consent.text, 'uid'), csrf: hiddenField(consent.text, 'csrf') });
    expect(allow.status).toBe(303);
    expectPageHeaders(allow);
    const end = await followInside(browser, allow.headers.location!);
    const back = new URL(end.location!);
    expect(`${back.origin}${back.pathname}`).toBe(CHAT_REDIRECT);
    expect(back.searchParams.get('state')).toBe('chat-state');
    const token = await t.request
      .post('/auth/v3/oauth/token')
      .set('Authorization', basic(chat.clientId, chat.secret))
      .type('form')
      .send({ grant_type: 'authorization_code', code: back.searchParams.get('code'), redirect_uri: CHAT_REDIRECT, code_verifier: verifier });
    expect(token.status).toBe(200);
    expect(token.body.scope).toBe('openid offline_access *');
    expect(token.body.refresh_token).toEqual(expect.any(String));
  });

  it('Deny sends access_denied back to the client (303)', async () => {
    const browser = newBrowser(t);
    const { consent, consentPath } = await signInToChat(browser, 'deny-state');
    const deny = await browser.post(`${consentPath}/abort`).type('form').send({ uid: hiddenField(consent.text, 'uid'), csrf: hiddenField(consent.text, 'csrf') });
    expect(deny.status).toBe(303);
    const end = await followInside(browser, deny.headers.location!);
    const back = new URL(end.location!);
    expect(`${back.origin}${back.pathname}`).toBe(CHAT_REDIRECT);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe('deny-state');
    expect(back.searchParams.get('code')).toBeNull();
  });

  it('skips consent for an internal client', async () => {
    const browser = newBrowser(t);
    const { page } = await startSignIn(browser, internalAuthorize('internal', pkce().challenge));
    const post = await postSignIn(browser, page, { username: 't100\\consenter', password: PASSWORD });
    const resume = await browser.get(pathOf(post.headers.location!));
    expect(resume.status).toBe(303);
    expect(resume.headers.location!.startsWith(`${INTERNAL_REDIRECT}?code=`)).toBe(true);

    // even prompt=consent shows no page to an internal client: the entry approves and moves on
    const again = await browser.get(internalAuthorize('again', pkce().challenge, { prompt: 'consent', scope: 'openid offline_access *' }));
    expect(again.status).toBe(303);
    const entry = await browser.get(pathOf(again.headers.location!));
    expect(entry.status).toBe(303);
    expectPageHeaders(entry);
    expect(entry.headers.location).toMatch(/^http:\/\/ccauth\.test\/auth\/v3\/oauth\/authorize\//);
    const end = await followInside(browser, entry.headers.location!);
    expect(new URL(end.location!).searchParams.get('state')).toBe('again');
    expect(new URL(end.location!).searchParams.get('code')).toBeTruthy();
  });
});

describe('hideTenant', () => {
  it('hides the tenant field and ignores a posted tenant when hideTenant=true (any case)', async () => {
    const browser = newBrowser(t);
    const { uid, page } = await startSignIn(browser, internalAuthorize('s', pkce().challenge, { hideTenant: 'TRUE' }));
    expect(page).not.toContain('name="tenant"');
    expect(page).not.toContain('<label for="tenant"');
    expect(page).toContain('As domain\\user, for example t100\\agent');
    const res = await postSignIn(browser, page, { username: 'agent', tenant: 't100', password: PASSWORD });
    expect(res.headers.location).toBe(`/auth/v3/sign-in?uid=${uid}&error=credentials`);
    const ok = await postSignIn(browser, page, { username: 't100\\agent', password: PASSWORD });
    expect(ok.headers.location).toBe(`http://ccauth.test/auth/v3/oauth/authorize/${uid}`);
  });

  it('shows the tenant field when hideTenant is false or absent', async () => {
    for (const extra of [{ hideTenant: 'false' }, undefined]) {
      const { page } = await startSignIn(newBrowser(t), internalAuthorize('s', pkce().challenge, extra));
      expect(page).toContain('<input id="tenant" name="tenant" type="text"');
    }
  });
});

describe('cancel, expiry and unknown interactions', () => {
  it('Cancel (GET abort) sends access_denied and the state back to the client', async () => {
    const browser = newBrowser(t);
    const { uid } = await startSignIn(browser, internalAuthorize('cancel-state', pkce().challenge));
    const abort = await browser.get(`/auth/v3/interaction/${uid}/abort`);
    expect(abort.status).toBe(303);
    expectPageHeaders(abort);
    const end = await followInside(browser, abort.headers.location!);
    const back = new URL(end.location!);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe('cancel-state');
  });

  it('answers an unknown or foreign interaction with the expired page (400)', async () => {
    const browser = newBrowser(t);
    const { uid } = await startSignIn(browser, internalAuthorize('s', pkce().challenge));
    const cases = [
      await newBrowser(t).get(`/auth/v3/sign-in?uid=${uid}`), // no cookie
      await browser.get('/auth/v3/sign-in?uid=someone-elses-interaction'), // not this browser's
      await browser.get('/auth/v3/sign-in'), // no uid
      await browser.get('/auth/v3/interaction/unknown-uid'),
      await browser.get('/auth/v3/interaction/unknown-uid/abort'),
    ];
    for (const res of cases) {
      expect(res.status).toBe(400);
      expectHtmlPage(res);
      expect(res.text).toContain('<h1>Sign-in expired</h1>');
    }
  });

  it('sends a finished interaction back to the expired page', async () => {
    const browser = newBrowser(t);
    const { uid, page } = await startSignIn(browser, internalAuthorize('s', pkce().challenge));
    const post = await postSignIn(browser, page, { username: 't100\\agent', password: PASSWORD });
    await followInside(browser, post.headers.location!);
    const again = await postSignIn(browser, page, { username: 't100\\agent', password: PASSWORD });
    expect(again.status).toBe(400);
    const view = await browser.get(`/auth/v3/sign-in?uid=${uid}`);
    expect(view.status).toBe(400);
  });
});

describe('RP-initiated logout pages (/auth/v3/oauth/logout)', () => {
  it('renders the confirmation and the signed-out page with the page headers', async () => {
    const browser = newBrowser(t);
    const { page } = await startSignIn(browser, internalAuthorize('s', pkce().challenge));
    const post = await postSignIn(browser, page, { username: 't100\\agent', password: PASSWORD });
    await followInside(browser, post.headers.location!);

    const confirm = await browser.get(`/auth/v3/oauth/logout?client_id=${internal.clientId}`);
    expect(confirm.status).toBe(200);
    expectHtmlPage(confirm);
    expect(confirm.text).toContain('<h1>Sign out</h1>');
    expect(confirm.text).toContain('<strong>Agent Workspace</strong> asks to sign you out.');
    expect(confirm.text).toMatch(/<form id="op.logoutForm" method="post" action="[^"]*\/auth\/v3\/oauth\/logout\/confirm"><input type="hidden" name="xsrf" value="[^"]+"\/><\/form>/);
    expect(confirm.text).toContain('<button class="primary" type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Yes, sign me out</button>');

    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.text)![1]!;
    const done = await browser.post('/auth/v3/oauth/logout/confirm').type('form').send({ xsrf, logout: 'yes' });
    expect(done.status).toBe(303);
    const success = await browser.get(pathOf(done.headers.location!));
    expect(success.status).toBe(200);
    expectHtmlPage(success);
    expect(success.text).toContain('<h1>Signed out</h1>');
    // a full logout (logout=yes) does not forward the client_id, so the page names no client
    expect(success.text).toContain('<p>You have been signed out. You can close this window.</p>');

    // the session is gone: authorize asks for the login page again
    const next = await browser.get(internalAuthorize('s', pkce().challenge));
    expect(pathOf(next.headers.location!)).toMatch(/^\/auth\/v3\/interaction\//);
  });
});
