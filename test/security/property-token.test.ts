/**
 * Property-based hostile input at the OAuth endpoints (fast-check; README "Security model" →
 * "Hostile input"): random and nasty form parameters (SQL metacharacters, NUL, control characters,
 * invalid UTF-8, prototype keys, duplicates), random client authentication, random content types
 * and random raw bytes at token, introspect and revoke, and random query strings at authorize.
 * Each run asserts: status < 500; an RFC 6749 error body (or the endpoint's success shape); no
 * stack trace; and, for a refused request, no row added or removed.
 *
 * Bounded runs keep the suite fast; on failure fast-check prints the seed and path, and
 * `FC_SEED=<seed> npx vitest run test/security/property-token.test.ts` replays it.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContactCenter } from '../helpers/fixtures.ts';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';
import { STACK_TRACE, expectNoPrototypePollution, expectOAuthError, expectOAuthErrorPage, fcOptions, nastyString, rowCounts } from './hostile-helpers.ts';
import type { Answer } from './hostile-helpers.ts';

const TOKEN = '/auth/v3/oauth/token';
const INTROSPECT = '/auth/v3/oauth/introspect';
const REVOKE = '/auth/v3/oauth/revoke';
const REDIRECT = 'https://chat.example.com/callback';
const PASSWORD = 'Agent-Password-1';

let t: TestApp;
let client: { clientId: string; secret: string };

beforeAll(async () => {
  t = await startTestApp({
    LOG_LEVEL: 'warn',
    RATE_LIMIT_CLIENT_ADDRESS_FAILURES: '1000000',
    RATE_LIMIT_CLIENT_FAILURES: '1000000',
    RATE_LIMIT_USER_FAILURES: '1000000',
    RATE_LIMIT_ADDRESS_FAILURES: '1000000',
  });
  client = await createClient(t, { client_id: 'property_app', redirectURIs: [REDIRECT] });
  const ccid = (await createContactCenter(t.db.knex, { domains: ['t100'] })).ccid;
  const res = await t.request.post(`/environment/v3/contact-centers/${ccid}/users`).set('Authorization', basic(OPS.username, OPS.password)).send({ data: { username: 'agent', password: PASSWORD } });
  expect(res.status).toBe(200);
});
afterAll(async () => {
  await t.close();
});

/**
 * Percent-encodes like a form, except that a lone surrogate is written as the (invalid) UTF-8 of
 * its code point, so the server really receives malformed bytes.
 */
function encodeForm(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff;
    if (pair) {
      out += encodeURIComponent(s.slice(i, i + 2));
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += `%${(0xe0 | (c >> 12)).toString(16)}%${(0x80 | ((c >> 6) & 0x3f)).toString(16)}%${(0x80 | (c & 0x3f)).toString(16)}`.toUpperCase();
    } else {
      out += encodeURIComponent(s[i]!);
    }
  }
  return out;
}

const PARAM_NAMES = ['grant_type', 'client_id', 'client_secret', 'scope', 'username', 'password', 'tenant', 'refresh_token', 'code', 'redirect_uri', 'code_verifier', 'resource', 'token', 'token_type_hint', 'audience', '__proto__', 'constructor', 'prototype'];
const paramName = () => fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...PARAM_NAMES) }, { weight: 1, arbitrary: nastyString() });
const paramValue = () =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom('client_credentials', 'password', 'refresh_token', 'authorization_code', 'urn:ietf:params:oauth:grant-type:token-exchange', 't100\\agent', PASSWORD, 'property_app', REDIRECT, '*', 'openid', 'access_token') },
    { weight: 3, arbitrary: nastyString() },
  );
const formBody = () =>
  fc.array(fc.tuple(paramName(), paramValue()), { maxLength: 8 }).map((pairs) => pairs.map(([k, v]) => `${encodeForm(k)}=${encodeForm(v)}`).join('&'));

type Auth = 'basic' | 'basic-wrong' | 'basic-nasty' | 'post' | 'none';
const auth = () => fc.constantFrom<Auth>('basic', 'basic', 'basic-wrong', 'basic-nasty', 'post', 'none');
const contentType = () =>
  fc.constantFrom(
    'application/x-www-form-urlencoded',
    'application/x-www-form-urlencoded',
    'application/x-www-form-urlencoded; charset=utf-8',
    'application/x-www-form-urlencoded; charset=bogus',
    'application/json',
    'text/plain',
    'multipart/form-data',
    '',
  );

async function post(path: string, body: string | Buffer, a: Auth, type: string, nasty: string): Promise<Answer> {
  const req = t.request.post(path);
  if (type) req.set('Content-Type', type);
  if (a === 'basic') req.set('Authorization', basic(client.clientId, client.secret));
  if (a === 'basic-wrong') req.set('Authorization', basic(client.clientId, 'wrong-secret'));
  if (a === 'basic-nasty') req.set('Authorization', `Basic ${Buffer.from(`${nasty}:${nasty}`).toString('base64')}`);
  let payload: string | Buffer = body;
  if (a === 'post' && typeof body === 'string') payload = `${body}&client_id=${client.clientId}&client_secret=${client.secret}`;
  return req.send(payload);
}

/** The assertions every answer of the token, introspection and revocation endpoints must meet. */
function expectOAuthAnswer(path: string, res: Answer): void {
  expect(res.status, res.text).toBeLessThan(500);
  expect(res.text).not.toMatch(STACK_TRACE);
  if (res.status >= 400) return expectOAuthError(res);
  expect(res.status).toBe(200);
  if (path === TOKEN) {
    const body = res.body as Record<string, unknown>;
    expect(typeof body.access_token).toBe('string');
    expect(body.token_type).toBe('bearer');
  } else if (path === INTROSPECT) {
    expect(typeof (res.body as { active?: unknown }).active).toBe('boolean');
  } else {
    // RFC 7009 §2.2: an empty JSON object, the content type client libraries accept
    expect(res.text).toBe('{}');
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  }
}

describe('token, introspection and revocation endpoints under random input', { timeout: 120_000 }, () => {
  it('answer random form parameters with < 500, RFC 6749 JSON, no stack trace, nothing stored when refused (200 runs)', async () => {
    let refused = 0;
    let served = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(TOKEN, TOKEN, INTROSPECT, REVOKE), formBody(), auth(), contentType(), nastyString(), async (path, body, a, type, nasty) => {
        const before = await rowCounts(t.db.knex);
        const res = await post(path, body, a, type, nasty);
        expectOAuthAnswer(path, res);
        if (res.status >= 400) {
          refused++;
          expect(await rowCounts(t.db.knex)).toEqual(before);
        } else {
          served++;
        }
        expectNoPrototypePollution();
      }),
      fcOptions(200),
    );
    expect(refused).toBeGreaterThan(50);
    expect(served + refused).toBe(200);
  });

  it('answer random raw bytes with < 500 and RFC 6749 JSON (150 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(TOKEN, INTROSPECT, REVOKE), fc.uint8Array({ maxLength: 300 }), auth(), contentType(), async (path, bytes, a, type) => {
        const before = await rowCounts(t.db.knex);
        const res = await post(path, Buffer.from(bytes), a, type, 'x');
        expectOAuthAnswer(path, res);
        if (res.status >= 400) expect(await rowCounts(t.db.knex)).toEqual(before);
      }),
      fcOptions(150),
    );
  });

  it('answer a duplicated parameter of the grant with 400 invalid_request (100 runs)', async () => {
    // parameters a grant does not use are ignored (RFC 6749 §3.2), so dupes are drawn from each grant's own
    const grants: Record<string, { base: Record<string, string>; params: string[] }> = {
      password: { base: { username: 't100\\agent', password: PASSWORD }, params: ['grant_type', 'username', 'password', 'scope', 'tenant'] },
      refresh_token: { base: { refresh_token: 'x' }, params: ['grant_type', 'refresh_token', 'scope'] },
      authorization_code: { base: { code: 'x', redirect_uri: REDIRECT, code_verifier: 'v'.repeat(43) }, params: ['grant_type', 'code', 'redirect_uri', 'code_verifier'] },
      client_credentials: { base: {}, params: ['grant_type', 'scope'] },
    };
    const dupe = fc.constantFrom(...Object.keys(grants)).chain((grant) => fc.tuple(fc.constant(grant), fc.constantFrom(...grants[grant]!.params)));
    await fc.assert(
      fc.asyncProperty(dupe, paramValue(), paramValue(), async ([grant, name], v1, v2) => {
        const params = Object.entries({ grant_type: grant, ...grants[grant]!.base }).filter(([k]) => k !== name);
        const body = [...params.map(([k, v]) => `${k}=${encodeForm(v)}`), `${name}=${encodeForm(name === 'grant_type' ? grant : v1)}`, `${name}=${encodeForm(name === 'grant_type' ? grant : v2)}`].join('&');
        const before = await rowCounts(t.db.knex);
        const res = await post(TOKEN, body, 'basic', 'application/x-www-form-urlencoded', 'x');
        expectOAuthError(res, 400, 'invalid_request');
        expect(await rowCounts(t.db.knex)).toEqual(before);
      }),
      fcOptions(100),
    );
  });
});

describe('authorization endpoint under random input', { timeout: 120_000 }, () => {
  it('answers random query parameters with < 500: a redirect, or an error page (RFC 6749 JSON for a JSON caller) that stores nothing (150 runs)', async () => {
    const name = () =>
      fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom('redirect_uri', 'state', 'nonce', 'login_hint', 'ui_locales', 'scope', 'code_challenge', 'code_challenge_method', 'prompt', 'max_age', 'hideTenant', 'request', 'claims', 'client_id', 'response_type') },
        { weight: 1, arbitrary: nastyString() },
      );
    const value = () =>
      fc.oneof(
        fc.constantFrom(client.clientId, REDIRECT, 'code', 'openid', 'S256', 'login', '0', 'x'.repeat(43)),
        nastyString(),
        nastyString().map((s) => `${REDIRECT}/${s}`),
      );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(name(), value()), { maxLength: 8 }), fc.boolean(), fc.boolean(), async (pairs, withClient, jsonCaller) => {
        const base = withClient ? `client_id=${client.clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}&response_type=code&scope=openid&` : '';
        const query = base + pairs.map(([k, v]) => `${encodeForm(k)}=${encodeForm(v)}`).join('&');
        const before = await rowCounts(t.db.knex);
        const res = await t.request.get(`/auth/v3/oauth/authorize?${query}`).set('Accept', jsonCaller ? 'application/json' : 'text/html,*/*;q=0.8');
        expect(res.status, res.text).toBeLessThan(500);
        expect(res.text).not.toMatch(STACK_TRACE);
        if (res.status === 302 || res.status === 303) {
          const location = new URL(res.headers.location!, t.config.publicUrl);
          // only to the registered redirect URI or into ccauth's own interaction pages
          expect([REDIRECT, `${t.config.publicUrl}/auth/v3/interaction/${location.pathname.split('/').pop()}`]).toContain(`${location.origin}${location.pathname}`);
        } else {
          // a JSON caller gets RFC 6749 JSON; a browser the error page, or the JSON of the OAuth
          // input gate (http/middleware), which refuses malformed input before oidc-provider
          if (jsonCaller || String(res.headers['content-type']).startsWith('application/json')) expectOAuthError(res);
          else expectOAuthErrorPage(res);
          expect(await rowCounts(t.db.knex)).toEqual(before);
        }
      }),
      fcOptions(150),
    );
  });
});
