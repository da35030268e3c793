/**
 * The contact-center users API, `/environment/v3/contact-centers/{ccid}/users` (genesys-api.md
 * §5.1, §5.2, §7), on the real app.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContactCenter } from '../helpers/fixtures.ts';
import type { ContactCenterFixture } from '../helpers/fixtures.ts';
import { OPS, basic, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const OPS_AUTH = basic(OPS.username, OPS.password);
const PASSWORD = 'Correct-Horse-Battery-9';
let t: TestApp;
let cc: ContactCenterFixture;
let other: ContactCenterFixture;

beforeAll(async () => {
  t = await startTestApp();
  cc = await createContactCenter(t.db.knex, { domains: ['t100'] });
  other = await createContactCenter(t.db.knex, { domains: ['t200'] });
});
afterAll(async () => {
  await t.close();
});

const usersPath = (ccid: string) => `/environment/v3/contact-centers/${ccid}/users`;
const post = (ccid: string, data: Record<string, unknown>) => t.request.post(usersPath(ccid)).set('Authorization', OPS_AUTH).send({ data });
const put = (ccid: string, id: string, data: Record<string, unknown>) =>
  t.request.put(`${usersPath(ccid)}/${id}`).set('Authorization', OPS_AUTH).send({ data });
const get = (path: string) => t.request.get(path).set('Authorization', OPS_AUTH);

/** Creates a user through the API and returns the response `data`. */
async function createUser(ccid: string, data: Record<string, unknown>): Promise<Record<string, unknown> & { id: string; dbid: number }> {
  const res = await post(ccid, { password: PASSWORD, ...data });
  if (res.status !== 200) throw new Error(`user create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

/** Plants a fake oidc_payloads row held by `accountId` (as a token would be). */
async function plantToken(accountId: string): Promise<void> {
  await t.db.knex('oidc_payloads').insert({
    model: 'AccessToken',
    id_digest: randomUUID(),
    payload: JSON.stringify({ accountId }),
    account_id: accountId,
    client_id: 'some_client',
    expires_at: new Date(Date.now() + 3_600_000),
  });
}
async function heldBy(accountId: string): Promise<number> {
  const [row] = await t.db.knex('oidc_payloads').where({ account_id: accountId }).count<{ count: string }[]>('* as count');
  return Number(row!.count);
}

describe('authentication', () => {
  it.each([
    ['GET list', () => t.request.get(usersPath(randomUUID()))],
    ['POST', () => t.request.post(usersPath(randomUUID())).send({ data: { username: 'x', password: PASSWORD } })],
    ['DELETE', () => t.request.delete(`${usersPath(randomUUID())}/${randomUUID()}`)],
  ])('refuses %s without credentials with 401', async (_label, call) => {
    const res = await call();
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ status: { code: 20, message: 'Bad credentials' }, error: 'Unauthorized', error_description: 'Bad credentials' });
  });

  it('refuses wrong ops credentials with 401', async () => {
    const res = await t.request.get(usersPath(cc.ccid)).set('Authorization', basic('ops', 'wrong'));
    expect(res.status).toBe(401);
    expect(res.body.status).toEqual({ code: 20, message: 'Bad credentials' });
  });
});

describe('POST /environment/v3/contact-centers/{ccid}/users', () => {
  it('creates a user and answers with path and the user object, without the password', async () => {
    const res = await post(cc.ccid, {
      username: 'Agent.Smith',
      password: PASSWORD,
      firstName: 'Agent',
      lastName: 'Smith',
      email: 'agent.smith@example.com',
      authorities: ['ROLE_AGENT', 'ROLE_AGENT', 'ROLE_SUPERVISOR'],
      properties: { tenantDBID: '1', skill: 'sales' },
    });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const d = res.body.data;
    expect(res.body.status).toEqual({ code: 0 });
    expect(res.body.path).toBe(`/contact-centers/${cc.ccid}/users/${d.id}`);
    expect(d.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Object.keys(d).sort()).toEqual(
      ['authorities', 'contactCenterId', 'createdAt', 'dbid', 'email', 'enabled', 'externalId', 'firstName', 'id', 'lastName', 'mustChangePassword', 'passwordChangedAt', 'properties', 'username'].sort(),
    );
    expect(d).toMatchObject({
      username: 'Agent.Smith',
      firstName: 'Agent',
      lastName: 'Smith',
      email: 'agent.smith@example.com',
      authorities: ['ROLE_AGENT', 'ROLE_SUPERVISOR'],
      properties: { tenantDBID: '1', skill: 'sales' },
      enabled: true,
      contactCenterId: cc.ccid,
    });
    expect(Number.isInteger(d.dbid)).toBe(true);
    expect(d.dbid).toBeGreaterThan(0);
    expect(Math.abs(d.createdAt - Date.now())).toBeLessThan(60_000);
    expect(JSON.stringify(res.body)).not.toContain(PASSWORD);
    expect(JSON.stringify(res.body)).not.toContain('argon2');
  });

  it('stores only an argon2id hash, never the plaintext password (table and logs)', async () => {
    const secret = 'Only-Hash-Me-123';
    const u = await createUser(cc.ccid, { username: 'hashed', password: secret });
    const row = await t.db.knex('users').where({ id: u.id }).first();
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(row.username_canonical).toBe('hashed');
    expect(JSON.stringify(row)).not.toContain(secret);
    const all = await t.db.knex('users').select('*');
    expect(JSON.stringify(all)).not.toContain(secret);
    expect(t.logs().join('\n')).not.toContain(secret);
    expect(t.logs().some((l) => l.includes('"event":"user_created"'))).toBe(true);
  });

  it('defaults the optional fields; trims the username and names; assigns increasing dbids', async () => {
    const a = await createUser(cc.ccid, { username: '  minimal  ', firstName: '  ', lastName: ' Doe ' });
    const b = await createUser(cc.ccid, { username: 'minimal2' });
    expect(a).toMatchObject({ username: 'minimal', firstName: null, lastName: 'Doe', email: null, authorities: [], properties: {}, enabled: true });
    expect(b.dbid).toBeGreaterThan(a.dbid);
  });

  it('accepts enabled:false at creation', async () => {
    const u = await createUser(cc.ccid, { username: 'starts-disabled', enabled: false });
    expect(u.enabled).toBe(false);
  });

  it('refuses a username that differs only in case or Unicode normalisation with 409 code 18', async () => {
    await createUser(cc.ccid, { username: 'Alice' });
    const res = await post(cc.ccid, { username: 'alice', password: PASSWORD });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ status: { code: 18, message: `user alice already exists in contact center ${cc.ccid}` } });

    await createUser(cc.ccid, { username: 'Jos\u00e9' });
    const decomposed = await post(cc.ccid, { username: 'JOSE\u0301', password: PASSWORD });
    expect(decomposed.status).toBe(409);
    expect(decomposed.body.status.code).toBe(18);
  });

  it('allows the same username in another contact center', async () => {
    const u = await createUser(other.ccid, { username: 'alice' });
    expect(u.contactCenterId).toBe(other.ccid);
  });

  it('answers 404 code 6 for an unknown contact center', async () => {
    const ccid = randomUUID();
    const res = await post(ccid, { username: 'nobody', password: PASSWORD });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ status: { code: 6, message: `contact center ${ccid} not found` } });
  });

  it('answers 404 code 6 for a ccid that is not a UUID', async () => {
    const res = await post('not-a-uuid', { username: 'nobody', password: PASSWORD });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ status: { code: 6, message: 'contact center not found' } });
  });

  it('answers 400 code 1 when data is missing', async () => {
    const res = await t.request.post(usersPath(cc.ccid)).set('Authorization', OPS_AUTH).send({ username: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.status.code).toBe(1);
    expect(res.body.status.message).toBe("missing required parameter 'data'");
  });

  it.each([
    ['a missing username', { password: PASSWORD }, 'data.username', 'must be a string'],
    ['an empty username', { username: '   ', password: PASSWORD }, 'data.username', 'must not be empty'],
    ['a 256-character username', { username: 'u'.repeat(256), password: PASSWORD }, 'data.username', 'must be at most 255 characters'],
    ['a backslash in the username', { username: 't100\\bob', password: PASSWORD }, 'data.username', 'must not contain a backslash (it separates the domain at login)'],
    ['a control character in the username', { username: 'bo\u0007b', password: PASSWORD }, 'data.username', 'must not contain control characters'],
    ['a missing password', { username: 'bob' }, 'data.password', 'must be a string'],
    ['a 7-character password', { username: 'bob', password: 'short77' }, 'data.password', 'must be at least 8 characters'],
    ['a 1025-character password', { username: 'bob', password: 'p'.repeat(1025) }, 'data.password', 'must be at most 1024 characters'],
    ['a bad email', { username: 'bob', password: PASSWORD, email: 'not-an-email' }, 'data.email', 'must be an email address'],
    ['a bad authority', { username: 'bob', password: PASSWORD, authorities: ['ROLE AGENT'] }, 'data.authorities.0', 'must be 1-128 letters, digits or _ . : -'],
    ['a non-string property', { username: 'bob', password: PASSWORD, properties: { a: 1 } }, 'data.properties.a', 'must be a string'],
    ['a long property value', { username: 'bob', password: PASSWORD, properties: { a: 'v'.repeat(4097) } }, 'data.properties.a', 'must be at most 4096 characters'],
    ['a long property name', { username: 'bob', password: PASSWORD, properties: { ['k'.repeat(129)]: 'v' } }, 'data.properties', 'property names must be 1-128 characters without control characters or unpaired surrogates'],
    ['an empty property name', { username: 'bob', password: PASSWORD, properties: { '': 'v' } }, 'data.properties', 'property names must be 1-128 characters without control characters or unpaired surrogates'],
    [
      '101 properties',
      { username: 'bob', password: PASSWORD, properties: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, 'v'])) },
      'data.properties',
      'must have at most 100 properties',
    ],
    ['non-object properties', { username: 'bob', password: PASSWORD, properties: 'a=b' }, 'data.properties', 'must be an object of string values'],
    ['a non-boolean enabled', { username: 'bob', password: PASSWORD, enabled: 'yes' }, 'data.enabled', 'must be true or false'],
  ])('refuses %s with 400 code 10 naming the field', async (_label, data, field, message) => {
    const res = await post(cc.ccid, data);
    expect(res.status).toBe(400);
    expect(res.body.status.code).toBe(10);
    expect(res.body.status.detail.errors).toContainEqual({ field: expect.stringMatching(new RegExp(`^${field.replace(/\./g, '\\.')}`)), message });
    expect(JSON.stringify(res.body)).not.toContain(PASSWORD);
  });
});

describe('GET /environment/v3/contact-centers/{ccid}/users[/{id}]', () => {
  it('lists the users of one contact center only, ordered by dbid', async () => {
    const res = await get(usersPath(other.ccid));
    expect(res.status).toBe(200);
    expect(res.body.status).toEqual({ code: 0 });
    expect(res.body.data.map((u: { username: string }) => u.username)).toEqual(['alice']);
    const mine = await get(usersPath(cc.ccid));
    const dbids = mine.body.data.map((u: { dbid: number }) => u.dbid);
    expect(dbids).toEqual([...dbids].sort((a: number, b: number) => a - b));
    expect(mine.body.data.every((u: { contactCenterId: string }) => u.contactCenterId === cc.ccid)).toBe(true);
    for (const u of mine.body.data) expect(u).not.toHaveProperty('password');
  });

  it('lists an empty contact center as an empty array', async () => {
    const empty = await createContactCenter(t.db.knex);
    const res = await get(usersPath(empty.ccid));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: { code: 0 }, data: [] });
  });

  it('gets one user', async () => {
    const u = await createUser(cc.ccid, { username: 'getme', email: 'getme@example.com' });
    const res = await get(`${usersPath(cc.ccid)}/${u.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: { code: 0 }, data: u });
  });

  it('answers 404 code 6 for an unknown contact center, user, or a user of another contact center', async () => {
    const ccid = randomUUID();
    const list = await get(usersPath(ccid));
    expect(list.status).toBe(404);
    expect(list.body).toEqual({ status: { code: 6, message: `contact center ${ccid} not found` } });

    const id = randomUUID();
    const one = await get(`${usersPath(cc.ccid)}/${id}`);
    expect(one.status).toBe(404);
    expect(one.body).toEqual({ status: { code: 6, message: `user ${id} not found` } });

    const foreign = await createUser(other.ccid, { username: 'foreigner' });
    const cross = await get(`${usersPath(cc.ccid)}/${foreign.id}`);
    expect(cross.status).toBe(404);
    expect(cross.body).toEqual({ status: { code: 6, message: `user ${foreign.id} not found` } });

    const bad = await get(`${usersPath(cc.ccid)}/123`);
    expect(bad.status).toBe(404);
    expect(bad.body).toEqual({ status: { code: 6, message: 'user not found' } });
  });

  it('answers 404 code 6 for an unmatched method or path under users', async () => {
    const res = await t.request.patch(`${usersPath(cc.ccid)}/${randomUUID()}`).set('Authorization', OPS_AUTH).send({ data: {} });
    expect(res.status).toBe(404);
    expect(res.body.status.code).toBe(6);
  });
});

describe('PUT /environment/v3/contact-centers/{ccid}/users/{id}', () => {
  it('merges only the given fields', async () => {
    const u = await createUser(cc.ccid, {
      username: 'merge',
      firstName: 'Old',
      lastName: 'Name',
      email: 'old@example.com',
      authorities: ['ROLE_AGENT'],
      properties: { a: '1' },
    });
    const res = await put(cc.ccid, u.id, { firstName: 'New', properties: { b: '2' } });
    expect(res.status).toBe(200);
    expect(res.body.status).toEqual({ code: 0 });
    expect(res.body.data).toEqual({ ...u, firstName: 'New', properties: { b: '2' } });
    const cleared = await put(cc.ccid, u.id, { email: null, lastName: null });
    expect(cleared.body.data).toMatchObject({ email: null, lastName: null, firstName: 'New' });
    const same = await put(cc.ccid, u.id, {});
    expect(same.status).toBe(200);
    expect(same.body.data).toEqual(cleared.body.data);
  });

  it('re-hashes a new password and never echoes it', async () => {
    const u = await createUser(cc.ccid, { username: 'rehash' });
    const before = await t.db.knex('users').where({ id: u.id }).first();
    const res = await put(cc.ccid, u.id, { password: 'A-Brand-New-Password' });
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).not.toContain('A-Brand-New-Password');
    const after = await t.db.knex('users').where({ id: u.id }).first();
    expect(after.password_hash).toMatch(/^\$argon2id\$/);
    expect(after.password_hash).not.toBe(before.password_hash);
    expect(JSON.stringify(after)).not.toContain('A-Brand-New-Password');
  });

  it('renames, refusing a name taken case-insensitively with 409 code 18', async () => {
    const u = await createUser(cc.ccid, { username: 'renamer' });
    const renamed = await put(cc.ccid, u.id, { username: 'Renamed' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.data.username).toBe('Renamed');
    const recased = await put(cc.ccid, u.id, { username: 'RENAMED' });
    expect(recased.status).toBe(200);
    expect(recased.body.data.username).toBe('RENAMED');
    const taken = await put(cc.ccid, u.id, { username: 'ALICE' });
    expect(taken.status).toBe(409);
    expect(taken.body).toEqual({ status: { code: 18, message: `user ALICE already exists in contact center ${cc.ccid}` } });
  });

  it('validates like create (400 code 10)', async () => {
    const u = await createUser(cc.ccid, { username: 'validated' });
    const res = await put(cc.ccid, u.id, { password: 'short', email: 'nope' });
    expect(res.status).toBe(400);
    expect(res.body.status.code).toBe(10);
    expect(res.body.status.detail.errors.map((e: { field: string }) => e.field).sort()).toEqual(['data.email', 'data.password']);
  });

  it('answers 404 code 6 for an unknown contact center or user', async () => {
    const ccid = randomUUID();
    const unknownCc = await put(ccid, randomUUID(), { firstName: 'x' });
    expect(unknownCc.status).toBe(404);
    expect(unknownCc.body).toEqual({ status: { code: 6, message: `contact center ${ccid} not found` } });
    const id = randomUUID();
    const unknownUser = await put(cc.ccid, id, { firstName: 'x' });
    expect(unknownUser.status).toBe(404);
    expect(unknownUser.body).toEqual({ status: { code: 6, message: `user ${id} not found` } });
  });

  it('revokes everything the user holds when disabled or when the password changes, and nothing else', async () => {
    const u = await createUser(cc.ccid, { username: 'revokee' });
    const bystander = await createUser(cc.ccid, { username: 'bystander' });
    const account = `user:${u.id}`;
    await plantToken(account);
    await plantToken(`user:${bystander.id}`);

    await put(cc.ccid, u.id, { firstName: 'Still' });
    expect(await heldBy(account)).toBe(1);

    await put(cc.ccid, u.id, { password: 'Changed-Password-1' });
    expect(await heldBy(account)).toBe(0);

    await plantToken(account);
    const disabled = await put(cc.ccid, u.id, { enabled: false });
    expect(disabled.body.data.enabled).toBe(false);
    expect(await heldBy(account)).toBe(0);
    expect(await heldBy(`user:${bystander.id}`)).toBe(1);

    const enabled = await put(cc.ccid, u.id, { enabled: true });
    expect(enabled.body.data.enabled).toBe(true);
  });
});

describe('DELETE /environment/v3/contact-centers/{ccid}/users/{id}', () => {
  it('deletes the user and revokes what they hold; a second delete is 404', async () => {
    const u = await createUser(cc.ccid, { username: 'doomed' });
    await plantToken(`user:${u.id}`);
    const res = await t.request.delete(`${usersPath(cc.ccid)}/${u.id}`).set('Authorization', OPS_AUTH);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: { code: 0 } });
    expect(await heldBy(`user:${u.id}`)).toBe(0);
    expect((await get(`${usersPath(cc.ccid)}/${u.id}`)).status).toBe(404);
    const again = await t.request.delete(`${usersPath(cc.ccid)}/${u.id}`).set('Authorization', OPS_AUTH);
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ status: { code: 6, message: `user ${u.id} not found` } });
    // The username is free again.
    expect((await post(cc.ccid, { username: 'DOOMED', password: PASSWORD })).status).toBe(200);
  });

  it('does not delete a user through another contact center', async () => {
    const u = await createUser(other.ccid, { username: 'protected' });
    const res = await t.request.delete(`${usersPath(cc.ccid)}/${u.id}`).set('Authorization', OPS_AUTH);
    expect(res.status).toBe(404);
    expect((await get(`${usersPath(other.ccid)}/${u.id}`)).status).toBe(200);
  });

  it('answers 404 code 6 for an unknown contact center', async () => {
    const ccid = randomUUID();
    const res = await t.request.delete(`${usersPath(ccid)}/${randomUUID()}`).set('Authorization', OPS_AUTH);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ status: { code: 6, message: `contact center ${ccid} not found` } });
  });
});
