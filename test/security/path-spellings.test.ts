/**
 * Every OAuth endpoint has one spelling (README "Security model" → "Hostile input"; RFC 3986 §6.2.2
 * leaves path case and trailing slashes significant): oidc-provider's router also matches other
 * spellings (upper case, a trailing slash), which would skip the gates keyed on the exact path —
 * the input gate, the body limit, the CORS edge, the blocked-pair check. Every other spelling of
 * an endpoint the provider (or the userinfo routes) serves answers 404; the canonical ones keep
 * every gate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVIDER_ID_PARENTS, PROVIDER_PATHS } from '../../src/oauth/endpoint-paths.ts';
import { basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const NOT_FOUND = { error: 'not_found', error_description: 'no such endpoint' };
const REDIRECT = 'https://chat.example.com/callback';

let t: TestApp;
let client: { clientId: string; secret: string };

beforeAll(async () => {
  t = await startTestApp({ TRUST_PROXY: 'true', RATE_LIMIT_CLIENT_ADDRESS_FAILURES: '2' });
  client = await createClient(t, { client_id: 'spelling_app', redirectURIs: [REDIRECT] });
});
afterAll(async () => {
  await t.close();
});

/** Asserts the JSON 404 of a non-canonical spelling. */
function expectNotFound(res: { status: number; body: unknown; headers: Record<string, string> }): void {
  expect(res.status).toBe(404);
  expect(res.body).toEqual(NOT_FOUND);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['access-control-allow-origin']).toBeUndefined();
}

const authorizeQuery = `client_id=spelling_app&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT)}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`;

describe('the spellings reported', () => {
  it('NUL in state on the upper-case authorize path: 404, not 500', async () => {
    const res = await t.request.get(`/AUTH/V3/OAUTH/AUTHORIZE?${authorizeQuery}&state=a%00b`).set('Accept', 'application/json');
    expectNotFound(res);
  });

  it('a 50 KB body on /auth/v3/oauth/TOKEN: 404, never read by the provider', async () => {
    const body = `grant_type=client_credentials&pad=${'x'.repeat(50 * 1024)}`;
    const res = await t.request.post('/auth/v3/oauth/TOKEN').set('Authorization', basic(client.clientId, client.secret)).type('form').send(body);
    expectNotFound(res);
    // the canonical spelling still answers 413
    const canonical = await t.request.post('/auth/v3/oauth/token').set('Authorization', basic(client.clientId, client.secret)).type('form').send(body);
    expect(canonical.status).toBe(413);
  });

  it('a preflight from https://evil.example on /auth/v3/oauth/token/: 404, no origin reflected', async () => {
    const res = await t.request
      .options('/auth/v3/oauth/token/')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expectNotFound(res);
    // the canonical preflight is answered by the CORS edge, without allowing that origin
    const canonical = await t.request.options('/auth/v3/oauth/token').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'POST');
    expect(canonical.status).toBe(204);
    expect(canonical.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('a blocked (client, address) pair is not unblocked by another spelling', async () => {
    const address = '192.0.2.60';
    for (let i = 0; i < 2; i++) {
      const res = await t.request.post('/auth/v3/oauth/token').set('X-Forwarded-For', address).set('Authorization', basic(client.clientId, 'wrong')).type('form').send({ grant_type: 'client_credentials' });
      expect(res.status).toBe(401);
    }
    for (const path of ['/auth/v3/oauth/token', '/auth/v3/oauth/Token', '/auth/v3/oauth/token/']) {
      const res = await t.request.post(path).set('X-Forwarded-For', address).set('Authorization', basic(client.clientId, client.secret)).type('form').send({ grant_type: 'client_credentials' });
      if (path === '/auth/v3/oauth/token') expect(res.status).toBe(429);
      else expectNotFound(res);
    }
  });
});

describe('every endpoint, every spelling', () => {
  const endpoints: [string, 'GET' | 'POST'][] = [
    ['/auth/v3/oauth/token', 'POST'],
    ['/auth/v3/oauth/authorize', 'GET'],
    ['/auth/v3/oauth/introspect', 'POST'],
    ['/auth/v3/oauth/revoke', 'POST'],
    ['/auth/v3/oauth/jwks', 'GET'],
    ['/auth/v3/oauth/logout', 'GET'],
    ['/auth/v3/oauth/logout/confirm', 'POST'],
    ['/auth/v3/oauth/logout/success', 'GET'],
    ['/auth/v3/userinfo', 'GET'],
    ['/auth/v3/openid/userinfo', 'GET'],
    ['/.well-known/openid-configuration', 'GET'],
    ['/.well-known/oauth-authorization-server', 'GET'],
  ];
  const spellings = (path: string): [string, string][] => [
    ['upper case', path.toUpperCase()],
    ['one letter upper case', path.replace(/[a-z](?=[a-z]*$)/, (c) => c.toUpperCase())],
    ['trailing slash', `${path}/`],
    ['two trailing slashes', `${path}//`],
    ['double slash inside', path.replace('/v3/', '/v3//').replace('/.well-known/', '//.well-known/')],
    ['leading double slash', `/${path}`],
    ['percent-encoded letter', path.replace(/([a-z])([a-z]*)$/, (_m, c: string, rest: string) => `%${c.charCodeAt(0).toString(16)}${rest}`)],
    ['percent-encoded slash', path.replace(/\/([^/]+)$/, '%2F$1')],
    ['dot segment', path.replace(/\/([^/]+)$/, '/./$1')],
  ];
  for (const [path, method] of endpoints) {
    for (const [label, spelled] of spellings(path)) {
      it(`${method} ${path}, ${label} (${spelled}): 404`, async () => {
        const req = method === 'GET' ? t.request.get(spelled) : t.request.post(spelled).type('form').send('token=x');
        const res = await req.set('Authorization', basic(client.clientId, client.secret)).set('Accept', 'application/json');
        expect(res.status).toBe(404);
        expect(res.body).toEqual(NOT_FOUND);
      });
    }
    it(`${method} ${path}, canonical: not 404`, async () => {
      const req = method === 'GET' ? t.request.get(path) : t.request.post(path).type('form').send('token=x');
      const res = await req.set('Authorization', basic(client.clientId, client.secret)).set('Accept', 'application/json');
      expect(res.status).not.toBe(404);
      expect(res.status).toBeLessThan(500);
    });
  }

  it('the resume path keeps its case-sensitive id: /auth/v3/oauth/authorize/<uid> is not refused here, /AUTH/V3/OAUTH/AUTHORIZE/<uid> is', async () => {
    const canonical = await t.request.get('/auth/v3/oauth/authorize/AbC-123_x').set('Accept', 'application/json');
    expect(canonical.status).not.toBe(404);
    expect(canonical.status).toBeLessThan(500);
    expectNotFound(await t.request.get('/AUTH/V3/OAUTH/AUTHORIZE/AbC-123_x').set('Accept', 'application/json'));
    expectNotFound(await t.request.get('/auth/v3/oauth/authorize/AbC-123_x/').set('Accept', 'application/json'));
  });

  it('a browser gets a page, not JSON', async () => {
    const res = await t.request.get(`/AUTH/V3/OAUTH/AUTHORIZE?${authorizeQuery}&state=s`).set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.text).toContain('Page not found');
  });
});

describe('the list of guarded paths', () => {
  it('covers every route oidc-provider registered (a feature enabled later cannot open an unguarded spelling)', () => {
    const names = [
      'authorization', 'resume', 'userinfo', 'token', 'jwks', 'discovery', 'revocation', 'introspection', 'end_session', 'end_session_confirm',
      'end_session_success', 'device_authorization', 'code_verification', 'device_resume', 'pushed_authorization_request',
      'backchannel_authentication', 'registration', 'client', 'challenge', 'credential', 'openid_credential_issuer',
    ];
    const registered: string[] = [];
    for (const name of names) {
      let path: string;
      try {
        path = t.ccauth.provider.pathFor(name, { uid: 'AbC-1', clientId: 'AbC-1' } as never);
      } catch {
        continue; // not registered (feature disabled)
      }
      registered.push(path);
      const covered = PROVIDER_PATHS.includes(path) || path === '/auth/v3/openid/userinfo' || PROVIDER_ID_PARENTS.some((p) => path === `${p}/AbC-1`);
      expect(covered, path).toBe(true);
    }
    expect(registered).toEqual(expect.arrayContaining(['/auth/v3/oauth/token', '/auth/v3/oauth/authorize', '/auth/v3/oauth/authorize/AbC-1', '/auth/v3/oauth/logout/confirm']));
  });
});
