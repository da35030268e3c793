/**
 * The device authorization grant's user code page (RFC 8628 §3.3) in a real browser: headless
 * Chromium (`/usr/bin/chromium` or CHROMIUM_PATH) through playwright-core against the real server
 * on 127.0.0.1. A "TV" starts the flow with openid-client's `initiateDeviceAuthorization`; the
 * person types a wrong code, then opens `verification_uri_complete`, confirms, signs in and sees the success page while the
 * TV's `pollDeviceAuthorizationGrant` receives the tokens. Checks the CSP (nonce'd stylesheet
 * applied, no violations) and the accessible labels. Writes docs/device.png when missing or when
 * UPDATE_SCREENSHOTS=1. Skipped (with the reason printed) when Chromium is not installed.
 */
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createApp } from '../../src/app.ts';
import type { CcauthApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createContactCenter } from '../helpers/fixtures.ts';
import { createTestDatabase } from '../helpers/test-db.ts';
import type { TestDatabase } from '../helpers/test-db.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) console.warn(`test/browser/device skipped: no Chromium at ${CHROMIUM}`);
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const OPS_AUTH = `Basic ${Buffer.from('ops:ops').toString('base64')}`;
const PASSWORD = 'Agent-Password-1';
const DOCS = path.resolve(import.meta.dirname, '../../docs');

const listen = (server: http.Server) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

async function screenshot(page: Page, name: string): Promise<void> {
  const file = path.join(DOCS, name);
  const image = await page.screenshot({ fullPage: true });
  expect(image.length).toBeGreaterThan(1000);
  if (process.env.UPDATE_SCREENSHOTS || !existsSync(file)) {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, image);
  }
}

describe.skipIf(!HAVE_CHROMIUM)(`device user code page in headless Chromium (skipped when ${CHROMIUM} is missing)`, () => {
  let db: TestDatabase;
  let ccauth: CcauthApp;
  let server: http.Server;
  let base: string;
  let browser: Browser;
  let tv: { id: string; secret: string };

  beforeAll(async () => {
    let handler: http.RequestListener = (_req, res) => res.end();
    server = http.createServer((req, res) => handler(req, res));
    base = `http://127.0.0.1:${await listen(server)}`;
    db = await createTestDatabase();
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PUBLIC_URL: base });
    ccauth = await createApp({ config, db, logger: createLogger({ level: 'silent' }), keyEncryptionKeys: [randomBytes(32)] });
    handler = ccauth.app.callback();
    const api = async (p: string, body: unknown) => {
      const res = await fetch(`${base}${p}`, { method: 'POST', headers: { authorization: OPS_AUTH, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const json = (await res.json()) as Record<string, any>;
      if (res.status !== 200) throw new Error(`${p}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const cc = await createContactCenter(db.knex, { domains: ['t100'] });
    await api(`/environment/v3/contact-centers/${cc.ccid}/users`, { data: { username: 'agent', password: PASSWORD, firstName: 'Alex', lastName: 'Agent' } });
    const created = await api('/auth/v3/ops/clients', {
      data: { client_id: 'wallboard', name: 'Wallboard TV', internalClient: true, authorities: [], authorizedGrantTypes: ['urn:ietf:params:oauth:grant-type:device_code'], accessTokenExpirationTimeout: 3600 },
    });
    tv = { id: 'wallboard', secret: created.data.client_secret };
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (server) await new Promise<void>((r) => server.close(() => r()));
    ccauth?.stop();
    await db?.close();
  });

  it('signs the TV in: a wrong code refused in place, then verification_uri_complete, confirm, sign in, success', async () => {
    const config = await oidc.discovery(new URL(base), tv.id, tv.secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const device = await oidc.initiateDeviceAuthorization(config, { scope: 'openid' });
    const polling = oidc.pollDeviceAuthorizationGrant(config, device);

    const context = await browser.newContext({ viewport: { width: 480, height: 720 } });
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    // a wrong code first, typed by hand
    await page.goto(`${base}/auth/v3/device`);
    expect(await page.title()).toBe('Connect a device · ccauth');
    const continueButton = page.getByRole('button', { name: 'Continue' });
    expect(await continueButton.evaluate((b) => getComputedStyle(b).backgroundColor)).toBe('rgb(59, 91, 219)');
    await page.getByLabel('Code').fill('BCDF-GHJK');
    await continueButton.click();
    await page.waitForLoadState();
    expect(await page.getByRole('alert').textContent()).toContain('That code is not valid or has expired');
    await screenshot(page, 'device.png');

    // the link the TV shows (verification_uri_complete) carries the code: straight to the confirmation
    await page.goto(device.verification_uri_complete!);
    await page.getByRole('heading', { name: 'Sign in to a device?' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('main').textContent()).toContain(device.user_code);
    expect(await page.locator('main').textContent()).toContain('Wallboard TV');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(new RegExp(`^${base}/auth/v3/sign-in\\?uid=`), { timeout: 10_000 });
    await page.getByLabel('Username').fill('t100\\agent');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Device connected' }).waitFor({ timeout: 10_000 });
    expect(violations).toEqual([]);

    const tokens = await polling;
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.access_token).toEqual(expect.any(String));
    await context.close();
  }, 60_000);
});
