/**
 * PKCE (RFC 7636): only `S256`; required for public clients and for clients with `pkceRequired`;
 * optional for other confidential clients (Genesys WWE/GWS send none); when a challenge was sent,
 * the token endpoint checks the verifier (RFC 7636 §4.6). genesys-api.md §8.4: CXone passes the
 * verifier from a different party than the one that started authorize.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const AUTHORIZE = '/auth/v3/oauth/authorize';
const TOKEN = '/auth/v3/oauth/token';
const REDIRECT = 'https://chat.example.com/callback';
let t: TestApp;
let confidential: { clientId: string; secret: string };
let strict: { clientId: string; secret: string };
let publicClient: { clientId: string };

const verifier = () => randomBytes(32).toString('base64url');
const s256 = (v: string) => createHash('sha256').update(v).digest('base64url');

beforeAll(async () => {
  t = await startTestApp();
  confidential = await createClient(t, { client_id: 'genesys_wwe', redirectURIs: [REDIRECT] });
  strict = await createClient(t, { client_id: 'cxone', redirectURIs: [REDIRECT], pkceRequired: true });
  const pub = await createClient(t, { client_id: 'spa', clientType: 'PUBLIC', internalClient: false, authorities: [], authorizedGrantTypes: ['authorization_code', 'refresh_token'], redirectURIs: [REDIRECT] });
  publicClient = { clientId: pub.clientId };
});
afterAll(async () => {
  await t.close();
});

const authorize = (clientId: string, extra: Record<string, string> = {}) =>
  t.request.get(AUTHORIZE).query({ client_id: clientId, response_type: 'code', scope: 'openid', state: 'st-9', redirect_uri: REDIRECT, ...extra });

function expectErrorRedirect(res: { status: number; headers: Record<string, string> }, error: string, description: RegExp): void {
  expect(res.status).toBe(303);
  const loc = new URL(res.headers.location!);
  expect(`${loc.origin}${loc.pathname}`).toBe(REDIRECT);
  expect(loc.searchParams.get('error')).toBe(error);
  expect(loc.searchParams.get('error_description')).toMatch(description);
  expect(loc.searchParams.get('state')).toBe('st-9');
  expect(loc.searchParams.has('code')).toBe(false);
}

function expectInteraction(res: { status: number; headers: Record<string, string> }): void {
  expect(res.status).toBe(303);
  expect(res.headers.location).toMatch(/\/interaction\/[A-Za-z0-9_-]+$/);
}

describe('authorization endpoint', () => {
  it('a public client without code_challenge gets an error redirect', async () => {
    expectErrorRedirect(await authorize(publicClient.clientId), 'invalid_request', /requires PKCE/);
  });

  it('a pkceRequired confidential client without code_challenge gets an error redirect', async () => {
    expectErrorRedirect(await authorize(strict.clientId), 'invalid_request', /requires PKCE/);
  });

  it('code_challenge_method=plain is refused, for every kind of client', async () => {
    for (const id of [publicClient.clientId, strict.clientId, confidential.clientId]) {
      const v = verifier();
      expectErrorRedirect(await authorize(id, { code_challenge: v, code_challenge_method: 'plain' }), 'invalid_request', /code_challenge_method/);
    }
  });

  it('a challenge without a method is refused (no implicit plain)', async () => {
    expectErrorRedirect(await authorize(publicClient.clientId, { code_challenge: s256(verifier()) }), 'invalid_request', /code_challenge_method/);
  });

  it('S256 proceeds to the login interaction', async () => {
    for (const id of [publicClient.clientId, strict.clientId, confidential.clientId]) {
      expectInteraction(await authorize(id, { code_challenge: s256(verifier()), code_challenge_method: 'S256' }));
    }
  });

  it('a confidential Genesys client without PKCE still proceeds', async () => {
    expectInteraction(await authorize(confidential.clientId));
  });

  it('discovery lists only S256', async () => {
    const res = await t.request.get('/.well-known/openid-configuration');
    expect(res.body.code_challenge_methods_supported).toEqual(['S256']);
  });
});

describe('token endpoint', () => {
  async function mintCode(clientId: string, challenge?: string): Promise<string> {
    const { provider } = t.ccauth;
    const c = await provider.Client.find(clientId);
    const grant = new provider.Grant({ accountId: 'ops', clientId });
    grant.addOIDCScope('openid offline_access *');
    const grantId = await grant.save();
    return new provider.AuthorizationCode({
      accountId: 'ops',
      client: c!,
      grantId,
      redirectUri: REDIRECT,
      scope: 'openid offline_access *',
      gty: 'authorization_code',
      authTime: Math.floor(Date.now() / 1000),
      ...(challenge ? { codeChallenge: challenge, codeChallengeMethod: 'S256' } : {}),
    }).save();
  }
  const redeemConfidential = (c: { clientId: string; secret: string }, form: Record<string, string>) =>
    t.request.post(TOKEN).set('Authorization', basic(c.clientId, c.secret)).type('form').send({ grant_type: 'authorization_code', redirect_uri: REDIRECT, ...form });
  const redeemPublic = (form: Record<string, string>) =>
    t.request.post(TOKEN).type('form').send({ grant_type: 'authorization_code', redirect_uri: REDIRECT, client_id: publicClient.clientId, ...form });

  it('accepts the matching verifier (public client, no secret)', async () => {
    const v = verifier();
    const res = await redeemPublic({ code: await mintCode(publicClient.clientId, s256(v)), code_verifier: v });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'bearer' });
    expect(res.body.access_token).toEqual(expect.any(String));
  });

  it('accepts the matching verifier sent by a different party than the authorize caller (CXone back end)', async () => {
    const v = verifier();
    const res = await redeemConfidential(strict, { code: await mintCode(strict.clientId, s256(v)), code_verifier: v });
    expect(res.status).toBe(200);
    expect(res.body.refresh_token).toEqual(expect.any(String));
  });

  it('refuses a wrong or missing verifier with invalid_grant, and the code stays unused', async () => {
    const v = verifier();
    const code = await mintCode(publicClient.clientId, s256(v));
    const wrong = await redeemPublic({ code, code_verifier: verifier() });
    const missing = await redeemPublic({ code });
    for (const res of [wrong, missing]) {
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
      expect(res.body).not.toHaveProperty('access_token');
    }
    // the failed attempts did not burn the code: the right verifier still works
    expect((await redeemPublic({ code, code_verifier: v })).status).toBe(200);
  });

  it('refuses a verifier sent for a code that had no challenge', async () => {
    const res = await redeemConfidential(confidential, { code: await mintCode(confidential.clientId), code_verifier: verifier() });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });

  it('a confidential Genesys client without PKCE redeems a code without a verifier', async () => {
    const res = await redeemConfidential(confidential, { code: await mintCode(confidential.clientId) });
    expect(res.status).toBe(200);
  });
});
