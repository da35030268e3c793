/**
 * Every JSON response carries `X-Content-Type-Options: nosniff` (the pages already do; README
 * "Security model" → "Hostile input"): OAuth endpoints and their errors, discovery, JWKS, userinfo,
 * the ops and Environment APIs and their errors, sign-out, health, and the JSON 404.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

let t: TestApp;
let client: { clientId: string; secret: string };
let accessToken: string;

beforeAll(async () => {
  t = await startTestApp();
  client = await createClient(t);
  const res = await t.request.post('/auth/v3/oauth/token').set('Authorization', basic(client.clientId, client.secret)).type('form').send({ grant_type: 'password', username: 'ops', password: 'ops' });
  accessToken = res.body.access_token;
});
afterAll(async () => {
  await t.close();
});

type Res = { status: number; headers: Record<string, string> };

describe('X-Content-Type-Options: nosniff on every JSON response', () => {
  const cases: [string, () => Promise<Res>][] = [
    ['token 200', () => t.request.post('/auth/v3/oauth/token').set('Authorization', basic(client.clientId, client.secret)).type('form').send({ grant_type: 'client_credentials' })],
    ['token 400', () => t.request.post('/auth/v3/oauth/token').set('Authorization', basic(client.clientId, client.secret)).type('form').send({ grant_type: 'nope' })],
    ['token 401', () => t.request.post('/auth/v3/oauth/token').set('Authorization', basic('no-such-client', 'x')).type('form').send({ grant_type: 'client_credentials' })],
    ['introspection', () => t.request.post('/auth/v3/oauth/introspect').set('Authorization', basic(client.clientId, client.secret)).type('form').send({ token: accessToken })],
    ['revocation', () => t.request.post('/auth/v3/oauth/revoke').set('Authorization', basic(client.clientId, client.secret)).type('form').send({ token: 'unknown-token-unknown-token' })],
    // a caller accepting only JSON (a browser gets the error page: README "Signing in" → "Error pages")
    ['authorization error', () => t.request.get('/auth/v3/oauth/authorize?client_id=no-such-client&response_type=code').set('Accept', 'application/json')],
    ['jwks', () => t.request.get('/auth/v3/oauth/jwks')],
    ['OIDC discovery', () => t.request.get('/.well-known/openid-configuration')],
    ['RFC 8414 discovery', () => t.request.get('/.well-known/oauth-authorization-server')],
    ['userinfo 200', () => t.request.get('/auth/v3/userinfo').set('Authorization', `Bearer ${accessToken}`)],
    ['userinfo 401', () => t.request.get('/auth/v3/userinfo')],
    ['OIDC userinfo 401', () => t.request.get('/auth/v3/openid/userinfo').set('Authorization', 'Bearer not-a-live-token-0000000000')],
    ['Environment API 200', () => t.request.get('/environment/v3/environments').set('Authorization', basic(OPS.username, OPS.password))],
    ['Environment API 401', () => t.request.get('/environment/v3/environments')],
    ['Environment API 404', () => t.request.get('/environment/v3/contact-centers/00000000-0000-4000-8000-000000000000').set('Authorization', basic(OPS.username, OPS.password))],
    ['Environment API 400', () => t.request.post('/environment/v3/environments').set('Authorization', basic(OPS.username, OPS.password)).send({ data: { localTimeout: 'x' } })],
    ['ops API 200', () => t.request.get('/auth/v3/ops/clients').set('Authorization', basic(OPS.username, OPS.password))],
    ['ops API 401', () => t.request.get('/auth/v3/ops/clients').set('Authorization', basic(OPS.username, 'wrong'))],
    ['sign-out 401', () => t.request.post('/auth/v3/sign-out')],
    ['healthz', () => t.request.get('/healthz')],
    ['readyz', () => t.request.get('/readyz')],
    ['JSON 404', () => t.request.get('/no/such/endpoint')],
  ];

  it.each(cases)('%s', async (_label, send) => {
    const res = await send();
    expect(res.headers['content-type'], `${res.status}`).toMatch(/^application\/([a-z-]+\+)?json/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});
