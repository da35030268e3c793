/**
 * The login page's forced password change (README "Signing in" → "Password change and policy"):
 * a correct password of a user who must change it shows the change page instead of finishing the
 * sign-in; the page's form is bound to the interaction and the user (CSRF HMAC), refuses what the
 * policy refuses, and on success finishes the code flow as a password sign-in does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContactCenter } from '../helpers/fixtures.ts';
import type { ContactCenterFixture } from '../helpers/fixtures.ts';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';
import { authorizeUrl, followInside, hiddenField, newBrowser, pathOf, pkce, postSignIn, startSignIn } from '../helpers/interaction-flow.ts';

const REDIRECT = 'https://wwe.example.com/callback';
const FORM = '/auth/v3/sign-in/change-password';
const OPS_AUTH = basic(OPS.username, OPS.password);

let t: TestApp;
let cc: ContactCenterFixture;
let client: { clientId: string; secret: string };
let n = 0;

async function newUser(password: string, extra: Record<string, unknown>): Promise<{ id: string; login: string }> {
  const name = `forced${++n}`;
  const res = await t.request.post(`/environment/v3/contact-centers/${cc.ccid}/users`).set('Authorization', OPS_AUTH).send({ data: { username: name, password, ...extra } });
  expect(res.status).toBe(200);
  return { id: res.body.data.id, login: `t100\\${name}` };
}

const authorize = (challenge: string) => authorizeUrl({ clientId: client.clientId, redirectUri: REDIRECT, state: 'st', challenge });
const grant = (username: string, password: string) =>
  t.request.post('/auth/v3/oauth/token').set('Authorization', basic(client.clientId, client.secret)).type('form').send({ grant_type: 'password', username, password });

beforeAll(async () => {
  t = await startTestApp();
  cc = await createContactCenter(t.db.knex, { domains: ['t100'] });
  client = await createClient(t, { client_id: 'workspace', name: 'Agent Workspace', internalClient: true, redirectURIs: [REDIRECT] });
});
afterAll(async () => {
  await t?.close();
});

describe('forced password change on the login page', () => {
  it('asks for a new password after the right one, refuses a weak or mismatched one, then completes the code flow', async () => {
    const u = await newUser('Temporary-Pass-9', { mustChangePassword: true });
    const browser = newBrowser(t);
    const { verifier, challenge } = pkce();
    const { page } = await startSignIn(browser, authorize(challenge));

    const signedIn = await postSignIn(browser, page, { username: u.login, password: 'Temporary-Pass-9' });
    expect(signedIn.status).toBe(200);
    expect(signedIn.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(signedIn.headers['cache-control']).toBe('no-store');
    expect(signedIn.text).toContain('You must choose a new password before you continue.');
    expect(signedIn.text).toContain(`action="${FORM}"`);
    expect(hiddenField(signedIn.text, 'user')).toBe(u.id);

    const fields = (html: string, extra: Record<string, string>) => ({ uid: hiddenField(html, 'uid'), user: hiddenField(html, 'user'), csrf: hiddenField(html, 'csrf'), ...extra });
    const mismatch = await browser.post(FORM).type('form').send(fields(signedIn.text, { newPassword: 'amber-Falcon-71-shore', confirmPassword: 'amber-Falcon-71-shorE' }));
    expect(mismatch.status).toBe(400);
    expect(mismatch.text).toContain('The two passwords are not the same.');
    const weak = await browser.post(FORM).type('form').send(fields(mismatch.text, { newPassword: 'password1234', confirmPassword: 'password1234' }));
    expect(weak.status).toBe(400);
    expect(weak.text).toMatch(/The new password is too easy to guess/);
    // still the old password: nothing was stored
    expect((await grant(u.login, 'Temporary-Pass-9')).body.error_description).toBe('password change required');

    const done = await browser.post(FORM).type('form').send(fields(weak.text, { newPassword: 'amber-Falcon-71-shore', confirmPassword: 'amber-Falcon-71-shore' }));
    expect(done.status).toBe(303);
    const out = await followInside(browser, done.headers.location!);
    const cb = new URL(out.location!);
    expect(`${cb.origin}${cb.pathname}`).toBe(REDIRECT);
    expect(cb.searchParams.get('state')).toBe('st');
    const code = cb.searchParams.get('code')!;
    const tokens = await t.request
      .post('/auth/v3/oauth/token')
      .set('Authorization', basic(client.clientId, client.secret))
      .type('form')
      .send({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier });
    expect(tokens.status).toBe(200);
    const me = await t.request.get('/auth/v3/userinfo').set('Authorization', `Bearer ${tokens.body.access_token}`);
    expect(me.status).toBe(200);
    expect(me.body.contactCenterId).toBe(cc.ccid);
    expect(me.body.dbid).toBeGreaterThan(0);
    expect((await grant(u.login, 'amber-Falcon-71-shore')).status).toBe(200);
  });

  it('says the password expired when password-max-age-days ran out', async () => {
    const u = await newUser('Aging-Password-9', {});
    await t.request.post(`/environment/v3/contact-centers/${cc.ccid}/settings`).set('Authorization', OPS_AUTH).send({ data: { name: 'password-max-age-days', value: '10', location: '/', shared: 'true' } });
    await t.db.knex('users').where({ id: u.id }).update({ password_changed_at: t.db.knex.raw("now() - interval '11 days'") });
    const browser = newBrowser(t);
    const { page } = await startSignIn(browser, authorize(pkce().challenge));
    const signedIn = await postSignIn(browser, page, { username: u.login, password: 'Aging-Password-9' });
    expect(signedIn.status).toBe(200);
    expect(signedIn.text).toContain('Your password has expired.');
    await t.db.knex('contact_center_settings').where({ ccid: cc.ccid, name: 'password-max-age-days' }).delete();
  });

  it('refuses the form without the token of a sign-in of that user (another user id, a forged token)', async () => {
    const u = await newUser('Temporary-Pass-8', { mustChangePassword: true });
    const victim = await newUser('Temporary-Pass-7', { mustChangePassword: true });
    const browser = newBrowser(t);
    const { page } = await startSignIn(browser, authorize(pkce().challenge));
    const signedIn = await postSignIn(browser, page, { username: u.login, password: 'Temporary-Pass-8' });
    const base = { uid: hiddenField(signedIn.text, 'uid'), csrf: hiddenField(signedIn.text, 'csrf'), newPassword: 'amber-Falcon-71-shore', confirmPassword: 'amber-Falcon-71-shore' };
    const otherUser = await browser.post(FORM).type('form').send({ ...base, user: victim.id });
    expect(otherUser.status).toBe(403);
    expect(otherUser.text).toContain('Request refused');
    const forged = await browser.post(FORM).type('form').send({ ...base, user: u.id, csrf: 'A'.repeat(43) });
    expect(forged.status).toBe(403);
    expect((await grant(victim.login, 'Temporary-Pass-7')).body.error_description).toBe('password change required');
  });

  it('a wrong password never reaches the change page', async () => {
    const u = await newUser('Temporary-Pass-6', { mustChangePassword: true });
    const browser = newBrowser(t);
    const { page } = await startSignIn(browser, authorize(pkce().challenge));
    const wrong = await postSignIn(browser, page, { username: u.login, password: 'Temporary-Pass-5' });
    expect(wrong.status).toBe(303);
    expect(pathOf(wrong.headers.location!)).toMatch(/^\/auth\/v3\/sign-in\?uid=.*&error=credentials$/);
  });
});
