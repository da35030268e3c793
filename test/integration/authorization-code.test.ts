/**
 * The authorization_code grant is wired (RFC 6749 §4.1.3) and a code is single-use even under
 * concurrency: the adapter's atomic `consume` lets exactly one of 10 concurrent redemptions win.
 * (The login pages that produce codes come with the browser-flow work; here the code is minted
 * through oidc-provider's own model, as the authorization endpoint would.) The new access and
 * refresh tokens leave in one statement and are committed before the answer (oauth/write-behind.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';
import { digestToken } from '../../src/security/tokens.ts';
import { sqlDuring } from '../helpers/sql-capture.ts';

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

  it('writes the access and refresh tokens in one statement, committed before the answer (docs/performance.md)', async () => {
    const code = await mintCode();
    // the refresh token's insert takes 300 ms: an answer that did not wait for it would arrive
    // while neither new token is visible (oauth/write-behind.ts)
    await t.db.knex.raw(`CREATE OR REPLACE FUNCTION ac_test_slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.3); RETURN NEW; END $$`);
    await t.db.knex.raw(`CREATE TRIGGER ac_test_slow BEFORE INSERT ON oidc_payloads FOR EACH ROW WHEN (NEW.model = 'RefreshToken') EXECUTE FUNCTION ac_test_slow()`);
    let captured;
    try {
      captured = await sqlDuring(t.db.knex, () => redeem(code));
    } finally {
      await t.db.knex.raw('DROP TRIGGER ac_test_slow ON oidc_payloads');
    }
    const res = captured.result;
    expect(res.status, res.text).toBe(200);
    expect(captured.statements.filter((q) => /^insert into oidc_payloads/i.test(q))).toHaveLength(1);
    const live = async (model: string, value: string) => Number((await t.db.knex('oidc_payloads').where({ model, id_digest: digestToken(value) }).count({ count: '*' }).first())?.count);
    expect(await live('AccessToken', res.body.access_token)).toBe(1);
    expect(await live('RefreshToken', res.body.refresh_token)).toBe(1);
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
