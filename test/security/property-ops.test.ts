/**
 * Property-based hostile input at the ops API (`/auth/v3/ops/clients`, `/auth/v3/ops/integrations`
 * and activations; fast-check; docs/security-model.md "Security model" → "Hostile input"): valid bodies with fields
 * replaced by random JSON (nasty strings, wrong types, prototype keys, deep values), random raw
 * bytes under random content types, and random paths and query strings. Each run asserts: status
 * < 500; the Genesys envelope; no stack trace; a refused write changes no row; an accepted one
 * stored the strings it was sent.
 *
 * On failure fast-check prints the seed and path; `FC_SEED=<seed>` replays it.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContactCenter } from '../helpers/fixtures.ts';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';
import { STACK_TRACE, adminWrites, expectAdminAnswer, expectEnvelopeError, expectNoPrototypePollution, fcOptions, mutatedBody, nastyJson, nastyString, rowCounts, stringLeaves, withLeaf } from './hostile-helpers.ts';
import type { AdminWrite, Answer } from './hostile-helpers.ts';

const OPS_AUTH = basic(OPS.username, OPS.password);
let t: TestApp;
let writes: AdminWrite[];

beforeAll(async () => {
  t = await startTestApp({ LOG_LEVEL: 'warn' });
  const cc = await createContactCenter(t.db.knex, { domains: ['t100'] });
  const client = await createClient(t, { client_id: 'property_existing', redirectURIs: ['https://app.example.com/cb'] });
  const integration = await t.request
    .post('/auth/v3/ops/integrations')
    .set('Authorization', OPS_AUTH)
    .send({ data: { id: 'code-flow', name: 'Code flow', authorizedGrantTypes: ['authorization_code'], scope: ['chat'] } });
  expect(integration.status).toBe(200);
  writes = adminWrites({ ccid: cc.ccid, environmentId: cc.environmentId, codeIntegrationId: 'code-flow', clientId: client.clientId }).filter((w) => w.path.startsWith('/auth/v3/ops/'));
});
afterAll(async () => {
  await t.close();
});



describe('ops API under random input', { timeout: 120_000 }, () => {
  it('answers mutated write bodies with < 500, the envelope, and stores exactly what it accepts (300 runs)', async () => {
    let accepted = 0;
    const write = fc.constantFrom(...writes).chain((w) => fc.tuple(fc.constant(w), mutatedBody(w)));
    await fc.assert(
      fc.asyncProperty(write, async ([w, body]) => {
        const before = await rowCounts(t.db.knex);
        // sent as text: a key named __proto__ must reach the server as such
        const res = await t.request[w.method](w.path).set('Authorization', OPS_AUTH).set('Content-Type', 'application/json').send(JSON.stringify(body));
        expectAdminAnswer(res);
        if (res.status >= 400) {
          expect(await rowCounts(t.db.knex)).toEqual(before);
        } else {
          accepted++;
          const listed = JSON.stringify((await t.request.get(w.list).set('Authorization', OPS_AUTH)).body);
          const shown = ['name', 'description'].map((k) => body.data[k]).filter((v): v is string => typeof v === 'string' && v.trim() !== '');
          for (const v of shown) expect(listed).toContain(JSON.stringify(v.trim()).slice(1, -1));
        }
        expectNoPrototypePollution();
      }),
      fcOptions(300),
    );
    expect(accepted).toBeGreaterThan(0);
  });

  it('answers random raw bodies under random content types with < 500 and the envelope (200 runs)', async () => {
    const type = fc.constantFrom('application/json', 'application/json', 'application/json; charset=latin1', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '');
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
      nastyJson().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
      fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)),
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

  it('answers random paths and query strings with < 500 and the envelope, changing nothing (200 runs)', async () => {
    const segment = fc.oneof(nastyString(), fc.constantFrom('property_existing', 'code-flow', 'activations', 'secret', '..', '%00', '%ED%A0%80', '%', '%zz'));
    const encode = (s: string) => (/^%/.test(s) ? s : encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '\ufffd')));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/auth/v3/ops/clients', '/auth/v3/ops/integrations', '/auth/v3/ops/audit', '/auth/v3/ops/keys'),
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
});
