/**
 * Single sign-on through an upstream OpenID Connect provider in a real browser (README "Signing
 * in" → "Single sign-on"): a second ccauth on loopback (`http://localhost:<port>`, another site than
 * the first on `127.0.0.1`) is the contact center's IdP. Chromium: authorize at the first ccauth →
 * its login page (`o100\agent`, no password) → the second ccauth's login page (the agent's password
 * there) → callback (code + PKCE + state + nonce, ID token checked by openid-client) → code → token
 * → `/auth/v3/userinfo` of the first ccauth shows the agent. The user is matched by `externalId`
 * (set through the users API to the upstream's `sub`).
 *
 * Skipped (with the reason printed) when Chromium is not installed.
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

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SKIP_REASON = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM}; install it with "apt-get install -y chromium" (or set CHROMIUM_PATH)`;
if (SKIP_REASON) console.warn(`test/browser/oidc-sso skipped: ${SKIP_REASON}`);
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const OPS_AUTH = `Basic ${Buffer.from('ops:ops').toString('base64')}`;

const listen = (server: http.Server) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
const close = (server: http.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** One ccauth on loopback whose PUBLIC_URL uses `host`. */
async function startCcauth(host: string) {
  let handler: http.RequestListener = (_req, res) => res.end();
  const server = http.createServer((req, res) => handler(req, res));
  const port = await listen(server);
  const base = `http://${host}:${port}`;
  const db = await createTestDatabase();
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PUBLIC_URL: base });
  const app = await createApp({ config, db, logger: createLogger({ level: 'silent' }), keyEncryptionKeys: [randomBytes(32)] });
  handler = app.app.callback();
  const api = async (method: string, p: string, body?: unknown): Promise<Record<string, any>> => {
    const res = await fetch(`http://127.0.0.1:${port}${p}`, { method, headers: { host: `${host}:${port}`, authorization: OPS_AUTH, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = (await res.json()) as Record<string, any>;
    if (res.status !== 200) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  return { base, port, db, app, server, api };
}

describe.skipIf(SKIP_REASON !== undefined)('single sign-on through an upstream OpenID Connect provider (a second ccauth) in headless Chromium', () => {
  let rp: Awaited<ReturnType<typeof startCcauth>>;
  let op: Awaited<ReturnType<typeof startCcauth>>;
  let callbackServer: http.Server;
  let callbackUrl: string;
  let browser: Browser;
  let ccid: string;
  let client: { id: string; secret: string };

  beforeAll(async () => {
    rp = await startCcauth('127.0.0.1');
    op = await startCcauth('localhost');
    callbackServer = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><title>client</title><p>callback received</p>');
    });
    callbackUrl = `http://127.0.0.1:${await listen(callbackServer)}/callback`;

    // the upstream: a contact center, the agent with a password, and a client for the relying party
    const upCc = await createContactCenter(op.db.knex, { domains: ['corp'] });
    const upUser = await op.api('POST', `/environment/v3/contact-centers/${upCc.ccid}/users`, { data: { username: 'agent', password: 'Upstream-Password-1' } });
    ({ ccid } = await createContactCenter(rp.db.knex, { domains: ['o100'] }));
    const rpClient = await op.api('POST', '/auth/v3/ops/clients', {
      data: { client_id: 'ccauth-rp', name: 'ccauth', clientType: 'CONFIDENTIAL', internalClient: true, client_secret: '', authorities: [], scope: ['*'], authorizedGrantTypes: ['authorization_code'], redirectURIs: [`${rp.base}/auth/v3/oidc/${ccid}/callback`], accessTokenExpirationTimeout: 600, refreshTokenExpirationTimeout: 600 },
    });

    // the relying party: the same agent, matched by the upstream's sub; the IdP; a client
    await rp.api('POST', `/environment/v3/contact-centers/${ccid}/users`, { data: { username: 'agent', password: 'Local-Password-1', externalId: `user:${upUser.data.id}` } });
    await rp.api('PUT', `/environment/v3/contact-centers/${ccid}/identity-provider`, {
      data: { type: 'oidc', issuer: op.base, clientId: 'ccauth-rp', clientSecret: rpClient.data.client_secret, scope: 'openid', userMatch: 'externalId' },
    });
    const res = await rp.api('POST', '/auth/v3/ops/clients', {
      data: { client_id: 'workspace', name: 'Agent Workspace', clientType: 'CONFIDENTIAL', internalClient: true, client_secret: '', authorities: [], scope: ['*'], authorizedGrantTypes: ['authorization_code'], redirectURIs: [callbackUrl], accessTokenExpirationTimeout: 3600, refreshTokenExpirationTimeout: 7200 },
    });
    client = { id: 'workspace', secret: res.data.client_secret };
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (callbackServer) await close(callbackServer);
    for (const s of [rp, op]) {
      if (!s) continue;
      await close(s.server);
      s.app.stop();
      await s.db.close();
    }
  });

  it('signs o100\\agent in through the upstream and userinfo shows the agent', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const { verifier, challenge } = pkce();
    const q = new URLSearchParams({ client_id: client.id, redirect_uri: callbackUrl, response_type: 'code', scope: 'openid *', state: 'st-oidc', nonce: 'n-1', code_challenge: challenge, code_challenge_method: 'S256' });
    await page.goto(`${rp.base}/auth/v3/oauth/authorize?${q}`);
    await page.getByLabel('Username').fill('o100\\agent');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.toString().startsWith(`${op.base}/auth/v3/sign-in`), { timeout: 15_000 }).catch(async (err) => {
      throw new Error(`did not reach the upstream login page: at ${page.url()}\n${(await page.locator('body').innerText()).slice(0, 1000)}\n${String(err)}`);
    });
    await page.getByLabel('Username').fill('corp\\agent');
    await page.getByLabel('Password').fill('Upstream-Password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.toString().startsWith(callbackUrl), { timeout: 20_000 }).catch(async (err) => {
      throw new Error(`did not reach the client: at ${page.url()}\n${(await page.locator('body').innerText()).slice(0, 1000)}\n${String(err)}`);
    });
    const landed = new URL(page.url());
    expect(landed.searchParams.get('state')).toBe('st-oidc');
    const tokenRes = await fetch(`${rp.base}/auth/v3/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: landed.searchParams.get('code')!, redirect_uri: callbackUrl, code_verifier: verifier }),
    });
    expect(tokenRes.status).toBe(200);
    const tokens = (await tokenRes.json()) as { access_token: string };
    const info = await fetch(`${rp.base}/auth/v3/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(info.status).toBe(200);
    const body = (await info.json()) as Record<string, unknown>;
    expect(body.username).toMatch(/agent/);
    expect(body.contactCenterId).toBe(ccid);
    await context.close();
  }, 60_000);
});
