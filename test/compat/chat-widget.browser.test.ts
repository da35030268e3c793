/**
 * A chat widget in a real browser: a static page on a second loopback origin
 * (`http://127.0.0.1:<port>`, while the issuer is `http://localhost:<port>`) using oidc-client-ts'
 * browser bundle from node_modules, configured as its README shows (`authority`, `client_id`,
 * `redirect_uri`, `post_logout_redirect_uri`, `response_type: "code"`,
 * `scope: "openid profile email offline_access"`, `loadUserInfo`, `revokeTokensOnSignout`).
 * Headless Chromium (Debian's, `/usr/bin/chromium` or CHROMIUM_PATH) via playwright-core, one
 * browser for the file. The widget's origin is the `cors-origins` setting of its client's contact
 * center (README "CORS"); the client is PUBLIC (a page keeps no secret), so PKCE is required.
 *
 * Rows of docs/compatibility.md (test/compat/helpers/matrix.ts). The tests run in order on one
 * browser context (sign in → userinfo → silent renew → sign out); the consent Deny uses its own.
 * Skipped with the reason when Chromium is missing, except under CI (.ci/run installs it).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { basic } from '../helpers/test-app.ts';
import { AGENT, listenLoopback, startCompatServer } from './helpers/compat-server.ts';
import type { CompatServer } from './helpers/compat-server.ts';
import { compatTest } from './helpers/matrix.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SKIP_REASON = `no Chromium at ${CHROMIUM}; install it with "apt-get install -y chromium" (or set CHROMIUM_PATH)`;
if (!HAVE_CHROMIUM) {
  if (process.env.CI) throw new Error(`test/compat/chat-widget.browser.test.ts: ${SKIP_REASON}`);
  console.warn(`test/compat/chat-widget.browser.test.ts skipped: ${SKIP_REASON}`);
}
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const BUNDLE = readFileSync(path.resolve(import.meta.dirname, '../../node_modules/oidc-client-ts/dist/browser/oidc-client-ts.min.js'), 'utf8');
const CLIENT_ID = 'chat-widget';

/** What the widget pages leave in `window.widgetResult`. */
interface WidgetResult {
  ok: boolean;
  error?: string;
  message?: string;
  user?: { access_token: string; refresh_token?: string; id_token?: string; scope?: string; profile: Record<string, unknown> };
}

let s: CompatServer;
let widget: { port: number; close(): Promise<void> };
let origin: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let rs: { clientId: string; secret: string };
let signedIn: NonNullable<WidgetResult['user']> | undefined;
const consoleLines: string[] = [];

/** The widget's script: oidc-client-ts' README settings, one UserManager on `window`. */
function widgetScript(): string {
  const settings = {
    authority: s.issuer,
    client_id: CLIENT_ID,
    redirect_uri: `${origin}/callback.html`,
    post_logout_redirect_uri: `${origin}/signed-out.html`,
    response_type: 'code',
    scope: 'openid profile email offline_access',
    loadUserInfo: true,
    revokeTokensOnSignout: true,
  };
  return `window.userManager = new oidc.UserManager(${JSON.stringify(settings)});
window.toResult = (user) => ({ ok: true, user: { access_token: user.access_token, refresh_token: user.refresh_token, id_token: user.id_token, scope: user.scope, profile: user.profile } });
window.toError = (e) => ({ ok: false, error: e && e.error, message: String(e && e.message) });`;
}

const html = (title: string, body: string) =>
  `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title><script src="/oidc-client-ts.js"></script><script src="/widget.js"></script></head><body><h1>${title}</h1>${body}</body></html>`;

/** The widget's static files. */
const PAGES: Record<string, () => string> = {
  '/index.html': () => html('Chat', '<p>chat widget</p>'),
  '/callback.html': () => html('Signing in', '<script>userManager.signinRedirectCallback().then((u) => { window.widgetResult = toResult(u); }, (e) => { window.widgetResult = toError(e); });</script>'),
  '/signed-out.html': () => html('Signed out', '<script>userManager.signoutRedirectCallback().then(() => { window.widgetResult = { ok: true }; }, (e) => { window.widgetResult = toError(e); });</script>'),
};

/** Waits for the widget page to report, and returns its result. */
async function widgetResult(p: Page): Promise<WidgetResult> {
  await p.waitForFunction(() => (window as unknown as { widgetResult?: unknown }).widgetResult !== undefined, undefined, { timeout: 15_000 });
  return p.evaluate(() => (window as unknown as { widgetResult: WidgetResult }).widgetResult);
}

/** RFC 7662 introspection by a resource server. */
async function introspect(token: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${s.issuer}/auth/v3/oauth/introspect`, {
    method: 'POST',
    headers: { authorization: basic(rs.clientId, rs.secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }),
  });
  return (await res.json()) as Record<string, unknown>;
}

/** Opens the widget in `ctx` and starts `signinRedirect()`; resolves on ccauth's login page. */
async function startSignIn(ctx: BrowserContext): Promise<Page> {
  const p = await ctx.newPage();
  p.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()} (${m.location().url})`));
  await p.goto(`${origin}/index.html`);
  await p.evaluate(() => void (window as unknown as { userManager: { signinRedirect(): Promise<void> } }).userManager.signinRedirect());
  // ccauth's login page, or straight back to the widget when the authorization request is refused
  await p.waitForURL((u) => u.toString().startsWith(`${s.issuer}/auth/v3/sign-in`) || u.toString().startsWith(`${origin}/callback.html`), { timeout: 15_000 });
  if (p.url().startsWith(origin)) throw new Error(`the authorization request came straight back to the widget: ${p.url()}`);
  return p;
}

/** Fills ccauth's login page as the agent and waits for the consent page. */
async function signInToConsent(p: Page): Promise<void> {
  await p.getByLabel('Username').fill(AGENT.login);
  await p.getByLabel('Password').fill(AGENT.password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.waitForURL((u) => u.toString().startsWith(`${s.issuer}/auth/v3/interaction/`), { timeout: 15_000 });
  await p.getByRole('button', { name: 'Allow' }).waitFor({ timeout: 10_000 });
}

describe.skipIf(!HAVE_CHROMIUM)(`chat widget with oidc-client-ts in headless Chromium (skipped when ${CHROMIUM} is missing)`, () => {
  beforeAll(async () => {
    widget = await listenLoopback((req, res) => {
      const url = new URL(req.url ?? '/', 'http://widget');
      if (url.pathname === '/oidc-client-ts.js' || url.pathname === '/widget.js') {
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
        return res.end(url.pathname === '/widget.js' ? widgetScript() : BUNDLE);
      }
      if (url.pathname === '/favicon.ico') return res.writeHead(204).end();
      const page = PAGES[url.pathname];
      res.writeHead(page ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page ? page() : 'not found');
    });
    origin = `http://127.0.0.1:${widget.port}`;
    s = await startCompatServer({ corsOrigins: [origin] });
    await s.createClient({
      client_id: CLIENT_ID,
      name: 'Web Chat',
      clientType: 'PUBLIC',
      authorizedGrantTypes: ['authorization_code', 'refresh_token'],
      redirectURIs: [`${origin}/callback.html`, `${origin}/signed-out.html`],
    });
    rs = await s.createClient({ client_id: 'widget-rs', name: 'Chat back end', authorities: ['ROLE_RESOURCE_SERVER'], authorizedGrantTypes: ['client_credentials'] });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    context = await browser.newContext();
  }, 90_000);

  afterAll(async () => {
    if (consoleLines.some((l) => l.startsWith('error'))) console.warn(`widget console:\n${consoleLines.join('\n')}`);
    await browser?.close();
    await widget?.close();
    await s?.close();
  });

  compatTest('widget-code-pkce', async () => {
    page = await startSignIn(context);
    const authorize = new URL(page.url());
    expect(authorize.origin).toBe(s.issuer);
    await signInToConsent(page);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((u) => u.toString().startsWith(`${origin}/callback.html`), { timeout: 15_000 });
    const result = await widgetResult(page);
    expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
    signedIn = result.user!;
    // offline_access is honoured as a refresh token; OpenID Connect Core §11 lets the provider leave
    // it out of the granted scope when the request had no prompt=consent, as oidc-provider does
    expect(signedIn.scope?.split(' ')).toEqual(expect.arrayContaining(['openid', 'profile', 'email']));
    expect(signedIn.refresh_token).toEqual(expect.any(String));
    // ID token claims merged with /auth/v3/openid/userinfo (loadUserInfo), fetched cross-origin
    expect(signedIn.profile).toMatchObject({ iss: s.issuer, aud: CLIENT_ID, given_name: AGENT.firstName, family_name: AGENT.lastName, email: AGENT.email });
  });

  compatTest('widget-userinfo-cors', async () => {
    expect(signedIn, 'needs the sign-in of the first test').toBeDefined();
    expect(new URL(page.url()).origin).toBe(origin);
    const calls = await page.evaluate(
      async ({ issuer, token }) => {
        const out: Record<string, { status: number; body: unknown }> = {};
        for (const route of ['/auth/v3/userinfo', '/auth/v3/openid/userinfo']) {
          const res = await fetch(issuer + route, { headers: { Authorization: `Bearer ${token}` } });
          out[route] = { status: res.status, body: await res.json() };
        }
        return out;
      },
      { issuer: s.issuer, token: signedIn!.access_token },
    );
    expect(calls['/auth/v3/userinfo']).toMatchObject({ status: 200, body: { loginName: AGENT.username, contactCenterId: s.ccid, dbid: s.dbid } });
    expect(calls['/auth/v3/openid/userinfo']).toMatchObject({ status: 200, body: { sub: signedIn!.profile.sub, email: AGENT.email, contact_center_id: s.ccid } });
    // the browser read them because ccauth named the widget's origin, and only it: an origin the
    // contact center does not list gets no Access-Control-Allow-Origin
    for (const [from, allowed] of [[origin, origin], ['http://127.0.0.1:9', null]] as const) {
      const res = await fetch(`${s.issuer}/auth/v3/userinfo`, { headers: { authorization: `Bearer ${signedIn!.access_token}`, origin: from } });
      expect(res.headers.get('access-control-allow-origin'), from).toBe(allowed);
    }
  });

  compatTest('widget-silent-renew', async () => {
    expect(signedIn, 'needs the sign-in of the first test').toBeDefined();
    const renewed = await page.evaluate(async () => {
      const w = window as unknown as { userManager: { signinSilent(): Promise<unknown> }; toResult(u: unknown): WidgetResult; toError(e: unknown): WidgetResult };
      return w.userManager.signinSilent().then(w.toResult, w.toError);
    });
    expect(renewed, JSON.stringify(renewed)).toMatchObject({ ok: true });
    expect(renewed.user!.access_token).not.toBe(signedIn!.access_token);
    expect(renewed.user!.refresh_token).not.toBe(signedIn!.refresh_token);
    expect(renewed.user!.profile).toMatchObject({ sub: signedIn!.profile.sub });
    expect(await introspect(renewed.user!.access_token)).toMatchObject({ active: true, client_id: CLIENT_ID });
    signedIn = renewed.user!;
  });

  compatTest('widget-signout', async () => {
    expect(signedIn, 'needs the sign-in of the first test').toBeDefined();
    const { access_token: accessToken, refresh_token: refreshToken } = signedIn!;
    expect(await introspect(accessToken)).toMatchObject({ active: true });
    const started = page.evaluate(async () => {
      const w = window as unknown as { userManager: { signoutRedirect(): Promise<void> }; toError(e: unknown): WidgetResult };
      // resolves only if signoutRedirect fails before it navigates away
      return w.userManager.signoutRedirect().then(() => undefined, w.toError);
    });
    const leftForLogout = page.waitForURL((u) => u.toString().startsWith(`${s.issuer}/auth/v3/oauth/logout`), { timeout: 15_000 });
    const failed = await Promise.race([started.catch(() => undefined), leftForLogout.then(() => undefined)]);
    expect(failed, `signoutRedirect failed before navigating: ${JSON.stringify(failed)}`).toBeUndefined();
    await leftForLogout;
    // revokeTokensOnSignout revoked both tokens before the redirect
    expect(await introspect(accessToken)).toEqual({ active: false });
    expect(await introspect(refreshToken!)).toEqual({ active: false });
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL((u) => u.toString().startsWith(`${origin}/signed-out.html`), { timeout: 15_000 });
    expect(await widgetResult(page)).toEqual({ ok: true });
    // the ccauth session is over: signing in again asks for the password
    const again = await startSignIn(context);
    expect(await again.getByLabel('Password').isVisible()).toBe(true);
    await again.close();
  });

  compatTest('widget-consent-deny', async () => {
    const ctx = await browser.newContext();
    try {
      const p = await startSignIn(ctx);
      await signInToConsent(p);
      await p.getByRole('button', { name: 'Deny' }).click();
      await p.waitForURL((u) => u.toString().startsWith(`${origin}/callback.html`), { timeout: 15_000 });
      expect(await widgetResult(p)).toMatchObject({ ok: false, error: 'access_denied' });
    } finally {
      await ctx.close();
    }
  });
});
