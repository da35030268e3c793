/**
 * openid-client 6 against the real server, configured as its README shows (discovery, PKCE,
 * `scope: "openid profile email"`, `idTokenExpected`), and its passport strategy
 * (`openid-client/passport`) in a small express app as its docs set it up. A {@link Person} plays
 * the browser on ccauth's login and consent pages. Rows of docs/compatibility.md
 * (test/compat/helpers/matrix.ts).
 */
import * as client from 'openid-client';
import { Strategy } from 'openid-client/passport';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { AGENT, startCompatServer } from './helpers/compat-server.ts';
import type { CompatServer } from './helpers/compat-server.ts';
import { startPassportApp } from './helpers/express-app.ts';
import { compatTest } from './helpers/matrix.ts';
import { Person, arrivesAt } from './helpers/person.ts';

const REDIRECT = 'https://rp.example.com/callback';
let s: CompatServer;
let web: { clientId: string; secret: string };
let rs: { clientId: string; secret: string };
let service: { clientId: string; secret: string };
let passportApp: { base: string; close(): Promise<void> };

/** openid-client's Configuration for a client; plain http only because the test issuer is local. */
const configFor = (c: { clientId: string; secret: string }) => client.discovery(new URL(s.issuer), c.clientId, c.secret, undefined, { execute: [client.allowInsecureRequests] });

beforeAll(async () => {
  s = await startCompatServer();
  passportApp = await startPassportApp((app, passport, base) => {
    app.get('/login', (req, res, next) => passport.authenticate(new URL(s.issuer).host)(req, res, next));
    app.get('/cb', (req, res, next) => passport.authenticate(new URL(s.issuer).host, { successRedirect: '/me', failureRedirect: '/login-failed' })(req, res, next));
    void base;
  });
  web = await s.createClient({ client_id: 'oidc-web', name: 'Web app', authorizedGrantTypes: ['authorization_code', 'refresh_token'], redirectURIs: [REDIRECT, `${passportApp.base}/cb`] });
  rs = await s.createClient({ client_id: 'oidc-rs', name: 'Resource server', authorities: ['ROLE_RESOURCE_SERVER'], authorizedGrantTypes: ['client_credentials'] });
  service = await s.createClient({ client_id: 'oidc-service', name: 'Back end', authorizedGrantTypes: ['client_credentials'] });
  // the strategy, as openid-client's passport example registers it (name: the issuer host)
  const config = await configFor(web);
  (await import('passport')).default.use(
    new Strategy({ config, scope: 'openid profile email', callbackURL: `${passportApp.base}/cb` }, (tokens, verified) => {
      verified(null, { claims: tokens.claims(), scope: tokens.scope, hasRefreshToken: typeof tokens.refresh_token === 'string' });
    }),
  );
});

afterAll(async () => {
  await passportApp?.close();
  await s?.close();
});

/** Code + PKCE as openid-client's README shows; returns the token response. */
async function codeFlow(config: client.Configuration) {
  const codeVerifier = client.randomPKCECodeVerifier();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: 'openid profile email',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  });
  const callback = await new Person().browse(url.toString(), arrivesAt(REDIRECT));
  // the library would only say "authorization response from the server is an error": show which
  expect(callback.searchParams.get('error'), callback.toString()).toBeNull();
  return client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, idTokenExpected: true });
}

describe('openid-client (README configuration)', () => {
  compatTest('openid-client-code', async () => {
    const config = await configFor(web);
    expect(config.serverMetadata().supportsPKCE()).toBe(true);
    const tokens = await codeFlow(config);
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.scope?.split(' ')).toEqual(expect.arrayContaining(['openid', 'profile', 'email']));
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ iss: s.issuer, aud: web.clientId });
    const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info).toMatchObject({ sub: claims.sub, given_name: AGENT.firstName, family_name: AGENT.lastName, email: AGENT.email });
  });

  compatTest('openid-client-refresh', async () => {
    const config = await configFor(web);
    const tokens = await codeFlow(config);
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.scope?.split(' ')).toEqual(expect.arrayContaining(['openid', 'profile', 'email']));
    const rsConfig = await configFor(rs);
    expect(await client.tokenIntrospection(rsConfig, refreshed.access_token)).toMatchObject({ active: true, client_id: web.clientId });
    await client.tokenRevocation(config, refreshed.refresh_token!);
    expect(await client.tokenIntrospection(rsConfig, refreshed.access_token)).toEqual({ active: false });
    await expect(client.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  compatTest('openid-client-client-credentials', async () => {
    const config = await configFor(service);
    const tokens = await client.clientCredentialsGrant(config);
    expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    expect(tokens.access_token).toEqual(expect.any(String));
    const rsConfig = await configFor(rs);
    expect(await client.tokenIntrospection(rsConfig, tokens.access_token)).toMatchObject({ active: true, client_id: service.clientId });
  });

  compatTest('openid-client-passport', async () => {
    const person = new Person();
    const landed = await person.browse(`${passportApp.base}/login`, (u) => u.pathname === '/me' || u.pathname === '/login-failed');
    expect(landed.pathname, JSON.stringify(person.seen.slice(-3).map((x) => [x.status, x.url, x.text.slice(0, 300)]))).toBe('/me');
    const me = await person.request(landed.toString());
    expect(me.status).toBe(200);
    const user = JSON.parse(me.text) as { claims: Record<string, unknown>; scope: string; hasRefreshToken: boolean };
    expect(user.claims).toMatchObject({ iss: s.issuer, aud: web.clientId });
    expect(user.scope.split(' ')).toEqual(expect.arrayContaining(['openid', 'profile', 'email']));
    expect(user.hasRefreshToken).toBe(true);
  });
});
