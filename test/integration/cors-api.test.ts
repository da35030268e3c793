/**
 * `/environment/v3/cors` (Genesys Authentication Environment API E12, E13; README "CORS"): one
 * origin at a time over the same store as the `cors-origins` setting, so both routes, and the CORS
 * answers themselves, always agree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContactCenter } from '../helpers/fixtures.ts';
import type { ContactCenterFixture } from '../helpers/fixtures.ts';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const OPS_AUTH = basic(OPS.username, OPS.password);
const CORS = '/environment/v3/cors';

let t: TestApp;
let a: ContactCenterFixture;
let b: ContactCenterFixture;

const add = (contactCenterId: string, origin: unknown) => t.request.post(CORS).set('Authorization', OPS_AUTH).send({ data: { contactCenterId, origin } });
const remove = (q: string) => t.request.delete(`${CORS}?${q}`).set('Authorization', OPS_AUTH);
const settingOf = async (ccid: string) => (await t.db.knex('contact_center_settings').where({ ccid, name: 'cors-origins' }).first())?.value as string | undefined;

beforeAll(async () => {
  t = await startTestApp();
  a = await createContactCenter(t.db.knex, { domains: ['corsa'] });
  b = await createContactCenter(t.db.knex, { domains: ['corsb'] });
});
afterAll(async () => {
  await t?.close();
});

describe('/environment/v3/cors', () => {
  it('adds origins one at a time, normalized and idempotent, into the cors-origins setting', async () => {
    const first = await add(a.ccid, ' HTTPS://Chat.Example.com:443 ');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ status: { code: 0 }, data: { origin: 'https://chat.example.com', contactCenterId: a.ccid, added: true } });
    const again = await add(a.ccid, 'https://chat.example.com');
    expect(again.body.data.added).toBe(false);
    expect((await add(a.ccid, 'https://b.example.com:8443')).status).toBe(200);
    expect((await add(b.ccid, 'http://localhost:3000')).status).toBe(200);
    expect(await settingOf(a.ccid)).toBe('https://chat.example.com,https://b.example.com:8443');

    const list = await t.request.get(CORS).set('Authorization', OPS_AUTH);
    expect(list.status).toBe(200);
    const expected = [
      { origin: 'https://chat.example.com', contactCenterId: a.ccid },
      { origin: 'https://b.example.com:8443', contactCenterId: a.ccid },
      { origin: 'http://localhost:3000', contactCenterId: b.ccid },
    ].sort((x, y) => (x.contactCenterId < y.contactCenterId ? -1 : x.contactCenterId > y.contactCenterId ? 1 : 0));
    expect(list.body).toEqual({ status: { code: 0 }, data: { origins: expected } });

    // the settings route sees the same list
    const settings = await t.request.get(`/environment/v3/contact-centers/${a.ccid}/settings`).set('Authorization', OPS_AUTH);
    expect(settings.body.data.settings).toEqual([{ name: 'cors-origins', value: 'https://chat.example.com,https://b.example.com:8443', location: '/', shared: true }]);
  });

  it('lets an added origin through the CORS checks of the contact center', async () => {
    expect((await add(a.ccid, 'https://widget.example.org')).status).toBe(200);
    // the allow-list cache follows within its refresh bound (README "CORS")
    await expect
      .poll(async () => (await t.request.options('/auth/v3/userinfo').set('Origin', 'https://widget.example.org').set('Access-Control-Request-Method', 'GET')).headers['access-control-allow-origin'], { timeout: 5000 })
      .toBe('https://widget.example.org');
  });

  it('removes one origin; the setting goes when the last one does', async () => {
    const res = await remove(`contactCenterId=${b.ccid}&origin=${encodeURIComponent('HTTP://LOCALHOST:3000')}`);
    expect([res.status, res.body]).toEqual([200, { status: { code: 0 } }]);
    expect(await settingOf(b.ccid)).toBeUndefined();
    const gone = await remove(`contactCenterId=${b.ccid}&origin=${encodeURIComponent('http://localhost:3000')}`);
    expect(gone.status).toBe(404);
    expect(gone.body.status.code).toBe(6);
  });

  it('audits every change, never a no-op', async () => {
    const rows = await t.db.knex('audit_events').where({ action: 'contact_center.cors_updated', target_id: a.ccid }).orderBy('id');
    expect(rows.map((r: { details: Record<string, unknown> }) => r.details.added)).toEqual(['https://chat.example.com', 'https://b.example.com:8443', 'https://widget.example.org']);
    expect(rows.every((r: { actor: string }) => r.actor === 'ops')).toBe(true);
  });

  it('refuses bad input with the envelope, and stores nothing', async () => {
    const before = await settingOf(a.ccid);
    const path = await add(a.ccid, 'https://x.example.com/path');
    expect(path.status).toBe(400);
    expect(path.body.status.code).toBe(10);
    expect(path.body.status.detail.errors[0].field).toBe('data.origin');
    expect((await add(a.ccid, 'https://*.example.com')).status).toBe(400);
    expect((await add('not-a-uuid', 'https://x.example.com')).body.status.detail.errors[0].field).toBe('data.contactCenterId');
    const unknown = await add('00000000-0000-4000-8000-000000000000', 'https://x.example.com');
    expect([unknown.status, unknown.body.status.code]).toEqual([404, 6]);
    const noData = await t.request.post(CORS).set('Authorization', OPS_AUTH).send({});
    expect([noData.status, noData.body.status.code]).toEqual([400, 1]);
    expect((await remove(`contactCenterId=${a.ccid}`)).status).toBe(400);
    expect((await remove(`contactCenterId=${a.ccid}&origin=a&origin=b`)).status).toBe(400);
    expect(await settingOf(a.ccid)).toBe(before);
  });

  it('needs admin credentials', async () => {
    const res = await t.request.get(CORS);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('Basic realm="ccauth"');
    expect(res.body.status.code).toBe(20);
  });

  it('follows the contact-center binding of an internal client: only its own origins, others 404', async () => {
    const bound = await createClient(t, { client_id: 'bound_to_a', contactCenterIds: [a.ccid] });
    const tok = (await t.request.post('/auth/v3/oauth/token').set('Authorization', basic(bound.clientId, bound.secret)).type('form').send({ grant_type: 'client_credentials' })).body.access_token as string;
    expect((await add(b.ccid, 'https://seed.example.com')).status).toBe(200);
    const list = await t.request.get(CORS).set('Authorization', `Bearer ${tok}`);
    expect(list.status).toBe(200);
    expect(list.body.data.origins.length).toBeGreaterThan(0);
    expect(list.body.data.origins.every((o: { contactCenterId: string }) => o.contactCenterId === a.ccid)).toBe(true);
    const other = await t.request.post(CORS).set('Authorization', `Bearer ${tok}`).send({ data: { contactCenterId: b.ccid, origin: 'https://evil.example.com' } });
    expect([other.status, other.body.status.code]).toEqual([404, 6]);
    const otherDelete = await t.request.delete(`${CORS}?contactCenterId=${b.ccid}&origin=${encodeURIComponent('https://seed.example.com')}`).set('Authorization', `Bearer ${tok}`);
    expect(otherDelete.status).toBe(404);
    expect(await settingOf(b.ccid)).toBe('https://seed.example.com');
    const own = await t.request.post(CORS).set('Authorization', `Bearer ${tok}`).send({ data: { contactCenterId: a.ccid, origin: 'https://own.example.com' } });
    expect(own.status).toBe(200);
    await remove(`contactCenterId=${b.ccid}&origin=${encodeURIComponent('https://seed.example.com')}`);
  });

  it('keeps concurrent adds: none is lost', async () => {
    const c = await createContactCenter(t.db.knex, { domains: ['corsc'] });
    const origins = Array.from({ length: 8 }, (_, i) => `https://app${i}.example.com`);
    const results = await Promise.all(origins.map((o) => add(c.ccid, o)));
    expect(results.map((r) => r.status)).toEqual(origins.map(() => 200));
    expect((await settingOf(c.ccid))!.split(',').sort()).toEqual([...origins].sort());
  });
});
