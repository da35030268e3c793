/**
 * The authorization_code grant is wired (RFC 6749 §4.1.3) and a code is single-use even under
 * concurrency: the adapter's atomic `consume` lets exactly one of 10 concurrent redemptions win.
 * (The login pages that produce codes come with the browser-flow work; here the code is minted
 * through oidc-provider's own model, as the authorization endpoint would.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

let t: TestApp;
let client: { clientId: string; secret: string };
const REDIRECT = 'https://wwe.example.com/callback';

beforeAll(async () => {
  t = await startTestApp();
  client = await createClient(t, { client_id: 'workspace', redirectURIs: [REDIRECT] });
});
afterAll(async () => {
  await t.close();
});

async function mintCode(): Promise<string> {
  const { provider } = t.ccauth;
  const c = await provider.Client.find(client.clientId);
  const grant = new provider.Grant({ accountId: 'ops', clientId: client.clientId });
  grant.addOIDCScope('openid offline_access *');
  const grantId = await grant.save();
  const code = new provider.AuthorizationCode({ accountId: 'ops', client: c!, grantId, redirectUri: REDIRECT, scope: 'openid offline_access *', gty: 'authorization_code', authTime: Math.floor(Date.now() / 1000) });
  return code.save();
}

const redeem = (code: string) =>
  t.request.post('/auth/v3/oauth/token').set('Authorization', basic(client.clientId, client.secret)).type('form').send({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT });

describe('authorization_code grant', () => {
  it('exchanges a code for access, refresh and ID tokens', async () => {
    const res = await redeem(await mintCode());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'bearer', expires_in: 43200, scope: 'openid offline_access *' });
    expect(res.body.refresh_token).toEqual(expect.any(String));
    expect(res.body.id_token.split('.')).toHaveLength(3);
  });

  it('yields exactly one token set when one code is redeemed by 10 concurrent requests', async () => {
    const code = await mintCode();
    const results = await Promise.all(Array.from({ length: 10 }, () => redeem(code)));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(400);
      expect(r.body.error).toBe('invalid_grant');
    }
  });

  it('refuses a code with a different redirect_uri', async () => {
    const res = await t.request
      .post('/auth/v3/oauth/token')
      .set('Authorization', basic(client.clientId, client.secret))
      .type('form')
      .send({ grant_type: 'authorization_code', code: await mintCode(), redirect_uri: 'https://evil.example.com/' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });
});
