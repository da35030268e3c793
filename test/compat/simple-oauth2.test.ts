/**
 * simple-oauth2 5 against the real server, configured as its README shows (`client.id`,
 * `client.secret`, `auth.tokenHost`, and ccauth's paths), no options beyond those: the
 * authorization code grant with no `scope`, the resource owner password grant, client
 * credentials (header and body authorization) and `revokeAll()`. Rows of docs/compatibility.md
 * (test/compat/helpers/matrix.ts).
 */
import { AuthorizationCode, ClientCredentials, ResourceOwnerPassword } from 'simple-oauth2';
import type { ModuleOptions } from 'simple-oauth2';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { basic } from '../helpers/test-app.ts';
import { AGENT, startCompatServer } from './helpers/compat-server.ts';
import type { CompatServer } from './helpers/compat-server.ts';
import { compatTest } from './helpers/matrix.ts';
import { Person, arrivesAt } from './helpers/person.ts';

const REDIRECT = 'https://rp.example.com/simple-oauth2/callback';
let s: CompatServer;
let app: { clientId: string; secret: string };
let rs: { clientId: string; secret: string };

/**
 * The README's configuration object, with ccauth's endpoint paths (`authorizePath` only for
 * `AuthorizationCode`: the other grant classes refuse it).
 */
const config = (c: { clientId: string; secret: string }, options: ModuleOptions['options'] = {}, authorize = false): ModuleOptions => ({
  client: { id: c.clientId, secret: c.secret },
  auth: { tokenHost: s.issuer, tokenPath: '/auth/v3/oauth/token', revokePath: '/auth/v3/oauth/revoke', ...(authorize ? { authorizePath: '/auth/v3/oauth/authorize' } : {}) },
  options,
});

/** RFC 7662 introspection by a resource server, to see what a library left live. */
async function introspect(token: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${s.issuer}/auth/v3/oauth/introspect`, {
    method: 'POST',
    headers: { authorization: basic(rs.clientId, rs.secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }),
  });
  return (await res.json()) as Record<string, unknown>;
}

beforeAll(async () => {
  s = await startCompatServer();
  app = await s.createClient({ client_id: 'simple-app', name: 'simple-oauth2 app', authorizedGrantTypes: ['authorization_code', 'refresh_token', 'password', 'client_credentials'], redirectURIs: [REDIRECT] });
  rs = await s.createClient({ client_id: 'simple-rs', name: 'Resource server', authorities: ['ROLE_RESOURCE_SERVER'], authorizedGrantTypes: ['client_credentials'] });
});

afterAll(async () => {
  await s?.close();
});

describe('simple-oauth2 (README configuration)', () => {
  compatTest('simple-oauth2-code', async () => {
    const client = new AuthorizationCode(config(app, {}, true));
    const authorizationUri = client.authorizeURL({ redirect_uri: REDIRECT, state: 'simple-state' });
    const callback = await new Person().browse(authorizationUri, arrivesAt(REDIRECT));
    expect(callback.searchParams.get('error'), callback.toString()).toBeNull();
    expect(callback.searchParams.get('state')).toBe('simple-state');
    const accessToken = await client.getToken({ code: callback.searchParams.get('code')!, redirect_uri: REDIRECT });
    expect(accessToken.token).toMatchObject({ token_type: 'bearer', access_token: expect.any(String), refresh_token: expect.any(String) });
    expect(accessToken.expired()).toBe(false);
    expect(await introspect(String(accessToken.token.access_token))).toMatchObject({ active: true, client_id: app.clientId });
    const refreshed = await accessToken.refresh();
    expect(refreshed.token.access_token).not.toBe(accessToken.token.access_token);
    expect(await introspect(String(refreshed.token.access_token))).toMatchObject({ active: true });
  });

  compatTest('simple-oauth2-password', async () => {
    const client = new ResourceOwnerPassword(config(app));
    const accessToken = await client.getToken({ username: AGENT.login, password: AGENT.password });
    expect(accessToken.token).toMatchObject({ token_type: 'bearer', access_token: expect.any(String), refresh_token: expect.any(String) });
    expect(await introspect(String(accessToken.token.access_token))).toMatchObject({ active: true, client_id: app.clientId });
  });

  compatTest('simple-oauth2-client-credentials', async () => {
    for (const authorizationMethod of ['header', 'body'] as const) {
      const client = new ClientCredentials(config(app, { authorizationMethod }));
      const accessToken = await client.getToken({});
      expect(accessToken.token, authorizationMethod).toMatchObject({ token_type: 'bearer', access_token: expect.any(String), expires_in: 3600 });
    }
  });

  compatTest('simple-oauth2-revoke', async () => {
    const client = new ResourceOwnerPassword(config(app));
    const accessToken = await client.getToken({ username: AGENT.login, password: AGENT.password });
    const { access_token: at, refresh_token: rt } = accessToken.token as { access_token: string; refresh_token: string };
    expect(await introspect(at)).toMatchObject({ active: true });
    await accessToken.revokeAll();
    expect(await introspect(at)).toEqual({ active: false });
    expect(await introspect(rt)).toEqual({ active: false });
  });
});
