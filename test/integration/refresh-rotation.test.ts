/**
 * Refresh-token rotation, reuse detection and the grace window (RFC 9700 §4.14.2; issue "chat
 * widgets": duplicates within REFRESH_REUSE_GRACE_SECONDS get the same successor, later reuse
 * revokes the whole grant).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const TOKEN = '/auth/v3/oauth/token';
let t: TestApp;
let c: { clientId: string; secret: string };

beforeAll(async () => {
  t = await startTestApp({ REFRESH_REUSE_GRACE_SECONDS: '1' });
  c = await createClient(t);
});
afterAll(async () => {
  await t.close();
});

const login = () => t.request.post(TOKEN).set('Authorization', basic(c.clientId, c.secret)).type('form').send({ grant_type: 'password', username: 'ops', password: 'ops' });
const refresh = (rt: string) => t.request.post(TOKEN).set('Authorization', basic(c.clientId, c.secret)).type('form').send({ grant_type: 'refresh_token', refresh_token: rt });
const live = async (grantId: string) => (await t.db.knex('oidc_payloads').where({ grant_id: grantId }).whereIn('model', ['AccessToken', 'RefreshToken']).whereNull('consumed_at')).length;

describe('refresh-token rotation', () => {
  it('hands a duplicate inside the grace window the same successor, with expires_in counted down', async () => {
    const first = await login();
    const a = await refresh(first.body.refresh_token);
    const b = await refresh(first.body.refresh_token);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.body.refresh_token).toBe(a.body.refresh_token);
    expect(b.body.access_token).toBe(a.body.access_token);
    expect(b.body.token_type).toBe('bearer');
    expect(b.body.expires_in).toBeLessThanOrEqual(a.body.expires_in);
    // the successor keeps working
    const next = await refresh(a.body.refresh_token);
    expect(next.status).toBe(200);
  });

  it('revokes the whole grant when a rotated token is reused after the window', async () => {
    const first = await login();
    const rotated = await refresh(first.body.refresh_token);
    expect(rotated.status).toBe(200);
    const grantId = (await t.ccauth.provider.RefreshToken.find(rotated.body.refresh_token))!.grantId!;
    expect(await live(grantId)).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1300));
    const reuse = await refresh(first.body.refresh_token);
    expect(reuse.status).toBe(400);
    expect(reuse.body).toEqual({ error: 'invalid_grant', error_description: 'grant request is invalid' });
    expect(await live(grantId)).toBe(0);
    const successor = await refresh(rotated.body.refresh_token);
    expect(successor.status).toBe(400);
    expect(successor.body.error).toBe('invalid_grant');
  });

  it('does not keep the sealed successor after the window (purge clears it)', async () => {
    const first = await login();
    await refresh(first.body.refresh_token);
    const sealedBefore = await t.db.knex('oidc_payloads').whereNotNull('successor_sealed');
    expect(sealedBefore.length).toBeGreaterThan(0);
    expect(JSON.stringify(sealedBefore)).not.toContain(first.body.refresh_token);
    await new Promise((r) => setTimeout(r, 1300));
    await t.ccauth.purge.runOnce();
    expect(await t.db.knex('oidc_payloads').whereNotNull('successor_sealed')).toHaveLength(0);
  });
});

describe('refresh-token rotation without a grace window', () => {
  it('revokes at once when REFRESH_REUSE_GRACE_SECONDS=0', async () => {
    const strict = await startTestApp({ REFRESH_REUSE_GRACE_SECONDS: '0' });
    try {
      const sc = await createClient(strict);
      const r = (rt: string) => strict.request.post(TOKEN).set('Authorization', basic(sc.clientId, sc.secret)).type('form').send({ grant_type: 'refresh_token', refresh_token: rt });
      const first = await strict.request.post(TOKEN).set('Authorization', basic(sc.clientId, sc.secret)).type('form').send({ grant_type: 'password', username: 'ops', password: 'ops' });
      const rotated = await r(first.body.refresh_token);
      expect(rotated.status).toBe(200);
      expect((await r(first.body.refresh_token)).status).toBe(400);
      expect((await r(rotated.body.refresh_token)).status).toBe(400);
    } finally {
      await strict.close();
    }
  });
});
