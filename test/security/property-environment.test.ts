/**
 * Property-based hostile input at the Environment API (`/environment/v3/*`: environments, contact
 * centers, data centers, settings, users; fast-check; docs/security-model.md "Security model" → "Hostile input"):
 * valid bodies with fields replaced by random JSON, random raw bodies and content types, random
 * paths and queries, and random usernames. Each run asserts: status < 500; the Genesys envelope;
 * no stack trace; a refused write changes no row; an accepted username is unique in canonical form
 * (creating it again is a 409) and logs in.
 *
 * On failure fast-check prints the seed and path; `FC_SEED=<seed>` replays it.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContactCenter } from '../helpers/fixtures.ts';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';
import { canonicalUsername } from '../../src/domain/user.ts';
import { STACK_TRACE, adminWrites, expectAdminAnswer, expectEnvelopeError, expectNoPrototypePollution, fcOptions, mutatedBody, nastyJson, nastyString, rowCounts, stringLeaves, withLeaf } from './hostile-helpers.ts';
import type { AdminWrite, Answer } from './hostile-helpers.ts';

const OPS_AUTH = basic(OPS.username, OPS.password);
const PASSWORD = 'User-Password-1';
let t: TestApp;
let ccid: string;
let writes: AdminWrite[];
let client: { clientId: string; secret: string };

beforeAll(async () => {
  t = await startTestApp({ LOG_LEVEL: 'warn', RATE_LIMIT_USER_FAILURES: '1000000', RATE_LIMIT_CLIENT_ADDRESS_FAILURES: '1000000', RATE_LIMIT_ADDRESS_FAILURES: '1000000' });
  const cc = await createContactCenter(t.db.knex, { domains: ['t100'] });
  ccid = cc.ccid;
  client = await createClient(t, { client_id: 'property_env_app' });
  writes = adminWrites({ ccid, environmentId: cc.environmentId, codeIntegrationId: 'none', clientId: 'none' }).filter((w) => w.path.startsWith('/environment/v3/'));
});
afterAll(async () => {
  await t.close();
});



describe('Environment API under random input', { timeout: 120_000 }, () => {
  it('answers mutated write bodies with < 500 and the envelope; refused writes store nothing (300 runs)', async () => {
    let accepted = 0;
    const write = fc.constantFrom(...writes).chain((w) => fc.tuple(fc.constant(w), mutatedBody(w)));
    await fc.assert(
      fc.asyncProperty(write, async ([w, body]) => {
        const before = await rowCounts(t.db.knex);
        const res = await t.request[w.method](w.path).set('Authorization', OPS_AUTH).set('Content-Type', 'application/json').send(JSON.stringify(body));
        expectAdminAnswer(res);
        if (res.status >= 400) expect(await rowCounts(t.db.knex)).toEqual(before);
        else accepted++;
        expectNoPrototypePollution();
      }),
      fcOptions(300),
    );
    expect(accepted).toBeGreaterThan(0);
  });

  it('answers random raw bodies under random content types with < 500 and the envelope (200 runs)', async () => {
    const type = fc.constantFrom('application/json', 'application/json', 'application/vnd.api+json', 'text/plain', 'application/x-www-form-urlencoded', '');
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
      nastyJson().map((v) => Buffer.from(JSON.stringify({ data: v }))),
      nastyJson().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...writes), type, bytes, async (w, contentType, body) => {
        const before = await rowCounts(t.db.knex);
        const req = t.request[w.method](w.path).set('Authorization', OPS_AUTH);
        if (contentType) req.set('Content-Type', contentType);
        const res = await req.send(body);
        expectAdminAnswer(res);
        if (res.status >= 400) expect(await rowCounts(t.db.knex)).toEqual(before);
        expectNoPrototypePollution();
      }),
      fcOptions(200),
    );
  });

  it('answers random paths and query strings with < 500 and the envelope (200 runs)', async () => {
    const segment = fc.oneof(nastyString(), fc.constantFrom('users', 'settings', 'cors-origins', '%00', '%ED%A0%80', '%', '..', crypto.randomUUID()));
    const encode = (s: string) => (/^%/.test(s) ? s : encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '\ufffd')));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/environment/v3/environments', '/environment/v3/contact-centers', '/environment/v3/data-centers', `/environment/v3/contact-centers/${'x'}`),
        fc.array(segment, { maxLength: 3 }),
        fc.array(fc.tuple(nastyString(), nastyString()), { maxLength: 3 }),
        fc.constantFrom('get', 'get', 'delete'),
        async (base, segments, query, method) => {
          const path = [base, ...segments.map(encode)].join('/');
          const qs = query.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
          const before = await rowCounts(t.db.knex);
          const res = await t.request[method as 'get' | 'delete'](`${path}${qs ? `?${qs}` : ''}`).set('Authorization', OPS_AUTH);
          expectAdminAnswer(res);
          if (method === 'delete' && res.status >= 400) expect(await rowCounts(t.db.knex)).toEqual(before);
        },
      ),
      fcOptions(200),
    );
  });

  it('keeps random usernames unique in canonical form and able to log in (100 runs)', async () => {
    const username = fc.oneof(nastyString(), fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }), fc.stringMatching(/^[A-Za-z][A-Za-z0-9._-]{0,11}$/));
    // a contact center of its own: the tests above may create users (any nasty string, 😀 too) in the shared one
    const domain = `p${crypto.randomUUID().slice(0, 8)}`;
    const own = await createContactCenter(t.db.knex, { domains: [domain] });
    const seen = new Map<string, string>();
    await fc.assert(
      fc.asyncProperty(username, async (name) => {
        const before = await rowCounts(t.db.knex, ['users']);
        const res = await t.request.post(`/environment/v3/contact-centers/${own.ccid}/users`).set('Authorization', OPS_AUTH).send(JSON.stringify({ data: { username: name, password: PASSWORD } })).set('Content-Type', 'application/json');
        expectAdminAnswer(res);
        const canonical = canonicalUsername(name);
        if (res.status !== 200) {
          expect(await rowCounts(t.db.knex, ['users'])).toEqual(before);
          // a duplicate is only ever a name whose canonical form is taken
          if (res.status === 409) expect(seen.has(canonical)).toBe(true);
          return;
        }
        expect(seen.has(canonical)).toBe(false);
        seen.set(canonical, res.body.data.id);
        // logging in with the canonical form reaches this very account (introspection's sub)
        const login = await t.request.post('/auth/v3/oauth/token').set('Authorization', basic(client.clientId, client.secret)).type('form').send({ grant_type: 'password', username: `${domain}\\${canonical}`, password: PASSWORD });
        expect(login.status, login.text).toBe(200);
        const introspected = await t.request.post('/auth/v3/oauth/introspect').set('Authorization', basic(client.clientId, client.secret)).type('form').send({ token: login.body.access_token });
        expect(introspected.body.sub).toBe(`user:${res.body.data.id}`);
      }),
      fcOptions(100),
    );
    // a second pass over the accepted names: each one's upper-case form is a duplicate
    for (const canonical of [...seen.keys()].slice(0, 20)) {
      const res = await t.request.post(`/environment/v3/contact-centers/${own.ccid}/users`).set('Authorization', OPS_AUTH).send({ data: { username: canonical.toUpperCase(), password: PASSWORD } });
      expect([400, 409]).toContain(res.status);
    }
  }, 90_000);
});
