/**
 * The shipped catalogue in the products' own words (README "Prebuilt integrations and the ops
 * console"): each entry names its product and carries the set-up steps of that product's form,
 * taken from the vendors' documents (Cisco Webex Connect "Event Authorization", Avaya OneCloud
 * CCaaS "Adding a data store with OAuth 2.0 authorization", NICE CXone "OAuth in Digital
 * Experience", Genpact Cora SeQuence "Configure OAuth 2.0 Credentials"); the migration that wrote
 * them leaves operator edits alone; set-up steps are editable through the ops API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as m020 from '../../migrations/020_integration_products.ts';
import { OPS, basic, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const OPS_AUTH = basic(OPS.username, OPS.password);
const BASE = '/auth/v3/ops/integrations';
let t: TestApp;

const get = (path: string) => t.request.get(path).set('Authorization', OPS_AUTH);
const put = (path: string, body: object) => t.request.put(path).set('Authorization', OPS_AUTH).send(body);

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('the shipped entries', () => {
  it.each([
    ['contact-center-event-delivery', 'Cisco Webex Connect — Event Authorization for UCCE digital channels', ['Access Token URL (Unified Contact Center Enterprise Management > Digital Channel Settings)', 'Client ID', 'Client Secret']],
    ['journey-data-store', 'Avaya OneCloud CCaaS — Data store with OAuth 2.0', ['Authorization Type', 'Resource Server (FQDN/IP)', 'Endpoint Path', 'User Name', 'Password', 'Protocol (OAuth2)']],
    ['chat-customer-authentication', 'NICE CXone — OAuth in Digital Experience', ['Authorization endpoint (the chat window sends the customer here)', 'Token endpoint (authorization code and refresh token)', 'Endpoint to retrieve customer data', 'Client ID', 'Client Secret']],
    ['workflow-email-listener', 'Genpact Cora SeQuence — OAuth2 Client Credentials', ['Client Identifier', 'Client Secret', 'Token Endpoint', 'Scopes', 'Authentication Method']],
  ])('%s is named "%s" and lists the fields of its form in order', async (id, name, fieldsInOrder) => {
    const res = await get(`${BASE}/${id}`);
    expect(res.status).toBe(200);
    expect(res.body.data.name).toBe(name);
    expect(res.body.data.setupSteps.map((s: { field: string }) => s.field)).toEqual(fieldsInOrder);
  });

  it('the data store steps name the issuer host, token path and protocol (Avaya "Authentication Details")', async () => {
    const res = await get(`${BASE}/journey-data-store`);
    expect(res.body.data.setupSteps).toEqual([
      { field: 'Authorization Type', value: 'OAuth2' },
      { field: 'Resource Server (FQDN/IP)', value: '{issuer_host}' },
      { field: 'Endpoint Path', value: '{token_path}' },
      { field: 'User Name', value: 'a contact-center user, as domain\\user' },
      { field: 'Password', value: "that user's password" },
      { field: 'Protocol (OAuth2)', value: '{issuer_protocol}' },
    ]);
  });
});

describe('editing set-up steps', () => {
  it('replaces them with PUT and keeps them when absent', async () => {
    const steps = [{ field: 'Client Identifier', value: '{client_id}' }, { field: 'Notes', value: 'ask the Cora administrator' }];
    const res = await put(`${BASE}/workflow-email-listener`, { data: { setupSteps: steps } });
    expect(res.status).toBe(200);
    expect(res.body.data.setupSteps).toEqual(steps);
    const again = await put(`${BASE}/workflow-email-listener`, { data: { description: 'edited' } });
    expect(again.body.data.setupSteps).toEqual(steps);
  });

  it.each([
    [[{ field: 'Client ID', value: '{client_password}' }], 'data.setupSteps.0.value'],
    [[{ field: '', value: 'x' }], 'data.setupSteps.0.field'],
    [[{ field: 'x' }], 'data.setupSteps.0.value'],
    [Array.from({ length: 21 }, () => ({ field: 'f', value: 'v' })), 'data.setupSteps'],
  ])('refuses %j with code 10 on %s, changing nothing', async (setupSteps, field) => {
    const before = (await get(`${BASE}/chat-customer-authentication`)).body.data;
    const res = await put(`${BASE}/chat-customer-authentication`, { data: { setupSteps } });
    expect(res.status).toBe(400);
    expect(res.body.status.code).toBe(10);
    expect(res.body.status.detail.errors[0].field).toBe(field);
    expect((await get(`${BASE}/chat-customer-authentication`)).body.data).toEqual(before);
  });

  it('a new entry has none unless given', async () => {
    const res = await t.request.post(BASE).set('Authorization', OPS_AUTH).send({ data: { id: 'no-steps', name: 'No steps', authorizedGrantTypes: ['client_credentials'] } });
    expect(res.status).toBe(200);
    expect(res.body.data.setupSteps).toEqual([]);
  });
});

describe('the migration leaves operator edits alone', () => {
  it('renames only entries still carrying the shipped text, and fills steps only on unchanged templates', async () => {
    const knex = t.db.knex;
    await m020.down(knex); // back to the text migration 009 shipped
    expect((await knex('integrations').where({ id: 'journey-data-store' }).first()).name).toBe('Journey data store');
    // an operator renames one entry, rewrites another's description, repurposes a third
    await knex('integrations').where({ id: 'journey-data-store' }).update({ name: 'Our data store' });
    await knex('integrations').where({ id: 'contact-center-event-delivery' }).update({ description: 'ours' });
    await knex('integrations').where({ id: 'workflow-email-listener' }).update({ grant_types: ['authorization_code'] });
    await m020.up(knex);

    type Row = { id: string; name: string; description: string; setup_steps: unknown[] };
    const rows: Record<string, Row> = Object.fromEntries(((await knex('integrations').select()) as Row[]).map((r) => [r.id, r]));
    expect(rows['journey-data-store']!.name).toBe('Our data store');
    expect(rows['journey-data-store']!.description).toBe(m020.PRODUCT_INTEGRATIONS['journey-data-store']!.description);
    expect(rows['contact-center-event-delivery']!.name).toBe('Cisco Webex Connect — Event Authorization for UCCE digital channels');
    expect(rows['contact-center-event-delivery']!.description).toBe('ours');
    expect(rows['workflow-email-listener']!.name).toBe('Genpact Cora SeQuence — OAuth2 Client Credentials');
    expect(rows['workflow-email-listener']!.setup_steps).toEqual([]);
    expect(rows['chat-customer-authentication']!.setup_steps).toHaveLength(5);
    expect(rows['no-steps']!.name).toBe('No steps');
  });
});
