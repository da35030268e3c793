/**
 * Write-behind in the refresh_token grant (src/oauth/write-behind.ts; docs/performance.md): the new refresh
 * token and the access token leave in one statement, and the response still waits for both to be
 * committed (design.md §3: tokens are persisted before they are handed out). A trigger slows or
 * fails the refresh token's insert to show the order and the failure path.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createContactCenter } from '../helpers/fixtures.ts';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';
import { digestToken } from '../../src/security/tokens.ts';

const TOKEN = '/auth/v3/oauth/token';
const PASSWORD = 'Default-Password-1';

let t: TestApp;
let client: { clientId: string; secret: string };

const token = (form: Record<string, string>) => t.request.post(TOKEN).set('Authorization', basic(client.clientId, client.secret)).type('form').send(form);
const login = () => token({ grant_type: 'password', username: 'wb1\\agent', password: PASSWORD });

/** Installs a BEFORE INSERT trigger on oidc_payloads that runs `body` (PL/pgSQL) for RefreshToken rows. */
async function onRefreshTokenInsert(body: string): Promise<void> {
  await t.db.knex.raw(`CREATE OR REPLACE FUNCTION wb_test_trigger() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ${body}; RETURN NEW; END $$`);
  await t.db.knex.raw(`CREATE TRIGGER wb_test BEFORE INSERT ON oidc_payloads FOR EACH ROW WHEN (NEW.model = 'RefreshToken') EXECUTE FUNCTION wb_test_trigger()`);
}

/** Rows of oidc_payloads matching `where`. */
const rows = async (where: Record<string, string>) => Number((await t.db.knex('oidc_payloads').where(where).count({ count: '*' }).first())?.count);
const stored = (model: string, value: string) => rows({ model, id_digest: digestToken(value) });

beforeAll(async () => {
  t = await startTestApp();
  client = await createClient(t);
  const cc = await createContactCenter(t.db.knex, { domains: ['wb1'] });
  const res = await t.request.post(`/environment/v3/contact-centers/${cc.ccid}/users`).set('Authorization', basic(OPS.username, OPS.password)).send({ data: { username: 'agent', password: PASSWORD } });
  expect(res.status).toBe(200);
});
afterEach(async () => {
  await t.db.knex.raw('DROP TRIGGER IF EXISTS wb_test ON oidc_payloads');
});
afterAll(async () => {
  await t.close();
});

describe('refresh_token write-behind', () => {
  it('answers only once the new refresh token and access token are committed', async () => {
    const first = await login();
    expect(first.status).toBe(200);
    // the refresh token's insert now takes 400 ms: an answer that did not wait for it would arrive
    // while neither row is visible yet (both leave in the same statement)
    await onRefreshTokenInsert('PERFORM pg_sleep(0.4)');
    const res = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token });
    expect(res.status, res.text).toBe(200);
    expect(res.body.refresh_token).not.toBe(first.body.refresh_token);
    expect(await stored('RefreshToken', res.body.refresh_token)).toBe(1);
    expect(await stored('AccessToken', res.body.access_token)).toBe(1);
  });

  it('answers server_error and hands out no token when the refresh token cannot be stored', async () => {
    const first = await login();
    expect(first.status).toBe(200);
    const accessTokensBefore = await rows({ model: 'AccessToken' });
    await onRefreshTokenInsert("RAISE EXCEPTION 'refresh token store refused'");
    const res = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token });
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.body.error).toBe('server_error');
    expect(res.body).not.toHaveProperty('access_token');
    expect(res.body).not.toHaveProperty('refresh_token');
    expect(res.text).not.toContain('refresh token store refused');
    // the access token went out in the same statement, so it was not stored either
    expect(await rows({ model: 'AccessToken' })).toBe(accessTokensBefore);
  });
});
