/**
 * Secrets at rest: after clients, environments, users and every grant have been exercised, no table
 * holds a plaintext client secret, Configuration Server password, user password or token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const CLIENT_SECRET = 'Cl1ent-Secret-Plain-7731';
const CS_PASSWORD = 'Cs-Passw0rd-Plain-5520';
const USER_PASSWORD = 'Us3r-Passw0rd-Plain-9182';

describe('database at rest', () => {
  it('holds only hashes and digests', async () => {
    const ops = basic(OPS.username, OPS.password);
    const client = await createClient(t, { client_id: 'scan_me', client_secret: CLIENT_SECRET });
    expect(client.secret).toBe(CLIENT_SECRET);
    const env = await t.request.post('/environment/v3/environments').set('Authorization', ops).send({ data: { username: 'default', password: CS_PASSWORD } });
    const environmentId = env.body.path.split('/')[2];
    const cc = await t.request.post('/environment/v3/contact-centers').set('Authorization', ops).send({ data: { environmentId, domains: ['scan'] } });
    const ccid = cc.body.path.split('/')[2];
    const user = await t.request.post(`/environment/v3/contact-centers/${ccid}/users`).set('Authorization', ops).send({ data: { username: 'agent', password: USER_PASSWORD } });
    expect(user.status).toBe(200);

    const auth = basic('scan_me', CLIENT_SECRET);
    const userTokens = await t.request.post('/auth/v3/oauth/token').set('Authorization', auth).type('form').send({ grant_type: 'password', username: 'scan\\agent', password: USER_PASSWORD });
    expect(userTokens.status).toBe(200);
    const refreshed = await t.request.post('/auth/v3/oauth/token').set('Authorization', auth).type('form').send({ grant_type: 'refresh_token', refresh_token: userTokens.body.refresh_token });
    expect(refreshed.status).toBe(200);
    const cc1 = await t.request.post('/auth/v3/oauth/token').set('Authorization', auth).type('form').send({ grant_type: 'client_credentials' });
    expect(cc1.status).toBe(200);

    const tables = (await t.db.knex('pg_tables').where({ schemaname: 'public' }).pluck('tablename')) as string[];
    expect(tables).toEqual(expect.arrayContaining(['clients', 'environments', 'users', 'oidc_payloads']));
    let dump = '';
    for (const table of tables) dump += JSON.stringify(await t.db.knex(table).select());
    const plaintexts = [
      CLIENT_SECRET,
      CS_PASSWORD,
      USER_PASSWORD,
      userTokens.body.access_token,
      userTokens.body.refresh_token,
      refreshed.body.access_token,
      refreshed.body.refresh_token,
      cc1.body.access_token,
    ];
    for (const p of plaintexts) expect(dump).not.toContain(p);
    expect(dump).toContain('$argon2id$');
  });
});
