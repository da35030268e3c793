/**
 * A real OAuth client library with its documented defaults (simple-oauth2 5, the Node.js client
 * many chat back ends use) against a listening ccauth: `authorizeURL()` without a scope, the real
 * login page, `getToken()` (client_secret_basic). The code flow applies the default scope as the
 * token endpoint does (RFC 6749 §3.3; docs/signing-in.md "Signing in" → "Scopes"), so the sign-in ends with a
 * code and the token says `"scope":"*"`; `openid profile email` and API scopes are granted too.
 */
import { AuthorizationCode } from 'simple-oauth2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPS, createClient, startListeningTestApp } from '../helpers/test-app.ts';
import type { ListeningTestApp } from '../helpers/test-app.ts';
import { followInside, newBrowser, pathOf, postSignIn } from '../helpers/interaction-flow.ts';

const REDIRECT = 'https://widget.example.com/oauth/callback';
let t: ListeningTestApp;
let issuer: string;
let oauth: AuthorizationCode;

beforeAll(async () => {
  t = await startListeningTestApp();
  issuer = t.issuer;
  const widget = await createClient(t, { client_id: 'widget-backend', internalClient: true, redirectURIs: [REDIRECT] });
  oauth = new AuthorizationCode({
    client: { id: widget.clientId, secret: widget.secret },
    auth: { tokenHost: issuer, tokenPath: '/auth/v3/oauth/token', authorizePath: '/auth/v3/oauth/authorize' },
  });
});
afterAll(async () => {
  await t.close();
});

/** Opens the library's authorize URL in a cookie-keeping client, signs in as ops, returns the callback. */
async function signIn(authorizeUrl: string): Promise<URL> {
  const browser = newBrowser(t);
  const start = await browser.get(pathOf(authorizeUrl));
  expect(start.status, start.text).toBe(303);
  const page = await followInside(browser, start.headers.location!, issuer);
  expect(page.res?.status, page.location).toBe(200);
  const post = await postSignIn(browser, page.res!.text, { username: OPS.username, password: OPS.password });
  expect(post.status).toBe(303);
  const end = await followInside(browser, post.headers.location!, issuer);
  return new URL(end.location!);
}

describe('simple-oauth2 with its defaults', () => {
  it('authorizeURL() without a scope: signs in, the code is redeemed, the token says "*"', async () => {
    const url = oauth.authorizeURL({ redirect_uri: REDIRECT, state: 'st-1' });
    expect(new URL(url).searchParams.has('scope')).toBe(false);
    const back = await signIn(url);
    expect(back.searchParams.get('error'), back.toString()).toBeNull();
    expect(back.searchParams.get('state')).toBe('st-1');
    const token = await oauth.getToken({ code: back.searchParams.get('code')!, redirect_uri: REDIRECT });
    expect(token.token).toMatchObject({ token_type: 'bearer', scope: '*' });
    // the access token works where the Genesys APIs take it
    const info = await t.request.get('/auth/v3/userinfo').set('Authorization', `Bearer ${token.token.access_token as string}`);
    expect(info.status).toBe(200);
    expect(info.body.username).toBe('ops');
  });

  it('scope: openid profile email plus an API scope, all granted', async () => {
    const back = await signIn(oauth.authorizeURL({ redirect_uri: REDIRECT, state: 'st-2', scope: ['openid', 'profile', 'email', 'chat.read'] }));
    expect(back.searchParams.get('error'), back.toString()).toBeNull();
    const token = await oauth.getToken({ code: back.searchParams.get('code')!, redirect_uri: REDIRECT });
    expect(String(token.token.scope).split(' ').sort()).toEqual(['chat.read', 'email', 'openid', 'profile']);
    expect(token.token.id_token).toEqual(expect.any(String));
  });
});
