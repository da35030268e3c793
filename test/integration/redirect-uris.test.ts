/**
 * Redirect URIs at the authorization endpoint (RFC 6749 §3.1.2.2-3.1.2.4; genesys-api.md §5.3):
 * exact match, plus any path under a URI registered as a bare origin. An unregistered
 * `redirect_uri` is never redirected to: the endpoint answers `400 invalid_redirect_uri` itself. An
 * allowed one proceeds to the login interaction. The token endpoint still wants the exact URI the
 * code was issued for. (The login pages come with the browser-flow work, so the flow stops at the
 * interaction redirect here.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const AUTHORIZE = '/auth/v3/oauth/authorize';
let t: TestApp;
let wwe: { clientId: string; secret: string };

beforeAll(async () => {
  t = await startTestApp();
  wwe = await createClient(t, { client_id: 'wwe', redirectURIs: ['https://wwe.example.com', 'https://gws.example.com/', 'https://app.example.com/callback'] });
});
afterAll(async () => {
  await t.close();
});

const authorize = (redirectUri: string, clientId = wwe.clientId) =>
  t.request.get(AUTHORIZE).query({ client_id: clientId, response_type: 'code', scope: 'openid', state: 'st-1', redirect_uri: redirectUri });

function expectInteraction(res: { status: number; headers: Record<string, string> }, uri: string): void {
  expect(res.status, uri).toBe(303);
  expect(res.headers.location, uri).toMatch(/\/interaction\/[A-Za-z0-9_-]+$/);
  expect(res.headers.location).not.toContain('error=');
}

function expectInvalidRedirectUri(res: { status: number; headers: Record<string, string>; text: string }, uri: string): void {
  expect(res.status, uri).toBe(400);
  expect(res.headers.location, uri).toBeUndefined();
  expect(res.text, uri).toContain('invalid_redirect_uri');
}

describe('authorization endpoint', () => {
  it('accepts registered URIs exactly and any path under a bare-origin registration', async () => {
    for (const uri of [
      'https://wwe.example.com',
      'https://wwe.example.com/',
      'https://wwe.example.com/ui/wwe/index.html',
      'https://wwe.example.com:443/callback',
      'https://gws.example.com/ui/auth/callback',
      'https://app.example.com/callback',
    ]) {
      expectInteraction(await authorize(uri), uri);
    }
  });

  it('refuses every other URI with 400 invalid_redirect_uri and no redirect', async () => {
    for (const uri of [
      'https://evil.example.com/callback',
      'https://sub.wwe.example.com/callback',
      'https://wwe.example.com.evil.net/callback',
      'http://wwe.example.com/callback',
      'https://wwe.example.com:8443/callback',
      'https://wwe.example.com/callback?next=/admin',
      'https://wwe.example.com/callback#x',
      'https://user@wwe.example.com/callback',
      'https://app.example.com/callback/more',
      'https://app.example.com/',
      'https://app.example.com/callback?x=1',
    ]) {
      expectInvalidRedirectUri(await authorize(uri), uri);
    }
  });

  it('refuses an unknown client without redirecting', async () => {
    const res = await authorize('https://wwe.example.com/callback', 'no_such_client');
    expect(res.status).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.text).toContain('invalid_client');
  });
});

describe('token endpoint', () => {
  async function mintCode(redirectUri: string): Promise<string> {
    const { provider } = t.ccauth;
    const c = await provider.Client.find(wwe.clientId);
    const grant = new provider.Grant({ accountId: 'ops', clientId: wwe.clientId });
    grant.addOIDCScope('openid *');
    const grantId = await grant.save();
    return new provider.AuthorizationCode({ accountId: 'ops', client: c!, grantId, redirectUri, scope: 'openid *', gty: 'authorization_code', authTime: Math.floor(Date.now() / 1000) }).save();
  }
  const redeem = (code: string, redirectUri: string) =>
    t.request.post('/auth/v3/oauth/token').set('Authorization', basic(wwe.clientId, wwe.secret)).type('form').send({ grant_type: 'authorization_code', code, redirect_uri: redirectUri });

  it('redeems a code with exactly the path-level URI it was issued for', async () => {
    const uri = 'https://wwe.example.com/ui/wwe/index.html';
    const res = await redeem(await mintCode(uri), uri);
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('bearer');
  });

  it('refuses another URI on the same origin (RFC 6749 §4.1.3)', async () => {
    const res = await redeem(await mintCode('https://wwe.example.com/ui/wwe/index.html'), 'https://wwe.example.com/other');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });
});

describe('end-session post_logout_redirect_uri', () => {
  const logout = (uri: string) => t.request.get('/auth/v3/oauth/logout').query({ client_id: wwe.clientId, post_logout_redirect_uri: uri });

  it('allows the client redirect URIs with the same rule', async () => {
    for (const uri of ['https://wwe.example.com/signed-out', 'https://app.example.com/callback']) {
      const res = await logout(uri);
      expect(res.status, uri).not.toBe(400);
      expect(res.text).not.toContain('post_logout_redirect_uri not registered');
    }
  });

  it('refuses other URIs', async () => {
    for (const uri of ['https://evil.example.com/', 'https://app.example.com/other']) {
      const res = await logout(uri);
      expect(res.status, uri).toBe(400);
      expect(res.text).toContain('post_logout_redirect_uri not registered');
    }
  });
});
