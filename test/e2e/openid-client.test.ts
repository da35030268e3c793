/**
 * A real relying party (openid-client) against a listening ccauth (NICE CXone "OAuth in Digital Experience": a chat back end with
 * customer authentication): discovery, authorization code + PKCE through the real login and consent
 * forms, code exchange, userinfo in both shapes, refresh rotation, reuse detection, introspection
 * and revocation. The "browser" part is a cookie-keeping HTTP client posting the real forms.
 */
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, createClient, startListeningTestApp } from '../helpers/test-app.ts';
import type { ListeningTestApp } from '../helpers/test-app.ts';
import { followInside, hiddenField, newBrowser, pathOf } from '../helpers/interaction-flow.ts';

const REDIRECT = 'https://chat.example.com/oauth/callback';
const PASSWORD = 'Customer-Passw0rd!';
let t: ListeningTestApp;
let issuer: string;
let chat: { clientId: string; secret: string };
let resourceServer: { clientId: string; secret: string };
let ccid: string;
let dbid: number;

beforeAll(async () => {
  t = await startListeningTestApp();
  issuer = t.issuer;

  const ops = basic('ops', 'ops');
  const env = await t.request.post('/environment/v3/environments').set('Authorization', ops).send({ data: { username: 'default', password: 'password' } });
  const cc = await t.request.post('/environment/v3/contact-centers').set('Authorization', ops).send({ data: { environmentId: env.body.path.split('/')[2], domains: ['shop'] } });
  ccid = cc.body.path.split('/')[2];
  const user = await t.request
    .post(`/environment/v3/contact-centers/${ccid}/users`)
    .set('Authorization', ops)
    .send({ data: { username: 'customer', password: PASSWORD, firstName: 'Carla', lastName: 'Customer', email: 'carla@example.com', properties: { tier: 'gold', crmId: 'C-1001' } } });
  dbid = user.body.data.dbid;
  chat = await createClient(t, {
    client_id: 'chat-backend',
    name: 'Chat back end',
    internalClient: false,
    authorities: [],
    authorizedGrantTypes: ['authorization_code', 'refresh_token'],
    redirectURIs: [REDIRECT],
    pkceRequired: true,
  });
  resourceServer = await createClient(t, { client_id: 'chat-rs', internalClient: false, authorities: ['ROLE_RESOURCE_SERVER'], authorizedGrantTypes: ['client_credentials'] });
});

afterAll(async () => {
  await t.close();
});

/** Signs in through the real pages and returns the callback URL the browser lands on. */
async function signInAndConsent(authorizationUrl: URL): Promise<URL> {
  const browser = newBrowser(t);
  const start = await browser.get(`${authorizationUrl.pathname}${authorizationUrl.search}`);
  expect(start.status).toBe(303);
  const entry = await browser.get(pathOf(start.headers.location!));
  const signIn = await browser.get(pathOf(entry.headers.location!));
  expect(signIn.status).toBe(200);
  expect(signIn.text).toContain('Chat back end');
  const posted = await browser
    .post('/auth/v3/sign-in')
    .type('form')
    .send({ uid: hiddenField(signIn.text, 'uid'), csrf: hiddenField(signIn.text, 'csrf'), username: 'shop\\customer', password: PASSWORD });
  expect(posted.status).toBe(303);
  const resume = await browser.get(pathOf(posted.headers.location!));
  const consentPath = pathOf(resume.headers.location!);
  const consent = await browser.get(consentPath);
  expect(consent.status).toBe(200);
  const allowed = await browser
    .post(`${consentPath}/consent`)
    .type('form')
    .send({ uid: hiddenField(consent.text, 'uid'), csrf: hiddenField(consent.text, 'csrf') });
  expect(allowed.status).toBe(303);
  const end = await followInside(browser, allowed.headers.location!, issuer);
  return new URL(end.location!);
}

describe('openid-client relying party (NICE CXone "OAuth in Digital Experience")', () => {
  it('runs the whole chat back-end life cycle', async () => {
    const config = await oidc.discovery(new URL(issuer), chat.clientId, chat.secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const meta = config.serverMetadata();
    expect(meta.issuer).toBe(issuer);
    expect(meta.token_endpoint).toBe(`${issuer}/auth/v3/oauth/token`);
    expect(meta.userinfo_endpoint).toBe(`${issuer}/auth/v3/openid/userinfo`);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);

    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid offline_access *',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const callback = await signInAndConsent(url);
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT);

    // code exchange: openid-client validates the ID token (signature via JWKS, iss, aud, nonce)
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const claims = tokens.claims()!;
    expect(claims.iss).toBe(issuer);
    expect(claims.aud).toBe(chat.clientId);

    // userinfo, OIDC shape (openid-client checks sub against the ID token)
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info).toMatchObject({ sub: claims.sub, given_name: 'Carla', family_name: 'Customer', email: 'carla@example.com', contact_center_id: ccid, dbid, properties: { tier: 'gold', crmId: 'C-1001' } });
    // userinfo, Genesys CloudUserDetails shape, as the chat back end calls it on every message
    const genesys = await oidc.fetchProtectedResource(config, tokens.access_token, new URL(`${issuer}/auth/v3/userinfo`), 'GET');
    expect(genesys.status).toBe(200);
    expect(await genesys.json()).toMatchObject({ loginName: 'customer', dbid, contactCenterId: ccid, properties: { tier: 'gold', crmId: 'C-1001' } });

    // refresh rotation
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(refreshed.access_token).not.toBe(tokens.access_token);

    // introspection by a resource server
    const rsConfig = await oidc.discovery(new URL(issuer), resourceServer.clientId, resourceServer.secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const active = await oidc.tokenIntrospection(rsConfig, refreshed.access_token);
    expect(active).toMatchObject({ active: true, client_id: chat.clientId, sub: claims.sub });

    // revocation of the new refresh token ends the grant: its access token goes inactive
    await oidc.tokenRevocation(config, refreshed.refresh_token!);
    expect(await oidc.tokenIntrospection(rsConfig, refreshed.access_token)).toEqual({ active: false });
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('detects refresh-token reuse after the grace window and revokes the family', async () => {
    const config = await oidc.discovery(new URL(issuer), chat.clientId, chat.secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid offline_access *', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state });
    const tokens = await oidc.authorizationCodeGrant(config, await signInAndConsent(url), { pkceCodeVerifier: verifier, expectedState: state });
    const rotated = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    // the grace window is 10 s by default: age the rotation past it instead of sleeping
    await t.db.knex('oidc_payloads').whereNotNull('consumed_at').update({ consumed_at: new Date(Date.now() - 60_000), successor_expires_at: new Date(Date.now() - 50_000) });
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.refreshTokenGrant(config, rotated.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    // the family's access token is dead too: userinfo answers 401 with a Bearer invalid_token challenge
    await expect(oidc.fetchProtectedResource(config, rotated.access_token, new URL(`${issuer}/auth/v3/userinfo`), 'GET')).rejects.toMatchObject({
      response: { status: 401 },
      cause: [{ scheme: 'bearer', parameters: { realm: 'ccauth', error: 'invalid_token' } }],
    });
  });
});
