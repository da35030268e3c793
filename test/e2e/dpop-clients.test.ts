/**
 * DPoP (RFC 9449) with real client libraries against a listening ccauth, using their own DPoP
 * support (docs/security-model.md "Security model" → "DPoP"):
 * - openid-client 6 (`getDPoPHandle`): a confidential relying party through the authorization code
 *   flow with PKCE on the real sign-in pages, userinfo in both shapes, refresh, introspection;
 *   client credentials on the Environment API.
 * - oauth4webapi 3 (`DPoP()`): a public client on the password grant (its refresh token is bound
 *   too, RFC 9449 §5), the resource routes, refresh, and the stolen old refresh token refused inside
 *   the grace window.
 * Each library also shows the refusal a thief gets: the bound token sent as Bearer.
 */
import { calculateJwkThumbprint, exportJWK } from 'jose';
import * as oauth from 'oauth4webapi';
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
let internal: { clientId: string; secret: string };
let resourceServer: { clientId: string; secret: string };

beforeAll(async () => {
  t = await startListeningTestApp();
  issuer = t.issuer;

  const ops = basic('ops', 'ops');
  const env = await t.request.post('/environment/v3/environments').set('Authorization', ops).send({ data: { username: 'default', password: 'password' } });
  const cc = await t.request.post('/environment/v3/contact-centers').set('Authorization', ops).send({ data: { environmentId: env.body.path.split('/')[2], domains: ['shop'] } });
  const ccid = cc.body.path.split('/')[2];
  const user = await t.request
    .post(`/environment/v3/contact-centers/${ccid}/users`)
    .set('Authorization', ops)
    .send({ data: { username: 'customer', password: PASSWORD, firstName: 'Carla', lastName: 'Customer', email: 'carla@example.com' } });
  expect(user.status).toBe(200);
  chat = await createClient(t, {
    client_id: 'chat-backend',
    name: 'Chat back end',
    internalClient: false,
    authorities: [],
    authorizedGrantTypes: ['authorization_code', 'refresh_token'],
    redirectURIs: [REDIRECT],
    pkceRequired: true,
    dpopBoundAccessTokens: true,
  });
  internal = await createClient(t, { client_id: 'provisioning', authorizedGrantTypes: ['client_credentials'] });
  resourceServer = await createClient(t, { client_id: 'chat-rs', internalClient: false, authorities: ['ROLE_RESOURCE_SERVER'], authorizedGrantTypes: ['client_credentials'] });
  const pub = await t.request
    .post('/auth/v3/ops/clients')
    .set('Authorization', ops)
    .send({ data: { client_id: 'journey-store', clientType: 'PUBLIC', authorizedGrantTypes: ['password', 'refresh_token'], scope: ['*'] } });
  expect(pub.status).toBe(200);
});

afterAll(async () => {
  await t.close();
});

/** Signs in through the real pages (login, consent) and returns the callback URL. */
async function signInAndConsent(authorizationUrl: URL): Promise<URL> {
  const browser = newBrowser(t);
  const start = await browser.get(`${authorizationUrl.pathname}${authorizationUrl.search}`);
  expect(start.status).toBe(303);
  const entry = await browser.get(pathOf(start.headers.location!));
  const signIn = await browser.get(pathOf(entry.headers.location!));
  const posted = await browser
    .post('/auth/v3/sign-in')
    .type('form')
    .send({ uid: hiddenField(signIn.text, 'uid'), csrf: hiddenField(signIn.text, 'csrf'), username: 'shop\\customer', password: PASSWORD });
  expect(posted.status).toBe(303);
  const resume = await browser.get(pathOf(posted.headers.location!));
  const consentPath = pathOf(resume.headers.location!);
  const consent = await browser.get(consentPath);
  const allowed = await browser.post(`${consentPath}/consent`).type('form').send({ uid: hiddenField(consent.text, 'uid'), csrf: hiddenField(consent.text, 'csrf') });
  expect(allowed.status).toBe(303);
  const end = await followInside(browser, allowed.headers.location!, issuer);
  return new URL(end.location!);
}

const thumbprint = async (keyPair: CryptoKeyPair) => calculateJwkThumbprint(await exportJWK(keyPair.publicKey));

describe('openid-client 6 with getDPoPHandle', () => {
  it('runs the code flow with DPoP: bound tokens, userinfo, refresh, introspection; the bound token as Bearer is refused', async () => {
    const config = await oidc.discovery(new URL(issuer), chat.clientId, chat.secret, undefined, { execute: [oidc.allowInsecureRequests] });
    expect(config.serverMetadata().dpop_signing_alg_values_supported).toContain('ES256');
    const keyPair = await oidc.randomDPoPKeyPair('ES256');
    const DPoP = oidc.getDPoPHandle(config, keyPair);
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid offline_access *',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    const tokens = await oidc.authorizationCodeGrant(config, await signInAndConsent(url), { pkceCodeVerifier: verifier, expectedState: state }, undefined, { DPoP });
    expect(tokens.token_type).toBe('dpop'); // openid-client lowercases it
    const sub = tokens.claims()!.sub;

    const info = await oidc.fetchUserInfo(config, tokens.access_token, sub, { DPoP });
    expect(info).toMatchObject({ sub, given_name: 'Carla' });
    const genesys = await oidc.fetchProtectedResource(config, tokens.access_token, new URL(`${issuer}/auth/v3/userinfo`), 'GET', undefined, undefined, { DPoP });
    expect(genesys.status).toBe(200);
    expect(await genesys.json()).toMatchObject({ loginName: 'customer' });

    // a thief with the token but not the key: Bearer is refused with a DPoP challenge
    await expect(oidc.fetchProtectedResource(config, tokens.access_token, new URL(`${issuer}/auth/v3/userinfo`), 'GET')).rejects.toMatchObject({
      response: { status: 401 },
      cause: [{ scheme: 'dpop', parameters: { realm: 'ccauth', error: 'invalid_token' } }],
    });
    // ... and so is a proof of another key
    const thief = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
    await expect(oidc.fetchUserInfo(config, tokens.access_token, sub, { DPoP: thief })).rejects.toMatchObject({ response: { status: 401 } });

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!, undefined, { DPoP });
    expect(refreshed.token_type).toBe('dpop');
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    // the client is dpopBoundAccessTokens: a refresh without a proof is refused
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_dpop_proof' });

    const rsConfig = await oidc.discovery(new URL(issuer), resourceServer.clientId, resourceServer.secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const active = await oidc.tokenIntrospection(rsConfig, refreshed.access_token);
    expect(active).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: await thumbprint(keyPair) } });
  });

  it('binds the authorization code to the key named by dpop_jkt (RFC 9449 §10): another key cannot redeem it', async () => {
    const config = await oidc.discovery(new URL(issuer), chat.clientId, chat.secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const DPoP = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
    const thief = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid *',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      dpop_jkt: await DPoP.calculateThumbprint(),
    });
    const callback = await signInAndConsent(url);
    await expect(oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }, undefined, { DPoP: thief })).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('client credentials with DPoP on the Environment API', async () => {
    const config = await oidc.discovery(new URL(issuer), internal.clientId, internal.secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const DPoP = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
    const tokens = await oidc.clientCredentialsGrant(config, undefined, { DPoP });
    expect(tokens.token_type).toBe('dpop');
    const envs = await oidc.fetchProtectedResource(config, tokens.access_token, new URL(`${issuer}/environment/v3/environments`), 'GET', undefined, undefined, { DPoP });
    expect(envs.status).toBe(200);
    expect((await envs.json()).status.code).toBe(0);
    await expect(oidc.fetchProtectedResource(config, tokens.access_token, new URL(`${issuer}/environment/v3/environments`), 'GET')).rejects.toMatchObject({
      response: { status: 401 },
      cause: [{ scheme: 'dpop', parameters: { error: 'invalid_token' } }],
    });
  });
});

describe('oauth4webapi 3 with DPoP()', () => {
  const opts = { [oauth.allowInsecureRequests]: true } as const;

  it('a public client: password grant, resource routes, refresh; the stolen old refresh token gets nothing inside the grace window', async () => {
    const as = await oauth.processDiscoveryResponse(new URL(issuer), await oauth.discoveryRequest(new URL(issuer), opts));
    const client: oauth.Client = { client_id: 'journey-store' };
    const auth = oauth.None();
    const keyPair = await oauth.generateKeyPair('ES256');
    const DPoP = oauth.DPoP(client, keyPair);

    const issued = await oauth.processGenericTokenEndpointResponse(
      as,
      client,
      await oauth.genericTokenEndpointRequest(as, client, auth, 'password', { username: 'shop\\customer', password: PASSWORD }, { ...opts, DPoP }),
    );
    expect(issued.token_type).toBe('dpop');

    const res = await oauth.protectedResourceRequest(issued.access_token, 'GET', new URL(`${issuer}/auth/v3/userinfo`), undefined, undefined, { ...opts, DPoP });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ loginName: 'customer' });
    const info = await oauth.processUserInfoResponse(as, client, oauth.skipSubjectCheck, await oauth.userInfoRequest(as, client, issued.access_token, { ...opts, DPoP }));
    expect(info.given_name).toBe('Carla');
    // without the DPoP option oauth4webapi sends Bearer: refused
    await expect(oauth.protectedResourceRequest(issued.access_token, 'GET', new URL(`${issuer}/auth/v3/userinfo`), undefined, undefined, opts)).rejects.toMatchObject({
      status: 401,
      cause: [{ scheme: 'dpop', parameters: { error: 'invalid_token' } }],
    });

    const rotated = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, auth, issued.refresh_token!, { ...opts, DPoP }));
    expect(rotated.token_type).toBe('dpop');
    // the old refresh token, stolen, replayed inside the grace window without the key
    const stolen = await oauth.refreshTokenGrantRequest(as, client, auth, issued.refresh_token!, opts);
    await expect(oauth.processRefreshTokenResponse(as, client, stolen)).rejects.toMatchObject({ error: 'invalid_grant' });
    const thiefKey = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    const thief = await oauth.refreshTokenGrantRequest(as, client, auth, issued.refresh_token!, { ...opts, DPoP: thiefKey });
    await expect(oauth.processRefreshTokenResponse(as, client, thief)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('client credentials with DPoP: the token works with its proof on the Environment API and userinfo', async () => {
    const as = await oauth.processDiscoveryResponse(new URL(issuer), await oauth.discoveryRequest(new URL(issuer), opts));
    const client: oauth.Client = { client_id: internal.clientId };
    const DPoP = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    const tokens = await oauth.processClientCredentialsResponse(
      as,
      client,
      await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(internal.secret), {}, { ...opts, DPoP }),
    );
    expect(tokens.token_type).toBe('dpop');
    const envs = await oauth.protectedResourceRequest(tokens.access_token, 'GET', new URL(`${issuer}/environment/v3/data-centers`), undefined, undefined, { ...opts, DPoP });
    expect(envs.status).toBe(200);
    const post = await oauth.protectedResourceRequest(tokens.access_token, 'POST', new URL(`${issuer}/auth/v3/openid/userinfo`), undefined, undefined, { ...opts, DPoP });
    expect(post.status).toBe(200);
    expect(await post.json()).toMatchObject({ sub: internal.clientId });
  });
});
