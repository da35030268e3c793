/**
 * The ops console in a real browser (issue 4 proof; seed 001 user story): headless Chromium from
 * Debian (`/usr/bin/chromium`, or CHROMIUM_PATH) driven by playwright-core against the real server
 * on 127.0.0.1. Signs in, searches the catalogue, opens Manage, activates an integration, reads the
 * Client ID and Client Secret off the credentials dialog and uses them at the token endpoint
 * (HTTP Basic and request body), checks the copy button, the one-time display, the phone layout,
 * and deactivates. Also checks the CSP holds (styles and the copy script apply, no violations).
 *
 * Screenshots docs/console-integrations.png and docs/console-credentials.png are written when
 * missing or when UPDATE_SCREENSHOTS=1. Skipped (with the reason printed) when Chromium is absent.
 */
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createApp } from '../../src/app.ts';
import type { CcauthApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createContactCenter } from '../helpers/fixtures.ts';
import { createTestDatabase } from '../helpers/test-db.ts';
import type { TestDatabase } from '../helpers/test-db.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SKIP_REASON = `no Chromium at ${CHROMIUM}; install it with "apt-get install -y chromium" (or set CHROMIUM_PATH)`;
if (!HAVE_CHROMIUM) console.warn(`test/browser/console.test.ts skipped: ${SKIP_REASON}`);

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const OPS_AUTH = `Basic ${Buffer.from('ops:ops').toString('base64')}`;
const DOCS = path.resolve(import.meta.dirname, '../../docs');

const listen = (server: http.Server) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
const close = (server: http.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** Writes a screenshot to docs/ when it is missing or UPDATE_SCREENSHOTS is set; always takes it. */
async function screenshot(page: Page, name: string, fullPage: boolean): Promise<void> {
  const file = path.join(DOCS, name);
  const image = await page.screenshot({ fullPage });
  expect(image.length).toBeGreaterThan(1000);
  if (process.env.UPDATE_SCREENSHOTS || !existsSync(file)) {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, image);
  }
}

describe.skipIf(!HAVE_CHROMIUM)(`ops console in headless Chromium (skipped when ${CHROMIUM} is missing)`, () => {
  let db: TestDatabase;
  let ccauth: CcauthApp;
  let server: http.Server;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const violations: string[] = [];
  const credentials = { clientId: '', secret: '' };

  const token = async (form: Record<string, string>, auth?: string) => {
    const res = await fetch(`${base}/auth/v3/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(auth ? { authorization: auth } : {}) },
      body: new URLSearchParams(form),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    // the server must know its own URL (PUBLIC_URL) before the app is built: listen first
    let handler: http.RequestListener = (_req, res) => res.end();
    server = http.createServer((req, res) => handler(req, res));
    base = `http://127.0.0.1:${await listen(server)}`;
    db = await createTestDatabase();
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PUBLIC_URL: base });
    ccauth = await createApp({ config, db, logger: createLogger({ level: 'silent' }) });
    handler = ccauth.app.callback();

    const north = await createContactCenter(db.knex, { domains: ['north-cc'] });
    await createContactCenter(db.knex, { domains: ['south-cc'] });
    // one activation already in place, so the list shows a status
    const res = await fetch(`${base}/auth/v3/ops/integrations/contact-center-event-delivery/activations`, {
      method: 'POST',
      headers: { authorization: OPS_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ data: { contactCenterId: north.ccid } }),
    });
    expect(res.status).toBe(200);

    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    if (server) await close(server);
    ccauth?.stop();
    await db?.close();
  });

  it('signs in with the ops credentials', async () => {
    await page.goto(`${base}/console`);
    expect(page.url()).toMatch(new RegExp(`^${base}/console/sign-in\\?next=`));
    expect(await page.title()).toBe('Sign in to the ops console · ccauth console');
    await page.getByLabel('Username').fill('ops');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/error=credentials/);
    expect(await page.getByRole('alert').textContent()).toBe('The username or password is incorrect.');
    await page.getByLabel('Username').fill('ops');
    await page.getByLabel('Password').fill('ops');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/console/integrations`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Integrations');
    // the nonce'd stylesheet applies
    expect(await page.locator('header.top').evaluate((h) => getComputedStyle(h).backgroundColor)).toBe('rgb(28, 37, 65)');
    const cookies = await context.cookies(`${base}/console/integrations`);
    const session = cookies.find((c) => c.name === 'ccauth_console')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });
  });

  it('lists and searches the catalogue', async () => {
    await expect.poll(() => page.locator('tr[data-integration]').count()).toBe(4);
    expect(await page.locator('tr[data-integration="contact-center-event-delivery"]').textContent()).toContain('Activated · north-cc');
    await screenshot(page, 'console-integrations.png', true);

    await page.getByRole('searchbox', { name: 'Search integrations' }).fill('cora');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(`${base}/console/integrations?q=cora`);
    expect(await page.locator('tr[data-integration]').count()).toBe(1);
    expect(await page.locator('tr[data-integration] strong').textContent()).toBe('Genpact Cora SeQuence — OAuth2 Client Credentials');
  });

  it('activates from Manage and shows the credentials once, with copy buttons', async () => {
    await page.getByRole('link', { name: 'Manage Genpact Cora SeQuence — OAuth2 Client Credentials' }).click();
    await page.waitForURL(`${base}/console/integrations/workflow-email-listener`);
    await page.getByLabel('Contact center').selectOption({ label: (await page.locator('#contactCenterId option', { hasText: 'south-cc' }).textContent())! });
    await page.getByRole('button', { name: 'Activate' }).click();
    await page.waitForURL(`${base}/console/integrations/workflow-email-listener`);

    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.getByRole('heading', { level: 2 }).textContent()).toBe('Integration activated');
    expect(await dialog.textContent()).toContain('You will not see this secret again.');
    credentials.clientId = await page.getByLabel('Client ID', { exact: true }).inputValue();
    credentials.secret = await page.getByLabel('Client Secret', { exact: true }).inputValue();
    expect(credentials.clientId).toMatch(/^workflow-email-listener-[0-9a-f]{16}$/);
    expect(credentials.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await page.getByLabel('Token URL', { exact: true }).inputValue()).toBe(`${base}/auth/v3/oauth/token`);
    // which value goes into which field of Cora SeQuence's own form (Genpact "Configure OAuth 2.0 Credentials")
    expect(await dialog.getByRole('heading', { level: 3 }).textContent()).toBe('Enter these values in Genpact Cora SeQuence — OAuth2 Client Credentials');
    expect(await dialog.locator('#credentials-setup-steps li').allTextContents()).toEqual([
      `Client Identifier: ${credentials.clientId}`,
      'Client Secret: the Client Secret above',
      `Token Endpoint: ${base}/auth/v3/oauth/token`,
      'Scopes: email.read email.listen',
      'Authentication Method: Send credentials using the HTTP Basic authentication scheme',
    ]);
    await screenshot(page, 'console-credentials.png', false);

    // the copy button (nonce'd script) puts the secret on the clipboard
    const copy = page.getByRole('button', { name: 'Copy Client Secret' });
    await copy.click();
    await expect.poll(() => copy.textContent()).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(credentials.secret);
    expect(violations).toEqual([]);
  });

  it('the credentials read off the page get tokens with HTTP Basic and in the body', async () => {
    const viaBasic = await token({ grant_type: 'client_credentials', scope: 'email.read email.listen' }, `Basic ${Buffer.from(`${credentials.clientId}:${credentials.secret}`).toString('base64')}`);
    expect(viaBasic.status).toBe(200);
    expect(viaBasic.body).toMatchObject({ token_type: 'bearer', scope: 'email.read email.listen' });
    const viaBody = await token({ grant_type: 'client_credentials', client_id: credentials.clientId, client_secret: credentials.secret });
    expect(viaBody.status).toBe(200);
    expect(typeof viaBody.body.access_token).toBe('string');
  });

  it('never shows the secret again', async () => {
    await page.getByRole('link', { name: 'I have saved the credentials' }).click();
    await page.waitForURL(`${base}/console/integrations/workflow-email-listener`);
    expect(await page.getByRole('dialog').count()).toBe(0);
    await page.reload();
    expect(await page.content()).not.toContain(credentials.secret);
    expect(await page.locator('tr[data-activation] .badge').textContent()).toBe('Activated');
  });

  it('is readable on a phone: no horizontal scrolling, tables become cards', async () => {
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${base}/console/integrations`);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(await phone.locator('table.responsive thead').isVisible()).toBe(false);
    await phone.close();
  });

  it('deactivates after a confirmation and the credentials stop working', async () => {
    await page.getByRole('link', { name: 'Deactivate' }).click();
    await page.waitForURL(/\/deactivate$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Deactivate integration');
    await page.getByRole('button', { name: 'Deactivate' }).click();
    await page.waitForURL(`${base}/console/integrations/workflow-email-listener`);
    expect(await page.getByRole('status').textContent()).toContain('is disabled and its tokens no longer work');
    expect(await page.locator('tr[data-activation] .badge').textContent()).toBe('Deactivated');
    const refused = await token({ grant_type: 'client_credentials', client_id: credentials.clientId, client_secret: credentials.secret });
    expect(refused.status).toBe(401);
    expect(violations).toEqual([]);
  });
});
