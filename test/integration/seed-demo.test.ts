/** `npm run seed` data: every demo client works for its seed document's flow. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../seeds/demo.ts';
import type { SeedReport } from '../../seeds/demo.ts';
import { basic, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

let t: TestApp;
let report: SeedReport;
const TOKEN = '/auth/v3/oauth/token';

beforeAll(async () => {
  t = await startTestApp();
  report = await seedDemo(t.db.knex);
});
afterAll(async () => {
  await t.close();
});

describe('demo seed', () => {
  it('creates the demo data once and reports secrets only the first time', async () => {
    expect(report.created).toContain('client demo-backend');
    expect(Object.keys(report.secrets)).toContain('user demo\\agent password');
    const again = await seedDemo(t.db.knex);
    expect(again.created).toEqual([]);
    expect(again.secrets).toEqual({});
  });

  it('lets the data store log in as demo\\agent (Avaya "Adding a data store with OAuth 2.0 authorization") and the email listener use its scopes (Genpact Cora SeQuence "Configure OAuth 2.0 Credentials")', async () => {
    const pw = report.secrets['user demo\\agent password']!;
    const ds = await t.request
      .post(TOKEN)
      .set('Authorization', basic('demo-datastore', report.secrets['client demo-datastore secret']!))
      .type('form')
      .send({ grant_type: 'password', username: 'demo\\agent', password: pw });
    expect(ds.status).toBe(200);
    expect(ds.body).toMatchObject({ token_type: 'bearer', expires_in: 3600, scope: '*' });
    const mail = await t.request
      .post(TOKEN)
      .type('form')
      .send({ grant_type: 'client_credentials', client_id: 'demo-email-listener', client_secret: report.secrets['client demo-email-listener secret']!, scope: 'mail.read' });
    expect(mail.status).toBe(200);
    expect(mail.body.scope).toBe('mail.read');
  });
});
