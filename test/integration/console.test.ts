/**
 * The ops console at `/console` (issue 4), driven over HTTP: sign-in with a real server-side
 * session (HttpOnly, SameSite=Strict cookie; CSRF token on every form; Origin check), security
 * headers, 303 answers, the Integrations flow (activate → credentials shown once → they work;
 * rotate; deactivate), Clients, Contact centers (CORS origins editor), Audit, sign-out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from 'supertest';
import { createContactCenter } from '../helpers/fixtures.ts';
import type { ContactCenterFixture } from '../helpers/fixtures.ts';
import { OPS, basic, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';
import { digestToken } from '../../src/security/tokens.ts';

const TOKEN = '/auth/v3/oauth/token';
let t: TestApp;
let cc: ContactCenterFixture;
let cookie = ''; // the signed-in session cookie, "ccauth_console=<id>"

const setCookies = (res: Response): string[] => {
  const h = res.headers['set-cookie'] as unknown;
  return Array.isArray(h) ? (h as string[]) : typeof h === 'string' ? [h] : [];
};
const cookieNamed = (res: Response, name: string) => setCookies(res).find((c) => c.startsWith(`${name}=`));
const pair = (setCookie: string | undefined) => (setCookie ?? '').split(';')[0]!;
const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
const inputValue = (html: string, id: string) => new RegExp(`id="${id}" value="([^"]*)"`).exec(html)?.[1];
const unescape = (s: string) => s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');

const page = (path: string, c = cookie) => t.request.get(path).set('Cookie', c);
const post = (path: string, form: Record<string, string | string[]>, c = cookie) => t.request.post(path).set('Cookie', c).type('form').send(form);

/** A signed-in page's CSRF token. */
async function csrf(): Promise<string> {
  return csrfOf((await page('/console/integrations')).text);
}

function expectPageHeaders(res: Response): void {
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['x-frame-options']).toBe('DENY');
  const csp = res.headers['content-security-policy'] as string;
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("form-action 'self'");
  expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9+/=]+'/);
  expect(csp).not.toContain('unsafe-inline');
}

async function signIn(username: string = OPS.username, password: string = OPS.password, next?: string): Promise<Response> {
  const form = await t.request.get(`/console/sign-in${next ? `?next=${encodeURIComponent(next)}` : ''}`);
  const pre = pair(cookieNamed(form, 'ccauth_console_signin'));
  return t.request.post('/console/sign-in').set('Cookie', pre).type('form').send({ csrf: csrfOf(form.text), username, password, next: unescape(/name="next" value="([^"]*)"/.exec(form.text)?.[1] ?? '') });
}

beforeAll(async () => {
  t = await startTestApp();
  cc = await createContactCenter(t.db.knex, { domains: ['console1'] });
});
afterAll(async () => {
  await t.close();
});

describe('sign-in', () => {
  it('sends an anonymous visitor to the sign-in page, keeping where they were going', async () => {
    const res = await t.request.get('/console/integrations?q=chat');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/console/sign-in?next=${encodeURIComponent('/console/integrations?q=chat')}`);
    expectPageHeaders(res);
  });

  it('serves the sign-in form with a pre-session cookie and the page security headers', async () => {
    const res = await t.request.get('/console/sign-in');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expectPageHeaders(res);
    const pre = cookieNamed(res, 'ccauth_console_signin');
    expect(pre).toMatch(/^ccauth_console_signin=[A-Za-z0-9_-]{43}; Path=\/console; Max-Age=1800; HttpOnly; SameSite=Strict$/);
    expect(csrfOf(res.text)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.text).toContain('<form method="post" action="/console/sign-in">');
    expect(res.text).not.toMatch(/<script(?![^>]*nonce=)/);
    expect(res.text).not.toMatch(/https?:\/\/(?!ccauth\.test)/); // no external assets
  });

  it('refuses a sign-in without the form token (login CSRF), with 303 and no session', async () => {
    const res = await t.request.post('/console/sign-in').type('form').send({ username: 'ops', password: 'ops', csrf: 'forged' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/console/sign-in?error=expired&next=%2Fconsole%2Fintegrations');
    expect(cookieNamed(res, 'ccauth_console')).toBeUndefined();
    expect(Number((await t.db.knex('console_sessions').count({ n: '*' }).first())!.n)).toBe(0);
  });

  it('refuses wrong credentials with a fixed message', async () => {
    const res = await signIn('ops', 'wrong');
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/console\/sign-in\?error=credentials&/);
    const shown = await t.request.get(res.headers.location!);
    expect(shown.text).toContain('The username or password is incorrect.');
    const noEcho = await t.request.get('/console/sign-in?error=<b>pwned</b>');
    expect(noEcho.text).not.toContain('pwned');
  });

  it('signs in: a random session id in an HttpOnly SameSite=Strict cookie, stored only as a digest', async () => {
    const res = await signIn(OPS.username, OPS.password, '/console/integrations?q=chat');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/console/integrations?q=chat');
    const set = cookieNamed(res, 'ccauth_console');
    expect(set).toMatch(/^ccauth_console=[A-Za-z0-9_-]{43}; Path=\/console; Max-Age=28800; HttpOnly; SameSite=Strict$/);
    expect(cookieNamed(res, 'ccauth_console_signin')).toMatch(/Max-Age=0/);
    cookie = pair(set);
    const id = cookie.split('=')[1]!;
    const rows = await t.db.knex('console_sessions').select();
    expect(rows).toHaveLength(1);
    expect(rows[0].id_digest).toBe(digestToken(id));
    expect(JSON.stringify(rows)).not.toContain(id);
    expect(rows[0].username).toBe('ops');
  });

  it('refuses an open redirect after sign-in', async () => {
    const res = await signIn(OPS.username, OPS.password, 'https://evil.example.com/');
    expect(res.headers.location).toBe('/console/integrations');
    const res2 = await signIn(OPS.username, OPS.password, '/console//evil.example.com');
    expect(res2.headers.location).toBe('/console/integrations');
  });
});

describe('integrations', () => {
  it('lists the catalogue with a search box and status per contact center', async () => {
    const res = await page('/console/integrations');
    expect(res.status).toBe(200);
    expectPageHeaders(res);
    expect(res.text).toContain('<nav class="nav" aria-label="Console sections">');
    expect(res.text).toContain('aria-current="page">Integrations</a>');
    for (const name of [
      'Cisco Webex Connect — Event Authorization for UCCE digital channels',
      'Avaya OneCloud CCaaS — Data store with OAuth 2.0',
      'NICE CXone — OAuth in Digital Experience',
      'Genpact Cora SeQuence — OAuth2 Client Credentials',
    ]) expect(res.text).toContain(name);
    expect(res.text).toContain('<input type="search" id="q" name="q"');
    expect((res.text.match(/<tr data-integration=/g) ?? []).length).toBe(4);
    expect(res.text).toContain('Not activated');

    const found = await page('/console/integrations?q=CORA');
    expect((found.text.match(/<tr data-integration=/g) ?? []).length).toBe(1);
    expect(found.text).toContain('Genpact Cora SeQuence — OAuth2 Client Credentials');
    const none = await page('/console/integrations?q=%3Cscript%3E');
    expect(none.text).toContain('No integration matches “&lt;script&gt;”.');
    expect(none.text).not.toContain('<script>');
  });

  it('activates and shows the credentials once; they get a token', async () => {
    const manage = await page('/console/integrations/workflow-email-listener');
    expect(manage.status).toBe(200);
    expect(manage.text).toContain('id="activate-form"');
    expect(manage.text).toContain(`<option value="${cc.ccid}">console1 (${cc.ccid})</option>`);
    expect(manage.text).toContain('Not activated yet.');
    // the product's own form, field by field (Genpact Cora SeQuence, "Configure OAuth 2.0 Credentials")
    expect(manage.text).toContain(
      '<ol class="steps" id="setup-steps"><li><strong>Client Identifier</strong>: <code>the Client ID shown at activation</code></li><li><strong>Client Secret</strong>: <code>the Client Secret shown once at activation</code></li><li><strong>Token Endpoint</strong>: <code>http://ccauth.test/auth/v3/oauth/token</code></li><li><strong>Scopes</strong>: <code>email.read email.listen</code></li><li><strong>Authentication Method</strong>: <code>Send credentials using the HTTP Basic authentication scheme</code></li></ol>',
    );

    const res = await post('/console/integrations/workflow-email-listener/activate', { csrf: csrfOf(manage.text), contactCenterId: cc.ccid });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/console/integrations/workflow-email-listener');
    const sealed = (await t.db.knex('console_sessions').where({ id_digest: digestToken(cookie.split('=')[1]!) }).first()).flash_sealed as string;
    expect(sealed).toMatch(/^v1\./);

    const shown = await page(res.headers.location!);
    expect(shown.status).toBe(200);
    expect(shown.text).toContain('<dialog class="modal" open');
    expect(shown.text).toContain('You will not see this secret again.');
    expect(shown.text).toContain('Activated for contact center console1.');
    expect(shown.text).toMatch(/<script nonce="[^"]+">/);
    expect(shown.text).toContain('data-copy="client-secret"');
    const clientId = inputValue(shown.text, 'client-id')!;
    const secret = inputValue(shown.text, 'client-secret')!;
    expect(clientId).toMatch(/^workflow-email-listener-[0-9a-f]{16}$/);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(inputValue(shown.text, 'token-endpoint')).toBe('http://ccauth.test/auth/v3/oauth/token');
    expect(shown.text).toContain('<h3 id="setup-title">Enter these values in Genpact Cora SeQuence — OAuth2 Client Credentials</h3>');
    expect(shown.text).toContain(`<ol class="steps" id="credentials-setup-steps"><li><strong>Client Identifier</strong>: <code>${clientId}</code></li><li><strong>Client Secret</strong>: <code>the Client Secret above</code></li><li><strong>Token Endpoint</strong>: <code>http://ccauth.test/auth/v3/oauth/token</code></li>`);
    expect(shown.text.split(secret)).toHaveLength(2); // the secret appears once, in its copy field
    expect(sealed).not.toContain(secret);
    expect(shown.text).toContain('<span class="badge ok">Activated</span>');

    const tok = await t.request.post(TOKEN).set('Authorization', basic(clientId, secret)).type('form').send({ grant_type: 'client_credentials', scope: 'email.read' });
    expect(tok.status).toBe(200);
    expect(tok.body.scope).toBe('email.read');

    const again = await page(res.headers.location!);
    expect(again.text).not.toContain(secret);
    expect(again.text).not.toContain('<dialog');
    expect((await t.db.knex('console_sessions').first()).flash_sealed).toBeNull();

    const list = await page('/console/integrations');
    expect(list.text).toContain('Activated · console1');
  });

  it('shows a refused activation in place (unknown contact center, missing redirect URIs)', async () => {
    const token = await csrf();
    const ghost = await post('/console/integrations/contact-center-event-delivery/activate', { csrf: token, contactCenterId: '00000000-0000-4000-8000-000000000000' });
    expect(ghost.status).toBe(303);
    const shown = await page(ghost.headers.location!);
    expect(shown.text).toContain('<div class="notice error" role="alert">Some values need attention.</div>');
    expect(shown.text).toContain('<span class="field-error" id="contactCenterId-error">no such contact center</span>');
    expect(await t.db.knex('clients').where('client_id', 'like', 'contact-center-event-delivery-%')).toEqual([]);

    const chat = await post('/console/integrations/chat-customer-authentication/activate', { csrf: token, contactCenterId: cc.ccid, redirectURIs: '' });
    const chatPage = await page(chat.headers.location!);
    expect(chatPage.text).toContain('id="redirectURIs-error">at least one redirect URI is required for the authorization_code grant</span>');
    const ok = await post('/console/integrations/chat-customer-authentication/activate', { csrf: token, contactCenterId: cc.ccid, redirectURIs: 'https://chat.example.com/cb\r\nhttps://chat.example.com/cb2\r\n' });
    const okPage = await page(ok.headers.location!);
    expect(okPage.text).toContain('<code>https://chat.example.com/cb2</code>');
  });

  it('refuses forms without the CSRF token or from another origin (403) and changes nothing', async () => {
    const before = Number((await t.db.knex('integration_activations').count({ n: '*' }).first())!.n);
    const noToken = await post('/console/integrations/journey-data-store/activate', { contactCenterId: cc.ccid });
    expect(noToken.status).toBe(403);
    expectPageHeaders(noToken);
    expect(noToken.text).toContain('Form refused');
    const wrong = await post('/console/integrations/journey-data-store/activate', { csrf: 'x'.repeat(43), contactCenterId: cc.ccid });
    expect(wrong.status).toBe(403);
    const foreign = await t.request
      .post('/console/integrations/journey-data-store/activate')
      .set('Cookie', cookie)
      .set('Origin', 'https://evil.example.com')
      .type('form')
      .send({ csrf: await csrf(), contactCenterId: cc.ccid });
    expect(foreign.status).toBe(403);
    // another session's token does not pass either
    const other = pair(cookieNamed(await signIn(), 'ccauth_console'));
    const crossed = await post('/console/integrations/journey-data-store/activate', { csrf: await csrf(), contactCenterId: cc.ccid }, other);
    expect(crossed.status).toBe(403);
    expect(Number((await t.db.knex('integration_activations').count({ n: '*' }).first())!.n)).toBe(before);
  });

  it('rotates a secret and deactivates, each after a confirmation page', async () => {
    const act = await t.db.knex('integration_activations').where({ integration_id: 'workflow-email-listener', status: 'Activated' }).first();
    const confirmRotate = await page(`/console/integrations/workflow-email-listener/activations/${act.id}/rotate`);
    expect(confirmRotate.status).toBe(200);
    expect(confirmRotate.text).toContain('Rotate the client secret');
    const rotated = await post(`/console/integrations/workflow-email-listener/activations/${act.id}/rotate`, { csrf: csrfOf(confirmRotate.text), gracePeriodSeconds: '0' });
    expect(rotated.status).toBe(303);
    const shown = await page(rotated.headers.location!);
    expect(shown.text).toContain('New client secret');
    expect(shown.text).toContain('The previous secret no longer works.');
    const secret = inputValue(shown.text, 'client-secret')!;
    const tok = await t.request.post(TOKEN).type('form').send({ grant_type: 'client_credentials', client_id: act.client_id, client_secret: secret });
    expect(tok.status).toBe(200);

    const confirm = await page(`/console/integrations/workflow-email-listener/activations/${act.id}/deactivate`);
    expect(confirm.text).toContain('every token it holds stops working at once');
    const res = await post(`/console/integrations/workflow-email-listener/activations/${act.id}/deactivate`, { csrf: csrfOf(confirm.text) });
    expect(res.status).toBe(303);
    const after = await page(res.headers.location!);
    expect(after.text).toContain(`client ${act.client_id} is disabled and its tokens no longer work.`);
    expect(after.text).toContain('<span class="badge off">Deactivated</span>');
    const refused = await t.request.post(TOKEN).type('form').send({ grant_type: 'client_credentials', client_id: act.client_id, client_secret: secret });
    expect(refused.status).toBe(401);
    expect((await page(`/console/integrations/workflow-email-listener/activations/${act.id}/deactivate`)).status).toBe(404);
  });

  it('answers unknown pages with a console 404', async () => {
    const res = await page('/console/integrations/no-such-thing');
    expect(res.status).toBe(404);
    expectPageHeaders(res);
    expect(res.text).toContain('Integration no-such-thing not found.');
    expect((await page('/console/nowhere')).status).toBe(404);
  });
});

describe('clients', () => {
  it('creates a client (secret shown once), edits its redirect URIs and deletes it', async () => {
    const form = await page('/console/clients/new');
    expect(form.status).toBe(200);
    const token = csrfOf(form.text);
    const bad = await post('/console/clients', { csrf: token, client_id: 'has space', authorizedGrantTypes: [], scope: '*' });
    expect(bad.status).toBe(303);
    expect(bad.headers.location).toBe('/console/clients/new');
    const badPage = await page('/console/clients/new');
    expect(badPage.text).toContain('id="client_id-error">must be 1-128 characters');
    expect(badPage.text).toContain('id="authorizedGrantTypes-error">at least one grant type is required</span>');
    expect(badPage.text).toContain('value="has space"'); // refilled

    const res = await post('/console/clients', {
      csrf: token,
      client_id: 'console_made',
      name: 'Console made',
      clientType: 'CONFIDENTIAL',
      authorizedGrantTypes: ['client_credentials', 'authorization_code'],
      scope: 'a.read a.write',
      redirectURIs: 'https://app.example.com/cb',
      accessTokenExpirationTimeout: '600',
      refreshTokenExpirationTimeout: '',
      contactCenterIds: [cc.ccid],
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/console/clients/console_made');
    const shown = await page(res.headers.location!);
    expect(shown.text).toContain('Client created');
    const secret = inputValue(shown.text, 'client-secret')!;
    expect((await t.request.post(TOKEN).set('Authorization', basic('console_made', secret)).type('form').send({ grant_type: 'client_credentials' })).body.scope).toBe('a.read a.write');
    const api = await t.request.get('/auth/v3/ops/clients/console_made').set('Authorization', basic(OPS.username, OPS.password));
    expect(api.body.data).toMatchObject({ accessTokenExpirationTimeout: 600, refreshTokenExpirationTimeout: 43200, contactCenterIds: [cc.ccid], redirectURIs: ['https://app.example.com/cb'] });

    const list = await page('/console/clients');
    expect(list.text).toContain('<tr data-client="console_made">');

    const edit = await page('/console/clients/console_made');
    const badUri = await post('/console/clients/console_made/redirect-uris', { csrf: csrfOf(edit.text), redirectURIs: 'javascript:alert(1)' });
    const badUriPage = await page(badUri.headers.location!);
    expect(badUriPage.text).toContain('id="redirectURIs-error">must use https (or http)</span>');
    const saved = await post('/console/clients/console_made/redirect-uris', { csrf: csrfOf(edit.text), redirectURIs: 'https://app.example.com/cb\nhttps://app.example.com/other' });
    expect((await page(saved.headers.location!)).text).toContain('Redirect URIs saved.');
    expect((await t.request.get('/auth/v3/ops/clients/console_made').set('Authorization', basic(OPS.username, OPS.password))).body.data.redirectURIs).toEqual([
      'https://app.example.com/cb',
      'https://app.example.com/other',
    ]);

    const del = await post('/console/clients/console_made/delete', { csrf: csrfOf(edit.text) });
    expect(del.headers.location).toBe('/console/clients');
    expect((await page('/console/clients')).text).toContain('Client console_made deleted.');
    expect(await t.db.knex('clients').where({ client_id: 'console_made' })).toEqual([]);
    const actions = (await t.db.knex('audit_events').where({ target_id: 'console_made' }).orderBy('id')).map((e: { action: string; actor: string }) => `${e.actor}:${e.action}`);
    expect(actions).toEqual(['ops:client.created', 'ops:client.updated', 'ops:client.deleted']);
  });
});

describe('clients: DPoP-bound access tokens (README "Security model" → "DPoP")', () => {
  it('creates a client that requires DPoP proofs and switches it off on the client page', async () => {
    const form = await page('/console/clients/new');
    expect(form.text).toContain('name="dpopBoundAccessTokens"');
    const res = await post('/console/clients', {
      csrf: csrfOf(form.text),
      client_id: 'console_dpop',
      clientType: 'CONFIDENTIAL',
      authorizedGrantTypes: ['client_credentials'],
      scope: '*',
      dpopBoundAccessTokens: 'true',
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/console/clients/console_dpop');
    const shown = await page(res.headers.location!);
    const secret = inputValue(shown.text, 'client-secret')!;
    const api = () => t.request.get('/auth/v3/ops/clients/console_dpop').set('Authorization', basic(OPS.username, OPS.password));
    expect((await api()).body.data.dpopBoundAccessTokens).toBe(true);
    const refused = await t.request.post(TOKEN).set('Authorization', basic('console_dpop', secret)).type('form').send({ grant_type: 'client_credentials' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_dpop_proof');

    const edit = await page('/console/clients/console_dpop');
    expect(edit.text).toMatch(/<input type="checkbox" name="dpopBoundAccessTokens" value="true" checked>/);
    const saved = await post('/console/clients/console_dpop/dpop', { csrf: csrfOf(edit.text) }); // unchecked box: not sent
    expect(saved.status).toBe(303);
    expect((await page(saved.headers.location!)).text).toContain('DPoP setting saved.');
    expect((await api()).body.data.dpopBoundAccessTokens).toBe(false);
    const plain = await t.request.post(TOKEN).set('Authorization', basic('console_dpop', secret)).type('form').send({ grant_type: 'client_credentials' });
    expect(plain.status).toBe(200);
    expect(plain.body.token_type).toBe('bearer');
  });
});

describe('contact centers', () => {
  it('lists contact centers, edits CORS origins in place and lists users', async () => {
    const list = await page('/console/contact-centers');
    expect(list.text).toContain(`<tr data-ccid="${cc.ccid}">`);
    const one = await page(`/console/contact-centers/${cc.ccid}`);
    expect(one.text).toContain('No users yet.');
    const token = csrfOf(one.text);
    const bad = await post(`/console/contact-centers/${cc.ccid}/cors`, { csrf: token, origins: 'https://ok.example.com\nnot an origin' });
    expect(bad.status).toBe(303);
    const badPage = await page(bad.headers.location!);
    expect(badPage.text).toContain('id="origins-error">&quot;not an origin&quot; is not a valid CORS origin');
    const good = await post(`/console/contact-centers/${cc.ccid}/cors`, { csrf: token, origins: 'https://ok.example.com\nhttps://TWO.example.com:8443' });
    expect((await page(good.headers.location!)).text).toContain('CORS origins saved (2).');
    const setting = await t.db.knex('contact_center_settings').where({ ccid: cc.ccid, name: 'cors-origins' }).first();
    expect(setting.value).toBe('https://ok.example.com,https://two.example.com:8443');
    await t.request.post(`/environment/v3/contact-centers/${cc.ccid}/users`).set('Authorization', basic(OPS.username, OPS.password)).send({ data: { username: 'agent.one', password: 'Agent-Pass-1', email: 'a@example.com' } });
    const withUsers = await page(`/console/contact-centers/${cc.ccid}`);
    expect(withUsers.text).toContain('<strong>agent.one</strong>');
    expect(withUsers.text).toContain('a@example.com');
    const cleared = await post(`/console/contact-centers/${cc.ccid}/cors`, { csrf: token, origins: '' });
    expect((await page(cleared.headers.location!)).text).toContain('CORS origins cleared.');
  });
  it('requires a user to change the password at the next sign-in, and lifts it', async () => {
    const created = await t.request
      .post(`/environment/v3/contact-centers/${cc.ccid}/users`)
      .set('Authorization', basic(OPS.username, OPS.password))
      .send({ data: { username: 'agent.two', password: 'Agent-Pass-2' } });
    const id = created.body.data.id as string;
    const before = await page(`/console/contact-centers/${cc.ccid}`);
    expect(before.text).toContain(`action="/console/contact-centers/${cc.ccid}/users/${id}/password-change"`);
    const require = await post(`/console/contact-centers/${cc.ccid}/users/${id}/password-change`, { csrf: csrfOf(before.text), required: 'true' });
    expect(require.status).toBe(303);
    const after = await page(require.headers.location!);
    expect(after.text).toContain('agent.two must choose a new password at the next sign-in.');
    expect(after.text).toContain('<span class="badge warn">Must change password</span>');
    expect((await t.db.knex('users').where({ id }).first()).must_change_password).toBe(true);
    const audit = await t.db.knex('audit_events').where({ action: 'user.updated', target_id: id }).first();
    expect(audit.actor).toBe('ops');
    expect(audit.details).toMatchObject({ mustChangePassword: true });

    const noCsrf = await post(`/console/contact-centers/${cc.ccid}/users/${id}/password-change`, { required: 'false' });
    expect(noCsrf.status).toBe(403);
    expect((await t.db.knex('users').where({ id }).first()).must_change_password).toBe(true);
    const lift = await post(`/console/contact-centers/${cc.ccid}/users/${id}/password-change`, { csrf: csrfOf(after.text), required: 'false' });
    expect((await page(lift.headers.location!)).text).toContain('agent.two no longer has to change the password.');
    expect((await t.db.knex('users').where({ id }).first()).must_change_password).toBe(false);
  });
});

describe('audit and sign-out', () => {
  it('shows the latest events', async () => {
    const res = await page('/console/audit');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<tr data-action="contact_center.cors_updated">');
    expect(res.text).toContain('<tr data-action="integration.activated">');
    expect(res.text).toContain('<tr data-action="console.signed_in">');
  });

  it('signs out: the session is deleted and the cookie no longer works', async () => {
    const res = await post('/console/sign-out', { csrf: await csrf() });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/console/sign-in?notice=signed-out');
    expect(cookieNamed(res, 'ccauth_console')).toMatch(/^ccauth_console=; Path=\/console; Max-Age=0/);
    expect(await t.db.knex('console_sessions').where({ id_digest: digestToken(cookie.split('=')[1]!) })).toEqual([]);
    expect((await page('/console/integrations')).status).toBe(303);
    expect((await t.request.get(res.headers.location!)).text).toContain('You have signed out.');
  });

  it('an expired or idle session sends the browser to sign in', async () => {
    cookie = pair(cookieNamed(await signIn(), 'ccauth_console'));
    expect((await page('/console/audit')).status).toBe(200);
    await t.db.knex('console_sessions').where({ id_digest: digestToken(cookie.split('=')[1]!) }).update({ last_seen_at: new Date(Date.now() - 31 * 60_000) });
    const idle = await page('/console/audit');
    expect(idle.status).toBe(303);
    expect(idle.headers.location).toMatch(/^\/console\/sign-in\?next=/);
    const posted = await post('/console/sign-out', { csrf: 'x' });
    expect(posted.headers.location).toBe('/console/sign-in?error=session');
  });

  it('locks a name after repeated failures', async () => {
    let last: Response | undefined;
    for (let i = 0; i < 5; i++) last = await signIn('intruder', 'guess');
    expect(last!.headers.location).toMatch(/error=locked/);
    expect((await signIn('intruder', 'guess')).headers.location).toMatch(/error=locked/);
  });
});

describe('with an https PUBLIC_URL', () => {
  it('marks the cookies Secure', async () => {
    const s = await startTestApp({ PUBLIC_URL: 'https://ccauth.example.com' });
    try {
      const form = await s.request.get('/console/sign-in');
      expect(cookieNamed(form, 'ccauth_console_signin')).toMatch(/; HttpOnly; SameSite=Strict; Secure$/);
      const res = await s.request
        .post('/console/sign-in')
        .set('Cookie', pair(cookieNamed(form, 'ccauth_console_signin')))
        .type('form')
        .send({ csrf: csrfOf(form.text), username: 'ops', password: 'ops' });
      expect(cookieNamed(res, 'ccauth_console')).toMatch(/; HttpOnly; SameSite=Strict; Secure$/);
    } finally {
      await s.close();
    }
  });
});
