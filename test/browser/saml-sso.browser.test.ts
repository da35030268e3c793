/**
 * Single sign-on through a real SAML 2.0 identity provider in a real browser (README "Signing in"
 * → "Single sign-on"): SimpleSAMLphp from Debian on loopback (test/helpers/simplesamlphp.ts) as
 * the contact center's IdP, configured in ccauth through the Environment API with its metadata URL;
 * headless Chromium signs an agent in: authorize → ccauth login page (`t100\agent`, no password) →
 * SimpleSAMLphp's login form → ACS (a cross-site POST: the IdP is `localhost`, ccauth `127.0.0.1`)
 * → code → token → `/auth/v3/userinfo` shows that agent. Both AuthnRequest bindings are driven;
 * SimpleSAMLphp validates ccauth's AuthnRequest signature (`validate.authnrequest`).
 *
 * Skipped (with the reason printed) when Chromium or SimpleSAMLphp/php are not installed.
 */
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createApp } from '../../src/app.ts';
import type { CcauthApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createContactCenter } from '../helpers/fixtures.ts';
import { createTestDatabase } from '../helpers/test-db.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import { pkce } from '../helpers/interaction-flow.ts';
import { SIMPLESAMLPHP_MISSING, startSimpleSamlPhp } from '../helpers/simplesamlphp.ts';
import type { SimpleSamlPhp } from '../helpers/simplesamlphp.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SKIP_REASON = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}; install it with "apt-get install -y chromium" (or set CHROMIUM_PATH)` : SIMPLESAMLPHP_MISSING;
if (SKIP_REASON) console.warn(`test/browser/saml-sso skipped: ${SKIP_REASON}`);

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const OPS_AUTH = `Basic ${Buffer.from('ops:ops').toString('base64')}`;
const IDP_PASSWORD = 'idp-password-of-agent';

const listen = (server: http.Server) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
const close = (server: http.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe.skipIf(SKIP_REASON !== undefined)('single sign-on through SimpleSAMLphp in headless Chromium', () => {
  let db: TestDatabase;
  let ccauth: CcauthApp;
  let server: http.Server;
  let callbackServer: http.Server;
  let base: string;
  let callbackUrl: string;
  let browser: Browser;
  let idp: SimpleSamlPhp;
  let ccid: string;
  let client: { id: string; secret: string };

  async function api(method: string, p: string, body?: unknown): Promise<Record<string, any>> {
    const res = await fetch(`${base}${p}`, { method, headers: { authorization: OPS_AUTH, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = (await res.json()) as Record<string, any>;
    if (res.status !== 200) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  beforeAll(async () => {
    let handler: http.RequestListener = (_req, res) => res.end();
    server = http.createServer((req, res) => handler(req, res));
    base = `http://127.0.0.1:${await listen(server)}`;
    db = await createTestDatabase();
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PUBLIC_URL: base });
    ccauth = await createApp({ config, db, logger: createLogger({ level: 'silent' }), keyEncryptionKeys: [randomBytes(32)] });
    handler = ccauth.app.callback();
    callbackServer = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><title>client</title><p>callback received</p>');
    });
    callbackUrl = `http://127.0.0.1:${await listen(callbackServer)}/callback`;

    ({ ccid } = await createContactCenter(db.knex, { domains: ['t100'] }));
    await api('POST', `/environment/v3/contact-centers/${ccid}/users`, { data: { username: 'agent', password: 'Agent-Password-1', firstName: 'Alex', lastName: 'Agent', email: 'alex@corp.example.com' } });
    const res = await api('POST', '/auth/v3/ops/clients', {
      data: {
        client_id: 'workspace',
        name: 'Agent Workspace',
        clientType: 'CONFIDENTIAL',
        internalClient: true,
        client_secret: '',
        authorities: [],
        scope: ['*'],
        authorizedGrantTypes: ['authorization_code', 'refresh_token'],
        redirectURIs: [callbackUrl],
        accessTokenExpirationTimeout: 3600,
        refreshTokenExpirationTimeout: 7200,
      },
    });
    client = { id: 'workspace', secret: res.data.client_secret };

    // ccauth's SP metadata → SimpleSAMLphp's remote SP; SimpleSAMLphp's metadata URL → ccauth
    const spXml = await (await fetch(`${base}/auth/v3/saml/${ccid}/metadata`)).text();
    const spCert = /<(?:ds:)?X509Certificate>([^<]+)</.exec(spXml)![1]!;
    idp = await startSimpleSamlPhp({ entityId: `${base}/auth/v3/saml/${ccid}`, acsUrl: `${base}/auth/v3/saml/${ccid}/acs`, certificateB64: spCert }, { agent: { password: IDP_PASSWORD, attributes: { mail: 'alex@corp.example.com' } } });

    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await idp?.stop();
    if (callbackServer) await close(callbackServer);
    if (server) await close(server);
    ccauth?.stop();
    await db?.close();
  });

  it.each(['redirect', 'post'] as const)('signs t100\\agent in through SimpleSAMLphp (%s binding) and userinfo shows the agent', async (binding) => {
    const put = await api('PUT', `/environment/v3/contact-centers/${ccid}/identity-provider`, {
      data: { type: 'saml', metadataUrl: idp.metadataUrl, binding, userMatch: 'username', usernameAttribute: 'uid' },
    });
    expect(put.data.idp.entityId).toBe(idp.entityId);

    const context = await browser.newContext();
    const page = await context.newPage();
    const { verifier, challenge } = pkce();
    const q = new URLSearchParams({ client_id: client.id, redirect_uri: callbackUrl, response_type: 'code', scope: 'openid *', state: `st-${binding}`, nonce: 'n-1', code_challenge: challenge, code_challenge_method: 'S256' });
    await page.goto(`${base}/auth/v3/oauth/authorize?${q}`);
    expect(page.url()).toMatch(new RegExp(`^${base}/auth/v3/sign-in\\?uid=`));
    await page.getByLabel('Username').fill('t100\\agent');
    await page.getByRole('button', { name: 'Sign in' }).click();
    if (binding === 'post') {
      // ccauth's pages run no scripts: the user continues to the IdP with a button
      await page.getByRole('button', { name: "Continue to your organization's sign-in" }).click();
    }
    await page.waitForURL((u) => u.toString().startsWith(idp.baseUrl), { timeout: 15_000 }).catch(async (err) => {
      throw new Error(`did not reach the IdP: at ${page.url()}\n${(await page.content()).slice(0, 1500)}\n${idp.output().slice(-3000)}\n${String(err)}`);
    });
    await page.locator('input[name="username"]').fill('agent', { timeout: 10_000 }).catch(async (err) => {
      throw new Error(`no IdP login form: at ${page.url()}\n${(await page.locator('body').innerText()).slice(0, 1500)}\n${idp.output().slice(-3000)}\n${String(err)}`);
    });
    await page.locator('input[name="password"]').fill(IDP_PASSWORD);
    await page.locator('input[name="password"]').press('Enter');
    await page.waitForURL((u) => u.toString().startsWith(callbackUrl), { timeout: 20_000 }).catch(async (err) => {
      throw new Error(`did not reach the client: at ${page.url()}\n${(await page.content()).slice(0, 2000)}\n${idp.output().slice(-3000)}\n${String(err)}`);
    });
    const landed = new URL(page.url());
    expect(landed.searchParams.get('state')).toBe(`st-${binding}`);

    const tokenRes = await fetch(`${base}/auth/v3/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: landed.searchParams.get('code')!, redirect_uri: callbackUrl, code_verifier: verifier }),
    });
    expect(tokenRes.status).toBe(200);
    const tokens = (await tokenRes.json()) as { access_token: string; refresh_token?: string };
    const info = await fetch(`${base}/auth/v3/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(info.status).toBe(200);
    const body = (await info.json()) as Record<string, unknown>;
    expect(body.username).toMatch(/agent/);

    const status = await api('GET', `/environment/v3/contact-centers/${ccid}/identity-provider`);
    expect(status.data.lastSuccess).toMatchObject({ username: 'agent' });
    await context.close();
  }, 60_000);
});
