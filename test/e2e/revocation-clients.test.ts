/**
 * Token revocation (RFC 7009) as real client libraries call it, against a listening ccauth:
 *
 * - simple-oauth2's `AccessToken.revokeAll()` (its HTTP client parses with `json: 'strict'`, so a
 *   200 that is not `application/json` fails it);
 * - oidc-client-ts' `OidcClient.revokeToken()`, the call `UserManager` makes for
 *   `revokeTokensOnSignout` (its JsonService refuses any Content-Type other than
 *   `application/json`: "Invalid response Content-Type").
 *
 * RFC 7009 §2.2: the body of a 200 is ignored by the client; ccauth answers `{}` as
 * `application/json`, which both accept.
 */
import { ResourceOwnerPassword } from 'simple-oauth2';
import { InMemoryWebStorage, OidcClient, WebStorageStateStore } from 'oidc-client-ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, createClient, startListeningTestApp } from '../helpers/test-app.ts';
import type { ListeningTestApp } from '../helpers/test-app.ts';

let t: ListeningTestApp;
let issuer: string;
let client: { clientId: string; secret: string };

beforeAll(async () => {
  t = await startListeningTestApp();
  issuer = t.issuer;
  client = await createClient(t, { client_id: 'revoking-app', redirectURIs: ['https://app.example.com/cb'] });
});
afterAll(async () => {
  await t.close();
});

async function active(token: string): Promise<boolean> {
  const res = await t.request.post('/auth/v3/oauth/introspect').set('Authorization', basic(client.clientId, client.secret)).type('form').send({ token });
  return res.body.active === true;
}

describe('revocation with real client libraries', () => {
  it("simple-oauth2: revokeAll() revokes the access and refresh tokens and resolves", async () => {
    const oauth = new ResourceOwnerPassword({
      client: { id: client.clientId, secret: client.secret },
      auth: { tokenHost: issuer, tokenPath: '/auth/v3/oauth/token', revokePath: '/auth/v3/oauth/revoke' },
    });
    const token = await oauth.getToken({ username: 'ops', password: 'ops', scope: '*' });
    const { access_token, refresh_token } = token.token as { access_token: string; refresh_token: string };
    expect(await active(access_token)).toBe(true);
    await expect(token.revokeAll()).resolves.toBeUndefined();
    expect(await active(access_token)).toBe(false);
    expect(await active(refresh_token)).toBe(false);
  });

  it('oidc-client-ts: revokeToken() (what revokeTokensOnSignout calls) succeeds for both token types', async () => {
    const rp = new OidcClient({
      authority: issuer,
      client_id: client.clientId,
      client_secret: client.secret,
      redirect_uri: 'https://app.example.com/cb',
      stateStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
    });
    const issued = await t.request.post('/auth/v3/oauth/token').set('Authorization', basic(client.clientId, client.secret)).type('form').send({ grant_type: 'password', username: 'ops', password: 'ops' });
    expect(issued.status).toBe(200);
    await expect(rp.revokeToken(issued.body.access_token, 'access_token')).resolves.toBeUndefined();
    await expect(rp.revokeToken(issued.body.refresh_token, 'refresh_token')).resolves.toBeUndefined();
    expect(await active(issued.body.refresh_token)).toBe(false);
  });
});
