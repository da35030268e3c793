/**
 * RFC 9068 JWT access tokens for clients with `accessTokenFormat: "jwt"` (README "Signing keys"):
 * every grant (client_credentials, password, authorization_code, refresh_token) yields a token a
 * resource server verifies offline against the JWKS: header `typ: at+jwt`, `iss` = PUBLIC_URL,
 * `aud` = JWT_ACCESS_TOKEN_AUDIENCE, `exp`, `client_id`, `scope`, and `sub` (the user, or the client).
 * Opaque clients are unchanged; JWT access tokens are not stored, so introspection and revocation
 * refuse them (`unsupported_token_type`).
 */
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const ISSUER = 'http://ccauth.test';
const AUDIENCE = `${ISSUER}/api`;
const REDIRECT = 'https://wwe.example.com/callback';

let t: TestApp;
let jwtClient: { clientId: string; secret: string };
let restricted: { clientId: string; secret: string };
let opaque: { clientId: string; secret: string };

beforeAll(async () => {
  t = await startTestApp();
  jwtClient = await createClient(t, { client_id: 'chat_widget_api', accessTokenFormat: 'jwt', accessTokenExpirationTimeout: 900, redirectURIs: [REDIRECT] });
  restricted = await createClient(t, {
    client_id: 'reporting',
    accessTokenFormat: 'jwt',
    scope: ['reports.read', 'reports.write'],
    internalClient: false,
    authorities: [],
    authorizedGrantTypes: ['client_credentials'],
    redirectURIs: [],
  });
  opaque = await createClient(t, { client_id: 'opaque_client', redirectURIs: [REDIRECT] });
});
afterAll(async () => {
  await t.close();
});

const token = (c: { clientId: string; secret: string }, form: Record<string, string>) =>
  t.request.post('/auth/v3/oauth/token').set('Authorization', basic(c.clientId, c.secret)).type('form').send(form);

/** Verifies like a resource server would: signature against the published JWKS, typ, iss, aud. */
async function verifyAccessToken(jwt: string): Promise<JWTPayload> {
  const jwks = (await t.request.get('/auth/v3/oauth/jwks')).body;
  const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(jwks), { issuer: ISSUER, audience: AUDIENCE, typ: 'at+jwt', algorithms: ['ES256'] });
  expect(protectedHeader).toMatchObject({ typ: 'at+jwt', alg: 'ES256', kid: jwks.keys[0].kid });
  expect(payload).toMatchObject({ iss: ISSUER, aud: AUDIENCE, jti: expect.any(String), iat: expect.any(Number), exp: expect.any(Number) });
  return payload;
}

async function mintCode(clientId: string, resource?: string): Promise<string> {
  const { provider } = t.ccauth;
  const c = await provider.Client.find(clientId);
  const grant = new provider.Grant({ accountId: 'ops', clientId });
  grant.addOIDCScope('openid offline_access');
  if (resource) grant.addResourceScope(resource, '*');
  const grantId = await grant.save();
  return new provider.AuthorizationCode({
    accountId: 'ops',
    client: c!,
    grantId,
    redirectUri: REDIRECT,
    scope: 'openid offline_access *',
    gty: 'authorization_code',
    authTime: Math.floor(Date.now() / 1000),
    ...(resource ? { resource } : {}),
  }).save();
}

describe('JWT access tokens (RFC 9068)', () => {
  it('client_credentials: sub is the client, scope and lifetime from the client', async () => {
    const res = await token(jwtClient, { grant_type: 'client_credentials' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'bearer', expires_in: 900, scope: '*' });
    const p = await verifyAccessToken(res.body.access_token);
    expect(p).toMatchObject({ sub: jwtClient.clientId, client_id: jwtClient.clientId, scope: '*' });
    expect(p.exp! - p.iat!).toBe(900);
  });

  it('client_credentials: a restricted client gets its scopes', async () => {
    const all = await token(restricted, { grant_type: 'client_credentials' });
    expect(all.status).toBe(200);
    expect(await verifyAccessToken(all.body.access_token)).toMatchObject({ sub: 'reporting', client_id: 'reporting', scope: 'reports.read reports.write' });
    const one = await token(restricted, { grant_type: 'client_credentials', scope: 'reports.read' });
    expect(await verifyAccessToken(one.body.access_token)).toMatchObject({ scope: 'reports.read' });
    const denied = await token(restricted, { grant_type: 'client_credentials', scope: 'admin' });
    expect(denied.status).toBe(400);
    expect(denied.body.error).toBe('invalid_scope');
  });

  it('password: sub is the user; the refresh token yields JWT access tokens too', async () => {
    const res = await token(jwtClient, { grant_type: 'password', username: 'ops', password: 'ops' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'bearer', expires_in: 900, scope: '*', refresh_token: expect.any(String) });
    expect(await verifyAccessToken(res.body.access_token)).toMatchObject({ sub: 'ops', client_id: jwtClient.clientId, scope: '*' });

    const refreshed = await token(jwtClient, { grant_type: 'refresh_token', refresh_token: res.body.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ token_type: 'bearer', expires_in: 900, scope: '*' });
    expect(await verifyAccessToken(refreshed.body.access_token)).toMatchObject({ sub: 'ops', client_id: jwtClient.clientId, scope: '*' });
  });

  it('authorization_code: a JWT access token next to the ID token; refresh keeps the format', async () => {
    const res = await token(jwtClient, { grant_type: 'authorization_code', code: await mintCode(jwtClient.clientId, AUDIENCE), redirect_uri: REDIRECT });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'bearer', expires_in: 900, scope: '*' });
    expect(await verifyAccessToken(res.body.access_token)).toMatchObject({ sub: 'ops', client_id: jwtClient.clientId, scope: '*' });
    expect(decodeProtectedHeader(res.body.id_token)).toMatchObject({ alg: 'ES256' });
    expect(decodeProtectedHeader(res.body.id_token).typ).not.toBe('at+jwt');

    const refreshed = await token(jwtClient, { grant_type: 'refresh_token', refresh_token: res.body.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(await verifyAccessToken(refreshed.body.access_token)).toMatchObject({ sub: 'ops', scope: '*' });
  });

  it('authorization endpoint: a jwt client is sent to the interaction (its resource defaulted), a foreign resource is refused', async () => {
    const q = { client_id: jwtClient.clientId, response_type: 'code', redirect_uri: REDIRECT, scope: 'openid *', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' };
    const ok = await t.request.get('/auth/v3/oauth/authorize').query(q);
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toMatch(/^\/auth\/v3\/interaction\//);
    const bad = await t.request.get('/auth/v3/oauth/authorize').query({ ...q, resource: 'https://elsewhere.example.com/' });
    expect(bad.status).toBe(303);
    expect(new URL(bad.headers.location!).searchParams.get('error')).toBe('invalid_target');
  });

  it('refuses a resource indicator other than the API (invalid_target, RFC 8707)', async () => {
    const res = await token(jwtClient, { grant_type: 'authorization_code', code: await mintCode(jwtClient.clientId, AUDIENCE), redirect_uri: REDIRECT, resource: 'https://elsewhere.example.com/' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_target');
  });

  it('honours resource (RFC 8707 §2) on client_credentials, password and refresh_token: the API for a jwt client, invalid_target otherwise', async () => {
    const FOREIGN = 'https://elsewhere.example.com/';
    const ops = { username: 'ops', password: 'ops' };
    // the API resource: the same JWT access token as without it
    const cc = await token(jwtClient, { grant_type: 'client_credentials', resource: AUDIENCE });
    expect(cc.status, cc.text).toBe(200);
    expect(await verifyAccessToken(cc.body.access_token)).toMatchObject({ aud: AUDIENCE, sub: jwtClient.clientId });
    const pw = await token(jwtClient, { grant_type: 'password', ...ops, resource: AUDIENCE });
    expect(pw.status, pw.text).toBe(200);
    expect(await verifyAccessToken(pw.body.access_token)).toMatchObject({ aud: AUDIENCE, sub: 'ops' });
    const rt = await token(jwtClient, { grant_type: 'refresh_token', refresh_token: pw.body.refresh_token, resource: AUDIENCE });
    expect(rt.status, rt.text).toBe(200);
    expect(await verifyAccessToken(rt.body.access_token)).toMatchObject({ aud: AUDIENCE });

    const refused = [
      await token(jwtClient, { grant_type: 'client_credentials', resource: FOREIGN }),
      await token(jwtClient, { grant_type: 'password', ...ops, resource: FOREIGN }),
      await token(jwtClient, { grant_type: 'refresh_token', refresh_token: rt.body.refresh_token, resource: FOREIGN }),
      await token(jwtClient, { grant_type: 'client_credentials', resource: 'not a uri' }),
      await token(opaque, { grant_type: 'client_credentials', resource: AUDIENCE }),
      await token(opaque, { grant_type: 'password', ...ops, resource: AUDIENCE }),
      await token(opaque, { grant_type: 'refresh_token', refresh_token: (await token(opaque, { grant_type: 'password', ...ops })).body.refresh_token, resource: AUDIENCE }),
    ];
    for (const res of refused) {
      expect(res.status, res.text).toBe(400);
      expect(res.body.error, res.text).toBe('invalid_target');
      expect(res.body.access_token).toBeUndefined();
    }
    // two different resources at once (RFC 8707 §2: one access token serves one resource here)
    const two = await t.request.post('/auth/v3/oauth/token').set('Authorization', basic(jwtClient.clientId, jwtClient.secret)).type('form').send(`grant_type=client_credentials&resource=${encodeURIComponent(AUDIENCE)}&resource=${encodeURIComponent(FOREIGN)}`);
    expect(two.status, two.text).toBe(400);
    expect(two.body.error).toBe('invalid_target');
    // the refused refresh did not spend the refresh token
    const again = await token(jwtClient, { grant_type: 'refresh_token', refresh_token: rt.body.refresh_token });
    expect(again.status, again.text).toBe(200);
  });

  it('is not stored: introspection and revocation refuse it (verify the signature and exp instead)', async () => {
    const at = (await token(jwtClient, { grant_type: 'client_credentials' })).body.access_token;
    for (const endpoint of ['introspect', 'revoke']) {
      const res = await t.request.post(`/auth/v3/oauth/${endpoint}`).set('Authorization', basic(jwtClient.clientId, jwtClient.secret)).type('form').send({ token: at });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'unsupported_token_type' });
    }
    // and it still verifies: revocation cannot reach it
    await verifyAccessToken(at);
  });

  it('leaves opaque clients opaque (no audience, introspectable)', async () => {
    for (const res of [
      await token(opaque, { grant_type: 'client_credentials' }),
      await token(opaque, { grant_type: 'password', username: 'ops', password: 'ops' }),
      await token(opaque, { grant_type: 'authorization_code', code: await mintCode(opaque.clientId), redirect_uri: REDIRECT }),
    ]) {
      expect(res.status).toBe(200);
      expect(res.body.access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const intro = await t.request.post('/auth/v3/oauth/introspect').set('Authorization', basic(opaque.clientId, opaque.secret)).type('form').send({ token: res.body.access_token });
      expect(intro.body.active).toBe(true);
      expect(intro.body.aud).toBeUndefined();
    }
  });
});
