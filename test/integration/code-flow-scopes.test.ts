/**
 * Scopes in the authorization code flow (README "Signing in" → "Scopes"; RFC 6749 §3.3): the same
 * rule as the token endpoint. A `["*"]` client may ask for every scope the provider declares
 * (`openid profile email offline_access *`) plus any API scope; a restricted client for its own
 * list; a request without `scope` gets the default (`*`, or the client's list). Granted API scopes
 * reach the token response, introspection and a JWT access token's `scope` claim (RFC 9068 §2.2.3).
 * Authorization errors are logged and counted in `/metrics`.
 */
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';
import { followInside, hiddenField, newBrowser, pathOf, pkce, postSignIn } from '../helpers/interaction-flow.ts';

const ISSUER = 'http://ccauth.test';
const REDIRECT = 'https://app.example.com/cb';

type TestClient = { clientId: string; secret: string };
let t: TestApp;
let internalStar: TestClient;
let thirdPartyStar: TestClient;
let restricted: TestClient;
let jwtStar: TestClient;
let resourceServer: TestClient;

beforeAll(async () => {
  t = await startTestApp();
  internalStar = await createClient(t, { client_id: 'internal_star', redirectURIs: [REDIRECT] });
  thirdPartyStar = await createClient(t, { client_id: 'third_party_star', internalClient: false, authorities: [], redirectURIs: [REDIRECT] });
  restricted = await createClient(t, { client_id: 'restricted', scope: ['chat.read', 'profile'], redirectURIs: [REDIRECT] });
  jwtStar = await createClient(t, { client_id: 'jwt_star', accessTokenFormat: 'jwt', redirectURIs: [REDIRECT] });
  resourceServer = await createClient(t, { client_id: 'resource_server', authorities: ['ROLE_RESOURCE_SERVER'], authorizedGrantTypes: ['client_credentials'], redirectURIs: [] });
});
afterAll(async () => {
  await t.close();
});

/**
 * Walks authorize → sign-in as the ops principal → consent (third-party clients) → back to the
 * client. Returns the redirect to the client (with `code` or `error`) and the PKCE verifier.
 */
async function codeFlow(client: TestClient, params: Record<string, string>): Promise<{ back: URL; verifier: string }> {
  const browser = newBrowser(t);
  const { verifier, challenge } = pkce();
  const q = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: REDIRECT,
    response_type: 'code',
    state: 'st',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...params,
  });
  const authorize = await browser.get(`/auth/v3/oauth/authorize?${q.toString()}`);
  expect(authorize.status, authorize.text).toBe(303);
  let end = await followInside(browser, authorize.headers.location!);
  if (end.location) return { back: new URL(end.location), verifier };
  const page = end.res!;
  expect(page.status, page.text).toBe(200);
  const post = await postSignIn(browser, page.text, { username: OPS.username, password: OPS.password });
  expect(post.status).toBe(303);
  end = await followInside(browser, post.headers.location!);
  if (!end.location) {
    const consent = end.res!;
    expect(consent.status, consent.text).toBe(200);
    expect(consent.text).toContain('Allow');
    const action = /<form method="post" action="([^"]+)">/.exec(consent.text)![1]!;
    const allow = await browser.post(action).type('form').send({ uid: hiddenField(consent.text, 'uid'), csrf: hiddenField(consent.text, 'csrf') });
    expect(allow.status).toBe(303);
    end = await followInside(browser, pathOf(allow.headers.location!));
  }
  return { back: new URL(end.location!), verifier };
}

/** The code flow to the end: the token response. */
async function tokensFor(client: TestClient, params: Record<string, string>) {
  const { back, verifier } = await codeFlow(client, params);
  expect(back.searchParams.get('error'), back.toString()).toBeNull();
  const code = back.searchParams.get('code')!;
  const res = await t.request
    .post('/auth/v3/oauth/token')
    .set('Authorization', basic(client.clientId, client.secret))
    .type('form')
    .send({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier });
  expect(res.status, res.text).toBe(200);
  return res.body as { access_token: string; scope: string; id_token?: string; refresh_token?: string };
}

const sorted = (scope: string | undefined) => (scope ?? '').split(' ').filter(Boolean).sort();

async function introspect(token: string) {
  const res = await t.request.post('/auth/v3/oauth/introspect').set('Authorization', basic(resourceServer.clientId, resourceServer.secret)).type('form').send({ token });
  expect(res.status).toBe(200);
  return res.body as { active: boolean; scope?: string };
}

describe('a ["*"] client may ask for every declared scope', () => {
  it('grants openid profile email offline_access to an internal * client', async () => {
    const body = await tokensFor(internalStar, { scope: 'openid profile email offline_access', nonce: 'n-1' });
    // OIDC Core §11: offline_access is ignored without prompt=consent; a client with the
    // refresh_token grant gets a refresh token all the same (the Genesys rule, README "Signing in")
    expect(sorted(body.scope)).toEqual(['email', 'openid', 'profile']);
    expect(body.id_token).toEqual(expect.any(String));
    expect(body.refresh_token).toEqual(expect.any(String));
  });

  it('grants openid profile email offline_access to a third-party * client (after consent)', async () => {
    const body = await tokensFor(thirdPartyStar, { scope: 'openid profile email offline_access', nonce: 'n-2', prompt: 'consent' });
    expect(sorted(body.scope)).toEqual(['email', 'offline_access', 'openid', 'profile']);
  });

  it('still refuses a declared scope outside a restricted client list (invalid_scope back to the client)', async () => {
    const { back } = await codeFlow(restricted, { scope: 'openid email' });
    expect(back.origin + back.pathname).toBe(REDIRECT);
    expect(back.searchParams.get('error')).toBe('invalid_scope');
    expect(back.searchParams.get('state')).toBe('st');
  });
});

describe('the default scope and API scopes in the code flow (RFC 6749 §3.3)', () => {
  it('gives a * client that sends no scope the scope * (as the token endpoint does)', async () => {
    const body = await tokensFor(internalStar, {});
    expect(body.scope).toBe('*');
    expect(body.id_token).toBeUndefined();
    expect(await introspect(body.access_token)).toMatchObject({ active: true, scope: '*' });
  });

  it('gives a restricted client that sends no scope its whole list', async () => {
    const body = await tokensFor(restricted, {});
    expect(sorted(body.scope)).toEqual(['chat.read', 'profile']);
  });

  it('keeps API scopes next to openid, in the token response and in introspection', async () => {
    const body = await tokensFor(internalStar, { scope: 'openid chat.read', nonce: 'n-3' });
    expect(sorted(body.scope)).toEqual(['chat.read', 'openid']);
    const info = await introspect(body.access_token);
    expect(info.active).toBe(true);
    expect(sorted(info.scope)).toEqual(['chat.read', 'openid']);
    // and a refresh keeps them
    const refreshed = await t.request
      .post('/auth/v3/oauth/token')
      .set('Authorization', basic(internalStar.clientId, internalStar.secret))
      .type('form')
      .send({ grant_type: 'refresh_token', refresh_token: body.refresh_token! });
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(sorted(refreshed.body.scope)).toEqual(['chat.read', 'openid']);
    expect(sorted((await introspect(refreshed.body.access_token)).scope)).toEqual(['chat.read', 'openid']);
  });

  it('grants API scopes asked alone (no access_denied after a correct sign-in)', async () => {
    const body = await tokensFor(internalStar, { scope: 'chat.read chat.write' });
    expect(sorted(body.scope)).toEqual(['chat.read', 'chat.write']);
    const third = await tokensFor(thirdPartyStar, { scope: 'chat.read' });
    expect(third.scope).toBe('chat.read');
    const own = await tokensFor(restricted, { scope: 'chat.read' });
    expect(own.scope).toBe('chat.read');
  });

  it('refuses an API scope outside a restricted client list with invalid_scope, logged and counted', async () => {
    const { back } = await codeFlow(restricted, { scope: 'chat.read chat.write' });
    expect(back.origin + back.pathname).toBe(REDIRECT);
    expect(back.searchParams.get('error')).toBe('invalid_scope');
    expect(back.searchParams.get('error_description')).toBe('requested scope is not allowed');
    expect(back.searchParams.get('scope')).toBe('chat.write');

    const logged = t.logs().map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.event === 'authorization_error' && l.error === 'invalid_scope');
    expect(logged).toMatchObject({ event: 'authorization_error', error: 'invalid_scope', client_id: 'restricted', msg: 'authorization request refused' });
    const metrics = (await t.request.get('/metrics')).text;
    expect(metrics).toMatch(/^ccauth_authorization_requests_total\{outcome="error",error="invalid_scope"\} [1-9]/m);
    expect(metrics).toMatch(/^ccauth_authorization_requests_total\{outcome="success",error="none"\} [1-9]/m);
  });
});

describe('JWT access tokens keep the scope (RFC 9068 §2.2.3, RFC 6749 §5.1)', () => {
  async function verify(jwt: string) {
    const jwks = (await t.request.get('/auth/v3/oauth/jwks')).body;
    return (await jwtVerify(jwt, createLocalJWKSet(jwks), { issuer: ISSUER, audience: `${ISSUER}/api`, typ: 'at+jwt' })).payload;
  }

  it('scope=openid: the token response and the JWT both say openid', async () => {
    const body = await tokensFor(jwtStar, { scope: 'openid', nonce: 'n-4' });
    expect(body.scope).toBe('openid');
    expect((await verify(body.access_token)).scope).toBe('openid');
  });

  it('openid plus an API scope, and API scopes alone, reach the JWT scope claim', async () => {
    const both = await tokensFor(jwtStar, { scope: 'openid chat.read', nonce: 'n-5' });
    expect(sorted(both.scope)).toEqual(['chat.read', 'openid']);
    expect(sorted((await verify(both.access_token)).scope as string)).toEqual(['chat.read', 'openid']);
    const none = await tokensFor(jwtStar, {});
    expect(none.scope).toBe('*');
    expect((await verify(none.access_token)).scope).toBe('*');
  });
});
