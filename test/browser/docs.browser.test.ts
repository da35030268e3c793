/**
 * `/docs` in a real browser (README "API"): headless Chromium from Debian (`/usr/bin/chromium`, or
 * CHROMIUM_PATH) driven by playwright-core loads the docs page from the real server on 127.0.0.1,
 * Swagger UI renders the document from `/openapi.json`, the console shows no error (no CSP
 * violation, no failed load), and no request leaves the server's origin (no CDN, no telemetry,
 * no validator badge).
 *
 * The screenshot docs/api-docs.png is written when missing or when UPDATE_SCREENSHOTS=1. Skipped
 * (with the reason printed) when Chromium is absent.
 */
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createApp } from '../../src/app.ts';
import type { CcauthApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createTestDatabase } from '../helpers/test-db.ts';
import type { TestDatabase } from '../helpers/test-db.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) console.warn(`test/browser/docs.browser.test.ts skipped: no Chromium at ${CHROMIUM}; install it with "apt-get install -y chromium" (or set CHROMIUM_PATH)`);

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SCREENSHOT = path.resolve(import.meta.dirname, '../../docs/api-docs.png');

describe.skipIf(!HAVE_CHROMIUM)(`/docs in headless Chromium (skipped when ${CHROMIUM} is missing)`, () => {
  let db: TestDatabase;
  let ccauth: CcauthApp;
  let server: http.Server;
  let base: string;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  const failed: string[] = [];

  beforeAll(async () => {
    let handler: http.RequestListener = (_req, res) => res.end();
    server = http.createServer((req, res) => handler(req, res));
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
    base = `http://127.0.0.1:${port}`;
    db = await createTestDatabase();
    ccauth = await createApp({ config: loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PUBLIC_URL: base }), db, logger: createLogger({ level: 'silent' }) });
    handler = ccauth.app.callback();

    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy|Refused to/i.test(m.text())) consoleErrors.push(m.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(String(err)));
    page.on('request', (r) => requests.push(r.url()));
    page.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    ccauth?.stop();
    await db?.close();
  });

  it('renders the document with no console error and no request to another origin', async () => {
    const res = await page.goto(`${base}/docs`);
    expect(res?.status()).toBe(200);
    await page.locator('.swagger-ui .info .title').waitFor({ timeout: 30_000 });
    expect(await page.locator('.swagger-ui .info .title').textContent()).toContain('ccauth admin, user info and Genesys APIs');
    // one block per tag, and the operations inside them
    await expect.poll(() => page.locator('.opblock-tag-section').count()).toBeGreaterThanOrEqual(10);
    expect(await page.locator('.opblock').count()).toBeGreaterThan(50);
    expect(await page.getByText('/auth/v3/ops/audit', { exact: true }).count()).toBeGreaterThan(0);
    // the stylesheet from /docs/ applies under the page's CSP
    expect(await page.locator('.swagger-ui .opblock-get').first().evaluate((e) => getComputedStyle(e).borderColor)).toBe('rgb(97, 175, 254)');
    // no validator badge (it would load an image from validator.swagger.io)
    expect(await page.locator('.swagger-ui img[src*="validator"]').count()).toBe(0);

    const image = await page.screenshot({ fullPage: false });
    expect(image.length).toBeGreaterThan(1000);
    if (process.env.UPDATE_SCREENSHOTS || !existsSync(SCREENSHOT)) {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(SCREENSHOT, image);
    }

    expect(consoleErrors).toEqual([]);
    expect(failed).toEqual([]);
    expect(requests.filter((u) => !u.startsWith(`${base}/`) && !u.startsWith('data:'))).toEqual([]);
    expect(requests).toEqual(expect.arrayContaining([`${base}/docs`, `${base}/docs/swagger-ui.css`, `${base}/docs/swagger-ui-bundle.js`, `${base}/docs/init.js`, `${base}/openapi.json`]));
  });

  it('expands an operation and shows its request schema and the envelope answers', async () => {
    await page.locator('#operations-Clients-createClient .opblock-summary').click();
    const op = page.locator('#operations-Clients-createClient');
    await expect.poll(() => op.locator('.opblock-body').isVisible()).toBe(true);
    expect(await op.locator('.responses-table').textContent()).toContain('Already exists (code 18) or in use (code 19).');
    expect(consoleErrors).toEqual([]);
  });
});
