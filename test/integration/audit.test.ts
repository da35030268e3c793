/**
 * The audit trail (docs/integrations.md): ops client changes and integration create/activate/rotate/deactivate
 * are written to `audit_events` (who, what, when, from which address) in the same transaction,
 * never with a secret, and read newest first at `GET /auth/v3/ops/audit?limit=&before=`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContactCenter } from '../helpers/fixtures.ts';
import { OPS, basic, seedClientBody, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const OPS_AUTH = basic(OPS.username, OPS.password);
const AUDIT = '/auth/v3/ops/audit';
let t: TestApp;
const secrets: string[] = [];

interface Event {
  id: number;
  at: number;
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  sourceIp: string | null;
  details: Record<string, unknown>;
}
const events = async (query = ''): Promise<Event[]> => {
  const res = await t.request.get(`${AUDIT}${query}`).set('Authorization', OPS_AUTH);
  expect(res.status).toBe(200);
  return res.body.data;
};

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('what is audited', () => {
  it('an empty trail at first', async () => {
    const res = await t.request.get(AUDIT).set('Authorization', OPS_AUTH);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ status: { code: 0 }, data: [] });
  });

  it('ops client create, update (with a new secret) and delete', async () => {
    const started = Date.now();
    const created = await t.request.post('/auth/v3/ops/clients').set('Authorization', OPS_AUTH).send(seedClientBody({ client_id: 'audited', client_secret: 'Audited-Secret-0001' }));
    expect(created.status).toBe(200);
    secrets.push('Audited-Secret-0001');
    const updated = await t.request.put('/auth/v3/ops/clients/audited').set('Authorization', OPS_AUTH).send({ data: { client_secret: 'Audited-Secret-0002', redirectURIs: ['https://a.example.com'] } });
    expect(updated.status).toBe(200);
    secrets.push('Audited-Secret-0002');
    expect((await t.request.delete('/auth/v3/ops/clients/audited').set('Authorization', OPS_AUTH)).status).toBe(200);

    const [del, upd, cre] = await events();
    expect(cre).toMatchObject({ actor: 'ops', action: 'client.created', targetType: 'client', targetId: 'audited' });
    expect(cre!.details).toMatchObject({ name: 'external_api_client', clientType: 'CONFIDENTIAL', secretGenerated: false });
    expect(upd).toMatchObject({ action: 'client.updated', targetId: 'audited', details: { fields: ['redirectUris'], secretChanged: true } });
    expect(del).toMatchObject({ action: 'client.deleted', targetId: 'audited' });
    for (const e of [cre!, upd!, del!]) {
      expect(e.at).toBeGreaterThanOrEqual(started - 5000);
      expect(e.sourceIp).toMatch(/127\.0\.0\.1|::1|::ffff:127\.0\.0\.1/);
    }
    expect(cre!.id).toBeLessThan(upd!.id);
  });

  it('a refused change writes nothing', async () => {
    const before = (await events()).length;
    const dup = await t.request.post('/auth/v3/ops/clients').set('Authorization', OPS_AUTH).send(seedClientBody({ client_id: 'x', authorizedGrantTypes: ['authorization_code'], redirectURIs: [] }));
    expect(dup.status).toBe(400);
    const ghost = await t.request.post('/auth/v3/ops/integrations/workflow-email-listener/activations').set('Authorization', OPS_AUTH).send({ data: { contactCenterId: '00000000-0000-4000-8000-0000000000aa' } });
    expect(ghost.status).toBe(400);
    expect(await events()).toHaveLength(before);
  });

  it('catalogue create, activation, rotation and deactivation', async () => {
    const cc = await createContactCenter(t.db.knex, { domains: ['aud'] });
    const entry = await t.request.post('/auth/v3/ops/integrations').set('Authorization', OPS_AUTH).send({ data: { id: 'audit-me', name: 'Audit me', authorizedGrantTypes: ['client_credentials'] } });
    expect(entry.status).toBe(200);
    const act = await t.request.post('/auth/v3/ops/integrations/audit-me/activations').set('Authorization', OPS_AUTH).send({ data: { contactCenterId: cc.ccid } });
    expect(act.status).toBe(200);
    const { activationId, client_id: clientId, client_secret: first } = act.body.data;
    secrets.push(first);
    const rot = await t.request.post(`/auth/v3/ops/integrations/audit-me/activations/${activationId}/secret`).set('Authorization', OPS_AUTH).send({ data: { gracePeriodSeconds: 60 } });
    expect(rot.status).toBe(200);
    secrets.push(rot.body.data.client_secret);
    expect((await t.request.delete(`/auth/v3/ops/integrations/audit-me/activations/${activationId}`).set('Authorization', OPS_AUTH)).status).toBe(200);
    expect((await t.request.delete('/auth/v3/ops/integrations/audit-me').set('Authorization', OPS_AUTH)).status).toBe(200);

    const [deleted, deactivated, rotated, activated, created] = await events('?limit=5');
    expect(created).toMatchObject({ action: 'integration.created', targetType: 'integration', targetId: 'audit-me', actor: 'ops' });
    expect(activated).toMatchObject({ action: 'integration.activated', targetType: 'activation', targetId: activationId, details: { integrationId: 'audit-me', contactCenterId: cc.ccid, clientId } });
    expect(rotated).toMatchObject({ action: 'integration.secret_rotated', targetId: activationId, details: { clientId, gracePeriodSeconds: 60 } });
    expect(typeof rotated!.details.previousValidUntil).toBe('string');
    expect(deactivated).toMatchObject({ action: 'integration.deactivated', targetId: activationId, details: { clientId } });
    expect(deleted).toMatchObject({ action: 'integration.deleted', targetId: 'audit-me' });
  });

  it('no secret anywhere in the audit table or its API', async () => {
    expect(secrets).toHaveLength(4);
    const dump = JSON.stringify(await t.db.knex('audit_events').select());
    const api = JSON.stringify(await events('?limit=500'));
    for (const s of secrets) {
      expect(dump).not.toContain(s);
      expect(api).not.toContain(s);
    }
    expect(dump).not.toContain('$argon2');
  });
});

describe('GET /auth/v3/ops/audit', () => {
  it('pages newest first with limit and before', async () => {
    const all = await events('?limit=500');
    expect(all.length).toBeGreaterThanOrEqual(8);
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => b - a));
    const page1 = await events('?limit=3');
    expect(page1).toEqual(all.slice(0, 3));
    const page2 = await events(`?limit=3&before=${page1[2]!.id}`);
    expect(page2).toEqual(all.slice(3, 6));
  });

  it.each([['limit=0'], ['limit=501'], ['limit=abc'], ['before=-1'], ['limit=1.5']])('refuses %s with code 10', async (q) => {
    const res = await t.request.get(`${AUDIT}?${q}`).set('Authorization', OPS_AUTH);
    expect(res.status).toBe(400);
    expect(res.body.status.code).toBe(10);
  });

  it('requires the ops credentials', async () => {
    expect((await t.request.get(AUDIT)).status).toBe(401);
  });
});
