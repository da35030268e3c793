/**
 * `POST /auth/v3/change-password` and the password policy (Genesys Authentication API
 * "change-password"; README "Signing in" → "Password change and policy"): with a user's access
 * token or with the user name, the policy settings of the contact center, the history, forced
 * change (`mustChangePassword`) and expiry (`password-max-age-days`) at the password grant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContactCenter } from '../helpers/fixtures.ts';
import type { ContactCenterFixture } from '../helpers/fixtures.ts';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const TOKEN = '/auth/v3/oauth/token';
const CHANGE = '/auth/v3/change-password';
const OPS_AUTH = basic(OPS.username, OPS.password);
const UNABLE = { status: { code: 3, message: 'Unable to update password' } };

let t: TestApp;
let client: { clientId: string; secret: string };
let cc: ContactCenterFixture;
let n = 0;

/** Creates a user of `cc` with a fresh name; returns its id and login name. */
async function newUser(password: string, extra: Record<string, unknown> = {}): Promise<{ id: string; login: string; name: string }> {
  const name = `agent${++n}`;
  const res = await t.request.post(`/environment/v3/contact-centers/${cc.ccid}/users`).set('Authorization', OPS_AUTH).send({ data: { username: name, password, ...extra } });
  expect(res.status).toBe(200);
  return { id: res.body.data.id, login: `t100\\${name}`, name };
}

const grant = (username: string, password: string) =>
  t.request.post(TOKEN).set('Authorization', basic(client.clientId, client.secret)).type('form').send({ grant_type: 'password', username, password });
const change = (data: Record<string, unknown>, bearer?: string) => {
  const req = t.request.post(CHANGE);
  if (bearer) req.set('Authorization', `Bearer ${bearer}`);
  return req.send({ data });
};
const userinfo = (token: string) => t.request.get('/auth/v3/userinfo').set('Authorization', `Bearer ${token}`);
const setting = (name: string, value: string) =>
  t.request.post(`/environment/v3/contact-centers/${cc.ccid}/settings`).set('Authorization', OPS_AUTH).send({ data: { name, value, location: '/', shared: 'true' } });

beforeAll(async () => {
  t = await startTestApp();
  client = await createClient(t);
  cc = await createContactCenter(t.db.knex, { domains: ['t100'] });
});
afterAll(async () => {
  await t?.close();
});

describe('with the user name and the old password', () => {
  it('changes the password, revokes every token of the user, and audits the change', async () => {
    const u = await newUser('Old-Password-1a');
    const before = await grant(u.login, 'Old-Password-1a');
    expect(before.status).toBe(200);

    const res = await change({ userName: u.login, oldPassword: 'Old-Password-1a', newPassword: 'marble-Kettle-93-orbit' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: { code: 0 } });
    expect(res.headers['cache-control']).toBe('no-store');

    expect((await grant(u.login, 'Old-Password-1a')).body).toEqual({ error: 'invalid_grant', error_description: 'Bad credentials' });
    expect((await grant(u.login, 'marble-Kettle-93-orbit')).status).toBe(200);
    expect((await userinfo(before.body.access_token)).status).toBe(401);

    const audit = await t.db.knex('audit_events').where({ action: 'user.password_changed', target_id: u.id });
    expect(audit).toHaveLength(1);
    expect(audit[0].actor).toBe(u.login);
    expect(JSON.stringify(audit[0].details)).not.toContain('marble');
    const history = await t.db.knex('password_history').where({ user_id: u.id });
    expect(history).toHaveLength(1);
    expect(history[0].password_hash).toMatch(/^\$argon2id\$/);
  });

  it('accepts the user name with a separate tenant', async () => {
    const u = await newUser('Old-Password-1b');
    const res = await change({ userName: u.name, tenant: 't100', oldPassword: 'Old-Password-1b', newPassword: 'velvet-Harbor-27-quill' });
    expect(res.status).toBe(200);
  });

  it('answers 403 "Unable to update password" for a wrong old password or an unknown user, and keeps the password', async () => {
    const u = await newUser('Old-Password-1c');
    expect(await change({ userName: u.login, oldPassword: 'wrong-password', newPassword: 'velvet-Harbor-27-quill' }).then((r) => [r.status, r.body])).toEqual([403, UNABLE]);
    expect(await change({ userName: 't100\\nobody', oldPassword: 'wrong-password', newPassword: 'velvet-Harbor-27-quill' }).then((r) => [r.status, r.body])).toEqual([403, UNABLE]);
    expect((await grant(u.login, 'Old-Password-1c')).status).toBe(200);
  });

  it('counts a wrong old password as a failed login: the login-name lockout applies', async () => {
    const u = await newUser('Old-Password-1d');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await change({ userName: u.login, oldPassword: `wrong-${i}`, newPassword: 'velvet-Harbor-27-quill' })).status);
    expect(statuses.slice(0, 4)).toEqual([403, 403, 403, 403]);
    expect(statuses[4]).toBe(429);
    const locked = await grant(u.login, 'Old-Password-1d');
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    await t.db.knex('login_attempts').delete();
  });

  it('refuses the ops principal (its password is configuration) and a missing user name', async () => {
    expect(await change({ userName: 'ops', oldPassword: 'ops', newPassword: 'velvet-Harbor-27-quill' }).then((r) => [r.status, r.body])).toEqual([403, UNABLE]);
    const missing = await change({ oldPassword: 'x', newPassword: 'velvet-Harbor-27-quill' });
    expect(missing.status).toBe(400);
    expect(missing.body.status.code).toBe(1);
    const noData = await t.request.post(CHANGE).send({});
    expect(noData.status).toBe(400);
    expect(noData.body.status.code).toBe(1);
  });
});

describe('with the user\'s access token', () => {
  it('changes the password, keeps the asking token and revokes the user\'s other tokens', async () => {
    const u = await newUser('Old-Password-2a');
    const mine = (await grant(u.login, 'Old-Password-2a')).body.access_token as string;
    const other = (await grant(u.login, 'Old-Password-2a')).body.access_token as string;
    const res = await change({ oldPassword: 'Old-Password-2a', newPassword: 'copper-Lantern-58-river' }, mine);
    expect(res.status).toBe(200);
    expect((await userinfo(mine)).status).toBe(200);
    expect((await userinfo(other)).status).toBe(401);
    expect((await grant(u.login, 'copper-Lantern-58-river')).status).toBe(200);
  });

  it('still requires the right old password', async () => {
    const u = await newUser('Old-Password-2b');
    const mine = (await grant(u.login, 'Old-Password-2b')).body.access_token as string;
    const res = await change({ oldPassword: 'not-it', newPassword: 'copper-Lantern-58-river' }, mine);
    expect([res.status, res.body]).toEqual([403, UNABLE]);
  });

  it('answers 401 with WWW-Authenticate for a token that is not live, 403 for a client token', async () => {
    const dead = await change({ oldPassword: 'x', newPassword: 'copper-Lantern-58-river' }, 'not-a-live-token');
    expect(dead.status).toBe(401);
    expect(dead.headers['www-authenticate']).toMatch(/^Bearer realm="ccauth", error="invalid_token"/);
    expect(dead.body.status.code).toBe(20);
    const cc = await t.request.post(TOKEN).set('Authorization', basic(client.clientId, client.secret)).type('form').send({ grant_type: 'client_credentials' });
    const res = await change({ oldPassword: 'x', newPassword: 'copper-Lantern-58-river' }, cc.body.access_token);
    expect([res.status, res.body]).toEqual([403, UNABLE]);
  });
});

describe('the password policy', () => {
  it('refuses a short password, one containing the user name, and a guessable one, naming data.newPassword', async () => {
    const u = await newUser('Old-Password-3a');
    const short = await change({ userName: u.login, oldPassword: 'Old-Password-3a', newPassword: 'Sh0rt-pw' });
    expect(short.status).toBe(400);
    expect(short.body.status.code).toBe(10);
    expect(short.body.status.detail.errors).toEqual([{ field: 'data.newPassword', message: 'must be at least 12 characters' }]);

    const named = await change({ userName: u.login, oldPassword: 'Old-Password-3a', newPassword: `x-${u.name.toUpperCase()}-garden-71` });
    expect(named.status).toBe(400);
    expect(named.body.status.detail.errors[0].message).toBe('must not contain the user name');

    const weak = await change({ userName: u.login, oldPassword: 'Old-Password-3a', newPassword: 'password1234' });
    expect(weak.status).toBe(400);
    expect(weak.body.status.detail.errors[0].field).toBe('data.newPassword');
    expect(weak.body.status.detail.errors[0].message).toMatch(/^is too easy to guess \(strength [01] of 4, at least 2 required\)/);
    expect((await grant(u.login, 'Old-Password-3a')).status).toBe(200);
  });

  it('refuses the current password and the last ones kept by password-history', async () => {
    const u = await newUser('first-Quartz-44-meadow');
    const steps = ['second-Quartz-44-meadow', 'third-Quartz-44-meadow'];
    let current = 'first-Quartz-44-meadow';
    for (const next of steps) {
      expect((await change({ userName: u.login, oldPassword: current, newPassword: next })).status).toBe(200);
      current = next;
    }
    for (const reused of ['third-Quartz-44-meadow', 'first-Quartz-44-meadow']) {
      const res = await change({ userName: u.login, oldPassword: current, newPassword: reused });
      expect(res.status).toBe(400);
      expect(res.body.status.detail.errors).toEqual([{ field: 'data.newPassword', message: 'must differ from the current password and the last 5 passwords' }]);
    }
  });

  it('reads the contact center\'s settings, and validates them', async () => {
    const bad = await setting('password-min-length', 'twelve');
    expect(bad.status).toBe(400);
    expect(bad.body.status.code).toBe(10);
    expect(bad.body.status.detail.errors).toEqual([{ field: 'data.value', message: 'password-min-length must be a whole number from 8 to 1024' }]);
    expect((await setting('password-min-score', '5')).status).toBe(400);
    expect((await setting('password-history', '-1')).status).toBe(400);

    expect((await setting('password-min-length', ' 20 ')).status).toBe(200);
    const listed = await t.request.get(`/environment/v3/contact-centers/${cc.ccid}/settings`).set('Authorization', OPS_AUTH);
    expect(listed.body.data.settings.find((s: { name: string }) => s.name === 'password-min-length').value).toBe('20');
    const u = await newUser('Old-Password-3c');
    const res = await change({ userName: u.login, oldPassword: 'Old-Password-3c', newPassword: 'tulip-Garden-39-x' });
    expect(res.body.status.detail.errors).toEqual([{ field: 'data.newPassword', message: 'must be at least 20 characters' }]);
    expect((await setting('password-min-length', '12')).status).toBe(200);
  });
});

describe('a password that must be changed', () => {
  it('mustChangePassword: the password grant refuses the right password until the user changes it', async () => {
    const u = await newUser('Temporary-Pass-1', { mustChangePassword: true });
    const shown = await t.request.get(`/environment/v3/contact-centers/${cc.ccid}/users/${u.id}`).set('Authorization', OPS_AUTH);
    expect(shown.body.data.mustChangePassword).toBe(true);
    expect(typeof shown.body.data.passwordChangedAt).toBe('number');

    expect((await grant(u.login, 'Temporary-Pass-1')).body).toEqual({ error: 'invalid_grant', error_description: 'password change required' });
    expect((await grant(u.login, 'Temporary-Pass-2')).body).toEqual({ error: 'invalid_grant', error_description: 'Bad credentials' });

    expect((await change({ userName: u.login, oldPassword: 'Temporary-Pass-1', newPassword: 'saffron-Window-62-lake' })).status).toBe(200);
    expect((await grant(u.login, 'saffron-Window-62-lake')).status).toBe(200);
    const after = await t.request.get(`/environment/v3/contact-centers/${cc.ccid}/users/${u.id}`).set('Authorization', OPS_AUTH);
    expect(after.body.data.mustChangePassword).toBe(false);
  });

  it('the users API sets and clears the flag', async () => {
    const u = await newUser('Temporary-Pass-3');
    const set = await t.request.put(`/environment/v3/contact-centers/${cc.ccid}/users/${u.id}`).set('Authorization', OPS_AUTH).send({ data: { mustChangePassword: true } });
    expect(set.body.data.mustChangePassword).toBe(true);
    expect((await grant(u.login, 'Temporary-Pass-3')).body.error_description).toBe('password change required');
    const bad = await t.request.put(`/environment/v3/contact-centers/${cc.ccid}/users/${u.id}`).set('Authorization', OPS_AUTH).send({ data: { mustChangePassword: 'yes' } });
    expect(bad.status).toBe(400);
    expect(bad.body.status.detail.errors).toEqual([{ field: 'data.mustChangePassword', message: 'must be true or false' }]);
  });

  it('password-max-age-days: an older password must be changed', async () => {
    const u = await newUser('Aging-Password-1');
    expect((await setting('password-max-age-days', '30')).status).toBe(200);
    try {
      expect((await grant(u.login, 'Aging-Password-1')).status).toBe(200);
      await t.db.knex('users').where({ id: u.id }).update({ password_changed_at: t.db.knex.raw("now() - interval '31 days'") });
      expect((await grant(u.login, 'Aging-Password-1')).body).toEqual({ error: 'invalid_grant', error_description: 'password change required' });
      expect((await change({ userName: u.login, oldPassword: 'Aging-Password-1', newPassword: 'indigo-Canyon-84-fern' })).status).toBe(200);
      expect((await grant(u.login, 'indigo-Canyon-84-fern')).status).toBe(200);
    } finally {
      await setting('password-max-age-days', '0');
    }
  });
});
