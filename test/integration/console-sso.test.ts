/**
 * Console → Contact centers → Single sign-on (README "Signing in" → "Single sign-on"): the page
 * shows ccauth's SP endpoints and the metadata download, a SAML form (pasted metadata) and an
 * OpenID Connect form; bad metadata comes back as a field error; saving and removing are audited
 * as the console user.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from 'supertest';
import { OPS, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';
import { createContactCenter } from '../helpers/fixtures.ts';
import { idpMetadata, newKeyPair } from '../helpers/saml-idp.ts';

let t: TestApp;
let ccid: string;
let cookie = '';
const setCookies = (res: Response): string[] => {
  const h = res.headers['set-cookie'] as unknown;
  return Array.isArray(h) ? (h as string[]) : typeof h === 'string' ? [h] : [];
};
const pair = (res: Response, name: string) => (setCookies(res).find((c) => c.startsWith(`${name}=`)) ?? '').split(';')[0]!;
const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
const page = (path: string) => t.request.get(path).set('Cookie', cookie);
const post = (path: string, form: Record<string, string>) => t.request.post(path).set('Cookie', cookie).set('Origin', 'http://ccauth.test').type('form').send(form);

beforeAll(async () => {
  t = await startTestApp();
  ({ ccid } = await createContactCenter(t.db.knex, { domains: ['s100'] }));
  const form = await t.request.get('/console/sign-in');
  const res = await t.request.post('/console/sign-in').set('Cookie', pair(form, 'ccauth_console_signin')).set('Origin', 'http://ccauth.test').type('form').send({ csrf: csrfOf(form.text), username: OPS.username, password: OPS.password, next: '' });
  cookie = pair(res, 'ccauth_console');
  expect(cookie).toMatch(/^ccauth_console=/);
});
afterAll(async () => {
  await t.close();
});

describe('console single sign-on', () => {
  it('shows the SP endpoints, saves pasted SAML metadata, shows the IdP, and removes it (audited)', async () => {
    const empty = await page(`/console/contact-centers/${ccid}/sso`);
    expect(empty.status).toBe(200);
    expect(empty.text).toContain(`http://ccauth.test/auth/v3/saml/${ccid}/acs`);
    expect(empty.text).toContain(`href="http://ccauth.test/auth/v3/saml/${ccid}/metadata"`);
    expect(empty.text).toContain('Not configured');
    const csrf = csrfOf(empty.text);

    const bad = await post(`/console/contact-centers/${ccid}/sso/saml`, { csrf, metadataXml: 'not xml <', binding: 'redirect', userMatch: 'username' });
    expect(bad.status).toBe(303);
    const badPage = await page(`/console/contact-centers/${ccid}/sso`);
    expect(badPage.text).toContain('not well-formed XML');

    const metadata = idpMetadata({ entityId: 'https://idp.example.com/console', ssoUrl: 'https://idp.example.com/sso', certificateB64: newKeyPair().certificateB64 });
    const ok = await post(`/console/contact-centers/${ccid}/sso/saml`, { csrf, metadataXml: metadata, binding: 'post', userMatch: 'email', ssoOnly: 'true' });
    expect(ok.status).toBe(303);
    const saved = await page(`/console/contact-centers/${ccid}/sso`);
    expect(saved.text).toContain('SAML identity provider saved.');
    expect(saved.text).toContain('https://idp.example.com/console');
    expect(saved.text).toContain('HTTP-POST');
    expect(saved.text).toContain('refused (single sign-on only)');
    const audit = await t.db.knex('audit_events').where({ action: 'identity_provider.set', target_id: ccid }).first();
    expect(audit).toMatchObject({ actor: OPS.username });

    const removed = await post(`/console/contact-centers/${ccid}/sso/delete`, { csrf });
    expect(removed.status).toBe(303);
    expect((await page(`/console/contact-centers/${ccid}/sso`)).text).toContain('Single sign-on removed');
    expect(await t.db.knex('identity_providers').where({ ccid }).first()).toBeUndefined();
  });

  it('refuses a form without the CSRF token', async () => {
    const res = await post(`/console/contact-centers/${ccid}/sso/delete`, {});
    expect(res.status).toBe(403);
  });
});
