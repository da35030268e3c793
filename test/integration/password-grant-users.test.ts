/**
 * Contact-center users at the token endpoint: the password grant with `domain\user` logins
 * (RFC 6749 §4.3, §6; genesys-api.md §4.3, §7; Genesys "Provision Genesys Authentication", "Create an authentication token").
 * Users are created through the users API; the contact centers are fixtures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContactCenter } from '../helpers/fixtures.ts';
import type { ContactCenterFixture } from '../helpers/fixtures.ts';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';
import { sqlDuring } from '../helpers/sql-capture.ts';

const TOKEN = '/auth/v3/oauth/token';
const OPS_AUTH = basic(OPS.username, OPS.password);
const PASSWORD = 'Default-Password-1';
const BAD_CREDENTIALS = { error: 'invalid_grant', error_description: 'Bad credentials' };

let t: TestApp;
let client: { clientId: string; secret: string };
let cc: ContactCenterFixture;
let otherCc: ContactCenterFixture;
let defaultUserId: string;

async function createUser(ccid: string, data: Record<string, unknown>): Promise<string> {
  const res = await t.request.post(`/environment/v3/contact-centers/${ccid}/users`).set('Authorization', OPS_AUTH).send({ data });
  if (res.status !== 200) throw new Error(`user create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data.id;
}
const updateUser = (ccid: string, id: string, data: Record<string, unknown>) =>
  t.request.put(`/environment/v3/contact-centers/${ccid}/users/${id}`).set('Authorization', OPS_AUTH).send({ data });

/** A token request authenticated with HTTP Basic (client_secret_basic). */
const token = (form: Record<string, string>, c: { clientId: string; secret: string } = client) =>
  t.request.post(TOKEN).set('Authorization', basic(c.clientId, c.secret)).type('form').send(form);
const login = (username: string, password: string, c?: { clientId: string; secret: string }) => token({ grant_type: 'password', username, password }, c);
const refresh = (refreshToken: string) => token({ grant_type: 'refresh_token', refresh_token: refreshToken });

function expectTokenResponse(res: { status: number; body: Record<string, unknown>; headers: Record<string, string> }): void {
  expect(res.status).toBe(200);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type']);
  expect(res.body.token_type).toBe('bearer');
  expect(res.body.scope).toBe('*');
  expect(res.body.expires_in).toBeGreaterThanOrEqual(43199);
  expect(res.body.expires_in).toBeLessThanOrEqual(43200);
  expect(typeof res.body.access_token).toBe('string');
  expect(typeof res.body.refresh_token).toBe('string');
}

function expectBadCredentials(res: { status: number; body: unknown }): void {
  expect(res.status).toBe(400);
  expect(res.body).toEqual(BAD_CREDENTIALS);
}

beforeAll(async () => {
  t = await startTestApp();
  client = await createClient(t);
  cc = await createContactCenter(t.db.knex, { domains: ['t100'] });
  otherCc = await createContactCenter(t.db.knex, { domains: ['t200'] });
  defaultUserId = await createUser(cc.ccid, { username: 'Default', password: PASSWORD, firstName: 'De', lastName: 'Fault' });
});
afterAll(async () => {
  await t.close();
});

describe('password grant for a contact-center user (domain\\user)', () => {
  it('issues Genesys-shaped tokens for t100\\default', async () => {
    const res = await login('t100\\default', PASSWORD);
    expectTokenResponse(res);
    const rows = await t.db.knex('oidc_payloads').where({ account_id: `user:${defaultUserId}` }).select('model');
    expect(rows.map((r: { model: string }) => r.model).sort()).toEqual(expect.arrayContaining(['AccessToken', 'Grant', 'RefreshToken']));
  });

  it('matches domain and username case-insensitively (T100\\DEFAULT, t100\\Default)', async () => {
    expectTokenResponse(await login('T100\\DEFAULT', PASSWORD));
    expectTokenResponse(await login('t100\\Default', PASSWORD));
  });

  it('takes the domain from a separate tenant parameter when the username has none', async () => {
    expectTokenResponse(await token({ grant_type: 'password', username: 'default', tenant: 'T100', password: PASSWORD }));
  });

  it('refreshes with the refresh token', async () => {
    const first = await login('t100\\default', PASSWORD);
    const res = await refresh(first.body.refresh_token);
    expectTokenResponse(res);
    expect(res.body.access_token).not.toBe(first.body.access_token);
  });

  it('a refresh reads token, grant and user in one statement, and writes in three: both new tokens in one (docs/performance.md)', async () => {
    const first = await login('t100\\default', PASSWORD);
    await new Promise((r) => setTimeout(r, 1100)); // past the client cache's settle period
    await refresh((await login('t100\\default', PASSWORD)).body.refresh_token); // warms the caches
    const { result: res, statements } = await sqlDuring(t.db.knex, () => refresh(first.body.refresh_token));
    expectTokenResponse(res);
    expect(statements.filter((q) => /from "?users"?/i.test(q))).toEqual([]); // no read of its own for the account
    // token + grant + user; consume; new refresh token and new access token together
    // (oauth/write-behind.ts); sealed successor
    expect(statements).toHaveLength(4);
    const inserts = statements.filter((q) => /^insert into oidc_payloads/i.test(q));
    expect(inserts).toHaveLength(1);
  });

  it('answers exactly Bad credentials for a wrong password, an unknown user and an unknown domain', async () => {
    expectBadCredentials(await login('t100\\default', 'Wrong-Password-1'));
    expectBadCredentials(await login('t100\\nobody', PASSWORD));
    expectBadCredentials(await login('t999\\default', PASSWORD));
    expectBadCredentials(await login('t200\\default', PASSWORD));
    expectBadCredentials(await login('t100\\', PASSWORD));
  });

  it('does not log the password', async () => {
    await login('t100\\default', 'Never-Logged-Password');
    expect(t.logs().join('\n')).not.toContain('Never-Logged-Password');
    expect(t.logs().join('\n')).not.toContain(PASSWORD);
  });
});

describe('clients bound to contact centers (contactCenterIds)', () => {
  it('refuses a user of another contact center with Bad credentials', async () => {
    const bound = await createClient(t, { client_id: 'bound_to_t200', contactCenterIds: [otherCc.ccid] });
    expectBadCredentials(await login('t100\\default', PASSWORD, bound));
  });

  it('accepts a user of its own contact center', async () => {
    const bound = await createClient(t, { client_id: 'bound_to_t100', contactCenterIds: [cc.ccid, otherCc.ccid] });
    expectTokenResponse(await login('t100\\default', PASSWORD, bound));
  });
});

describe('account changes take effect at once', () => {
  it('refuses a disabled user and kills their refresh token; re-enabling allows login again', async () => {
    const id = await createUser(cc.ccid, { username: 'agent1', password: PASSWORD });
    const before = await login('t100\\agent1', PASSWORD);
    expectTokenResponse(before);

    const disabled = await updateUser(cc.ccid, id, { enabled: false });
    expect(disabled.status).toBe(200);
    expectBadCredentials(await login('t100\\agent1', PASSWORD));
    const refused = await refresh(before.body.refresh_token);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_grant');
    expect(await t.db.knex('oidc_payloads').where({ account_id: `user:${id}` }).first()).toBeUndefined();

    await updateUser(cc.ccid, id, { enabled: true });
    expectTokenResponse(await login('t100\\agent1', PASSWORD));
    // The refresh token issued before the user was disabled stays dead.
    expect((await refresh(before.body.refresh_token)).status).toBe(400);
  });

  it('refuses a user created disabled', async () => {
    await createUser(cc.ccid, { username: 'agent-off', password: PASSWORD, enabled: false });
    expectBadCredentials(await login('t100\\agent-off', PASSWORD));
  });

  it('after a password change: old password refused, old refresh token dead, new password works', async () => {
    const id = await createUser(cc.ccid, { username: 'agent2', password: PASSWORD });
    const before = await login('t100\\agent2', PASSWORD);
    expectTokenResponse(before);
    expect((await updateUser(cc.ccid, id, { password: 'Second-Password-2' })).status).toBe(200);
    expectBadCredentials(await login('t100\\agent2', PASSWORD));
    expect((await refresh(before.body.refresh_token)).body.error).toBe('invalid_grant');
    expectTokenResponse(await login('t100\\agent2', 'Second-Password-2'));
  });

  it('after a delete: login refused and refresh token dead', async () => {
    const id = await createUser(cc.ccid, { username: 'agent3', password: PASSWORD });
    const before = await login('t100\\agent3', PASSWORD);
    expectTokenResponse(before);
    const del = await t.request.delete(`/environment/v3/contact-centers/${cc.ccid}/users/${id}`).set('Authorization', OPS_AUTH);
    expect(del.status).toBe(200);
    expectBadCredentials(await login('t100\\agent3', PASSWORD));
    expect((await refresh(before.body.refresh_token)).body.error).toBe('invalid_grant');
  });

  it('after a rename: the new name logs in, the old one does not', async () => {
    const id = await createUser(cc.ccid, { username: 'agent4', password: PASSWORD });
    expect((await updateUser(cc.ccid, id, { username: 'Agent-Four' })).status).toBe(200);
    expectBadCredentials(await login('t100\\agent4', PASSWORD));
    expectTokenResponse(await login('t100\\agent-four', PASSWORD));
  });
});
