/**
 * The login and consent pages in a real browser: headless Chromium from Debian (`/usr/bin/chromium`,
 * or CHROMIUM_PATH) driven by playwright-core, against the real server on 127.0.0.1 and a tiny
 * local HTTP server standing in for the client's redirect URI. Covers what supertest cannot: the
 * CSP (nonce'd stylesheet applied, no violations, `form-action` letting the post-login redirect
 * chain reach the client), cookies across paths, and accessible labels.
 *
 * Screenshots: docs/login.png and docs/consent.png are written when missing or when
 * UPDATE_SCREENSHOTS=1. Skipped (with the reason printed) when Chromium is not installed.
 */
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { randomBytes } from 'node:crypto';
import { createApp } from '../../src/app.ts';
import type { CcauthApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createContactCenter } from '../helpers/fixtures.ts';
import { createTestDatabase } from '../helpers/test-db.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import { pkce } from '../helpers/interaction-flow.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SKIP_REASON = `no Chromium at ${CHROMIUM}; install it with "apt-get install -y chromium" (or set CHROMIUM_PATH)`;
if (!HAVE_CHROMIUM) console.warn(`test/browser skipped: ${SKIP_REASON}`);

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const OPS_AUTH = `Basic ${Buffer.from('ops:ops').toString('base64')}`;
const PASSWORD = 'Agent-Password-1';
const DOCS = path.resolve(import.meta.dirname, '../../docs');

const listen = (server: http.Server) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
const close = (server: http.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** Writes a screenshot to docs/ when it is missing or UPDATE_SCREENSHOTS is set; always takes it. */
async function screenshot(page: Page, name: string): Promise<void> {
  const file = path.join(DOCS, name);
  const image = await page.screenshot({ fullPage: true });
  expect(image.length).toBeGreaterThan(1000);
  if (process.env.UPDATE_SCREENSHOTS || !existsSync(file)) {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, image);
  }
}

describe.skipIf(!HAVE_CHROMIUM)(`sign-in in headless Chromium (skipped when ${CHROMIUM} is missing)`, () => {
  let db: TestDatabase;
  let ccauth: CcauthApp;
  let server: http.Server;
  let callbackServer: http.Server;
  let base: string;
  let callbackUrl: string;
  let browser: Browser;
  const clients: Record<string, { id: string; secret: string }> = {};

  async function api(method: string, p: string, body: unknown): Promise<Record<string, any>> {
    const res = await fetch(`${base}${p}`, { method, headers: { authorization: OPS_AUTH, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await res.json()) as Record<string, any>;
    if (res.status !== 200) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  beforeAll(async () => {
    // the server must know its own URL (PUBLIC_URL) before the app is built: listen first
    let handler: http.RequestListener = (_req, res) => res.end();
    server = http.createServer((req, res) => handler(req, res));
    const port = await listen(server);
    base = `http://127.0.0.1:${port}`;
    db = await createTestDatabase();
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PUBLIC_URL: base });
    ccauth = await createApp({ config, db, logger: createLogger({ level: 'silent' }), keyEncryptionKeys: [randomBytes(32)] });
    handler = ccauth.app.callback();

    callbackServer = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><title>client</title><p>callback received</p>');
    });
    callbackUrl = `http://127.0.0.1:${await listen(callbackServer)}/callback`;

    const cc = await createContactCenter(db.knex, { domains: ['t100'] });
    await api('POST', `/environment/v3/contact-centers/${cc.ccid}/users`, { data: { username: 'agent', password: PASSWORD, firstName: 'Alex', lastName: 'Agent' } });
    await api('POST', `/environment/v3/contact-centers/${cc.ccid}/users`, { data: { username: 'newhire', password: PASSWORD, firstName: 'Nia', lastName: 'Newhire', mustChangePassword: true } });
    for (const [id, internal] of [['chat_widget', false], ['workspace', true]] as const) {
      const res = await api('POST', '/auth/v3/ops/clients', {
        data: {
          client_id: id,
          name: internal ? 'Agent Workspace' : 'Web Chat',
          clientType: 'CONFIDENTIAL',
          internalClient: internal,
          client_secret: '',
          authorities: [],
          scope: ['*'],
          authorizedGrantTypes: ['authorization_code', 'refresh_token'],
          redirectURIs: [callbackUrl],
          accessTokenExpirationTimeout: 3600,
          refreshTokenExpirationTimeout: 7200,
        },
      });
      clients[id] = { id, secret: res.data.client_secret };
    }

    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (callbackServer) await close(callbackServer);
    if (server) await close(server);
    ccauth?.stop();
    await db?.close();
  });

  /** Opens the authorize URL in a fresh browser context; returns the page and the PKCE verifier. */
  async function openAuthorize(clientId: string, state: string) {
    const context = await browser.newContext({ viewport: { width: 480, height: 720 } });
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    const { verifier, challenge } = pkce();
    const q = new URLSearchParams({ client_id: clientId, redirect_uri: callbackUrl, response_type: 'code', scope: 'openid *', state, nonce: 'n-0S6_WzA2Mj', code_challenge: challenge, code_challenge_method: 'S256' });
    await page.goto(`${base}/auth/v3/oauth/authorize?${q}`);
    return { page, context, verifier, violations };
  }

  async function redeem(clientId: string, code: string, verifier: string) {
    const c = clients[clientId]!;
    const res = await fetch(`${base}/auth/v3/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${c.id}:${c.secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: callbackUrl, code_verifier: verifier }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('signs a contact-center user in (t100\\agent), asks consent for a third-party client, and lands on the redirect URI with code and state', async () => {
    const { page, context, verifier, violations } = await openAuthorize('chat_widget', 'xyz-state');
    expect(page.url()).toMatch(new RegExp(`^${base}/auth/v3/sign-in\\?uid=`));
    expect(await page.title()).toBe('Sign in · ccauth');
    // the nonce'd stylesheet applies (a CSP refusal would leave the button unstyled)
    const button = page.getByRole('button', { name: 'Sign in' });
    expect(await button.evaluate((b) => getComputedStyle(b).backgroundColor)).toBe('rgb(59, 91, 219)');
    await expect.poll(() => page.getByLabel('Tenant').isVisible()).toBe(true);
    await screenshot(page, 'login.png');

    // a wrong password first: the error shows in place
    await page.getByLabel('Username').fill('t100\\agent');
    await page.getByLabel('Password').fill('wrong-password');
    await button.click();
    await page.waitForURL(/error=credentials/, { timeout: 10_000 });
    expect(await page.getByRole('alert').textContent()).toBe('The username or password is incorrect.');

    await page.getByLabel('Username').fill('t100\\agent');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(new RegExp(`^${base}/auth/v3/interaction/`), { timeout: 10_000 });
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Allow Web Chat?');
    expect(await page.locator('main').textContent()).toContain('Signed in as Alex Agent');
    await screenshot(page, 'consent.png');

    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((u) => u.toString().startsWith(callbackUrl), { timeout: 10_000 });
    const landed = new URL(page.url());
    expect(landed.searchParams.get('state')).toBe('xyz-state');
    expect(await page.locator('p').textContent()).toBe('callback received');
    const code = landed.searchParams.get('code')!;
    expect(code).toBeTruthy();
    expect(violations).toEqual([]);

    const tokens = await redeem('chat_widget', code, verifier);
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({ token_type: 'bearer', scope: 'openid *', expires_in: 3600 });
    await context.close();
  });

  it('goes straight from the login form to the redirect URI for an internal client (auto-approve)', async () => {
    const { page, context, verifier, violations } = await openAuthorize('workspace', 'internal-state');
    await page.getByLabel('Username').fill('agent');
    await page.getByLabel('Tenant').fill('t100');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.toString().startsWith(callbackUrl), { timeout: 10_000 });
    const landed = new URL(page.url());
    expect(landed.searchParams.get('state')).toBe('internal-state');
    expect(violations).toEqual([]);
    expect((await redeem('workspace', landed.searchParams.get('code')!, verifier)).status).toBe(200);
    await context.close();
  });

  it('makes a user who must change their password choose a new one, then completes the sign-in', async () => {
    const { page, context, verifier, violations } = await openAuthorize('workspace', 'forced-state');
    await page.getByLabel('Username').fill('t100\\newhire');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Change your password' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('main').textContent()).toContain('You must choose a new password before you continue.');

    // a guessable password is refused in place, with the reason
    await page.getByLabel('New password', { exact: true }).fill('password1234');
    await page.getByLabel('Confirm the new password').fill('password1234');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('alert').waitFor({ timeout: 10_000 });
    expect(await page.getByRole('alert').textContent()).toMatch(/The new password is too easy to guess/);

    await page.getByLabel('New password', { exact: true }).fill('cobalt-Meadow-58-brook');
    await page.getByLabel('Confirm the new password').fill('cobalt-Meadow-58-brook');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.waitForURL((u) => u.toString().startsWith(callbackUrl), { timeout: 10_000 });
    const landed = new URL(page.url());
    expect(landed.searchParams.get('state')).toBe('forced-state');
    expect(violations).toEqual([]);
    expect((await redeem('workspace', landed.searchParams.get('code')!, verifier)).status).toBe(200);
    await context.close();
  });

  it('shows an unregistered redirect URI as a styled page in words, not JSON, and stays on ccauth', async () => {
    const context = await browser.newContext({ viewport: { width: 480, height: 720 } });
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    const q = new URLSearchParams({ client_id: 'chat_widget', redirect_uri: 'https://evil.example.com/cb', response_type: 'code', scope: 'openid', state: 's' });
    const res = await page.goto(`${base}/auth/v3/oauth/authorize?${q}`);
    expect(res!.status()).toBe(400);
    expect(page.url().startsWith(`${base}/auth/v3/oauth/authorize?`)).toBe(true);
    expect(await page.title()).toBe('This sign-in link cannot be used · ccauth');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('This sign-in link cannot be used');
    const text = (await page.locator('main').textContent())!;
    expect(text).toContain('The application Web Chat asked to send you back to an address it has not registered');
    expect(text).toContain('Tell the site that sent you');
    expect(text).not.toContain('{"error"');
    // the nonce'd stylesheet applies: the card is white on the grey page
    expect(await page.locator('main').evaluate((m) => getComputedStyle(m).backgroundColor)).toBe('rgb(255, 255, 255)');
    expect(violations).toEqual([]);
    await context.close();
  });
});
