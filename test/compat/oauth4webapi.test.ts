/**
 * oauth4webapi 3 (strict by design: it checks `iss` in the authorization response, token types,
 * ID token claims, content types) against the real server, each call as its README's examples
 * make it. A {@link Person} plays the browser on ccauth's login and consent pages. Rows of
 * docs/compatibility.md (test/compat/helpers/matrix.ts).
 */
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { AGENT, startCompatServer } from './helpers/compat-server.ts';
import type { CompatServer } from './helpers/compat-server.ts';
import { compatTest } from './helpers/matrix.ts';
import { Person, arrivesAt } from './helpers/person.ts';

const REDIRECT = 'https://rp.example.com/oauth4webapi/callback';
/** plain http only because the test issuer is local (the README's `allowInsecureRequests`) */
const insecure = { [oauth.allowInsecureRequests]: true } as const;
let s: CompatServer;
let as: oauth.AuthorizationServer;
let web: { clientId: string; secret: string };
let rs: { clientId: string; secret: string };
let service: { clientId: string; secret: string };

beforeAll(async () => {
  s = await startCompatServer();
  web = await s.createClient({ client_id: 'o4w-web', name: 'oauth4webapi app', authorizedGrantTypes: ['authorization_code', 'refresh_token'], redirectURIs: [REDIRECT] });
  rs = await s.createClient({ client_id: 'o4w-rs', name: 'Resource server', authorities: ['ROLE_RESOURCE_SERVER'], authorizedGrantTypes: ['client_credentials'] });
  service = await s.createClient({ client_id: 'o4w-service', name: 'Back end', authorizedGrantTypes: ['client_credentials'] });
  const issuer = new URL(s.issuer);
  as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }));
});

afterAll(async () => {
  await s?.close();
});

/** The README's authorization code flow; returns the processed token response. */
async function codeFlow() {
  const client: oauth.Client = { client_id: web.clientId };
  const clientAuth = oauth.ClientSecretPost(web.secret);
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const url = new URL(as.authorization_endpoint!);
  url.searchParams.set('client_id', client.client_id);
  url.searchParams.set('redirect_uri', REDIRECT);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', 'openid profile email');
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
  url.searchParams.set('code_challenge_method', 'S256');
  expect(as.code_challenge_methods_supported).toContain('S256'); // so the README sends no nonce
  const callback = await new Person().browse(url.toString(), arrivesAt(REDIRECT));
  // the library would only say "authorization response from the server is an error": show which
  expect(callback.searchParams.get('error'), callback.toString()).toBeNull();
  const params = oauth.validateAuthResponse(as, client, callback);
  const response = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, REDIRECT, codeVerifier, insecure);
  const result = await oauth.processAuthorizationCodeResponse(as, client, response, { requireIdToken: true });
  return { client, clientAuth, result };
}

describe('oauth4webapi (README configuration)', () => {
  compatTest('oauth4webapi-code', async () => {
    const { client, result } = await codeFlow();
    const claims = oauth.getValidatedIdTokenClaims(result)!;
    expect(claims).toMatchObject({ iss: s.issuer, aud: web.clientId });
    expect(result.scope?.split(' ')).toEqual(expect.arrayContaining(['openid', 'profile', 'email']));
    const info = await oauth.processUserInfoResponse(as, client, claims.sub, await oauth.userInfoRequest(as, client, result.access_token, insecure));
    expect(info).toMatchObject({ sub: claims.sub, given_name: AGENT.firstName, family_name: AGENT.lastName, email: AGENT.email });
  });

  compatTest('oauth4webapi-refresh', async () => {
    const { client, clientAuth, result } = await codeFlow();
    const refreshed = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, clientAuth, result.refresh_token!, insecure));
    expect(refreshed.access_token).not.toBe(result.access_token);
    const rsClient: oauth.Client = { client_id: rs.clientId };
    const rsAuth = oauth.ClientSecretBasic(rs.secret);
    const introspect = async (token: string) => oauth.processIntrospectionResponse(as, rsClient, await oauth.introspectionRequest(as, rsClient, rsAuth, token, insecure));
    expect(await introspect(refreshed.access_token)).toMatchObject({ active: true, client_id: web.clientId });
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, clientAuth, refreshed.refresh_token!, insecure));
    expect(await introspect(refreshed.access_token)).toEqual({ active: false });
  });

  compatTest('oauth4webapi-client-credentials', async () => {
    const client: oauth.Client = { client_id: service.clientId };
    for (const clientAuth of [oauth.ClientSecretBasic(service.secret), oauth.ClientSecretPost(service.secret)]) {
      const response = await oauth.clientCredentialsGrantRequest(as, client, clientAuth, new URLSearchParams(), insecure);
      const result = await oauth.processClientCredentialsResponse(as, client, response);
      expect(result).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    }
  });
});
