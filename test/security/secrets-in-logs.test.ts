/**
 * No log line, error body or audit row ever holds a secret, password, code or token (docs/security-model.md;
 * design.md §5.7; OWASP ASVS 5.0 V16 (no sensitive data in logs), V14; RFC 6819
 * §5.1.4.1.3 / RFC 9700 §4.14: credentials only where they are issued).
 *
 * The app runs with LOG_LEVEL=trace and every line captured. The flows: ops client create (a
 * generated secret and an operator-chosen one), Environment API user create, client credentials,
 * password grant (wrong and right), refresh (and a refresh-token replay), the authorization code
 * flow through the login page (wrong and right password, code + PKCE verifier, ID token, a code
 * replay), both userinfo endpoints, introspection, revocation, ops Basic with a wrong password,
 * console sign-in with a wrong password. Then every value is searched for in every log line, in
 * every response except the one that issued it, and in the audit, rate-limit and lockout tables.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContactCenter } from '../helpers/fixtures.ts';
import { authorizeUrl, followInside, newBrowser, pkce, postSignIn, startSignIn } from '../helpers/interaction-flow.ts';
import { basic, seedClientBody, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const TOKEN = '/auth/v3/oauth/token';
const REDIRECT = 'https://gauth.example.com';
const OPS_PASSWORD = `Ops-${randomBytes(12).toString('base64url')}`;
const USER_PASSWORD = `User-${randomBytes(12).toString('base64url')}`;
const CHOSEN_SECRET = `Chosen-${randomBytes(12).toString('base64url')}`;

let t: TestApp;
/** Every value that must not leak, with where it came from. */
const needles = new Map<string, string>();
/** Every response seen: its text (body + Location) and the values it legitimately carries. */
const responses: { label: string; text: string; issued: Set<string> }[] = [];

function secret(label: string, value: unknown): string {
  if (typeof value !== 'string' || value.length < 8) throw new Error(`no usable ${label}: ${String(value)}`);
  needles.set(value, label);
  return value;
}
/** Records a response; `issued` are the values it is allowed to carry (it issued them). */
function seen<R extends { text?: string; body?: unknown; headers: Record<string, string> }>(label: string, res: R, issued: string[] = []): R {
  const text = `${res.text ?? JSON.stringify(res.body ?? '')}\n${res.headers.location ?? ''}`;
  responses.push({ label, text, issued: new Set(issued) });
  return res;
}
const opsAuth = () => basic('ops', OPS_PASSWORD);

beforeAll(async () => {
  t = await startTestApp({ LOG_LEVEL: 'trace', OPS_PASSWORD, REFRESH_REUSE_GRACE_SECONDS: '0' });
  secret('ops password', OPS_PASSWORD);
  secret('operator-chosen client secret', CHOSEN_SECRET);
  secret('user password', USER_PASSWORD);
  secret('ops Basic header', opsAuth().slice(6));
});
afterAll(async () => {
  await t?.close();
});

describe('secrets never reach a log line, an error body or a table they do not belong in', () => {
  it('runs every flow', async () => {
    // ops API: a client with a generated secret, one with a chosen secret
    const created = seen('ops client create', await t.request.post('/auth/v3/ops/clients').set('Authorization', opsAuth()).send(seedClientBody({ client_id: 'leak-api', client_secret: '', redirectURIs: [REDIRECT] })));
    expect(created.status).toBe(200);
    const apiSecret = secret('generated client secret', created.body.data.client_secret);
    responses.at(-1)!.issued.add(apiSecret);
    const chosen = seen('ops client create (chosen secret)', await t.request.post('/auth/v3/ops/clients').set('Authorization', opsAuth()).send(seedClientBody({ client_id: 'leak-chosen', client_secret: CHOSEN_SECRET })), [CHOSEN_SECRET]);
    expect(chosen.status).toBe(200);
    const api = { id: 'leak-api', secret: apiSecret };
    secret('Basic header of the API client', basic(api.id, api.secret).slice(6));
    secret('Basic header with a wrong secret', basic(api.id, 'Wrong-Client-Secret-1').slice(6));
    secret('wrong client secret', 'Wrong-Client-Secret-1');

    // Environment API: a user with a password
    const { ccid } = await createContactCenter(t.db.knex, { domains: ['leak'] });
    const user = seen('user create', await t.request.post(`/environment/v3/contact-centers/${ccid}/users`).set('Authorization', opsAuth()).send({ data: { username: 'agent', password: USER_PASSWORD } }));
    expect(user.status).toBe(200);

    // ops Basic with a wrong password; console sign-in with a wrong password
    const wrongOps = secret('wrong ops password', `Wrong-Ops-${randomBytes(6).toString('hex')}`);
    expect(seen('ops API, wrong password', await t.request.get('/auth/v3/ops/clients').set('Authorization', basic('ops', wrongOps))).status).toBe(401);
    const form = await t.request.get('/console/sign-in');
    const pre = ([form.headers['set-cookie']].flat() as string[]).find((c) => c.startsWith('ccauth_console_signin='))!.split(';')[0]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(form.text)![1]!;
    seen('console sign-in, wrong password', await t.request.post('/console/sign-in').set('Cookie', pre).type('form').send({ csrf, username: 'ops', password: wrongOps, next: '' }));

    // client credentials, and a wrong client secret
    const cc = seen('client credentials', await t.request.post(TOKEN).set('Authorization', basic(api.id, api.secret)).type('form').send({ grant_type: 'client_credentials' }));
    expect(cc.status).toBe(200);
    responses.at(-1)!.issued.add(secret('client-credentials access token', cc.body.access_token));
    expect(seen('client credentials, wrong secret', await t.request.post(TOKEN).set('Authorization', basic(api.id, 'Wrong-Client-Secret-1')).type('form').send({ grant_type: 'client_credentials' })).status).toBe(401);
    expect(seen('client credentials, secret in the body', await t.request.post(TOKEN).type('form').send({ grant_type: 'client_credentials', client_id: api.id, client_secret: 'Wrong-Client-Secret-1' })).status).toBe(401);

    // password grant: wrong, then right; refresh; replay of the rotated refresh token
    const wrongUser = secret('wrong user password', `Wrong-User-${randomBytes(6).toString('hex')}`);
    expect(seen('password grant, wrong password', await t.request.post(TOKEN).set('Authorization', basic(api.id, api.secret)).type('form').send({ grant_type: 'password', username: 'leak\\agent', password: wrongUser })).status).toBe(400);
    const pw = seen('password grant', await t.request.post(TOKEN).set('Authorization', basic(api.id, api.secret)).type('form').send({ grant_type: 'password', username: 'leak\\agent', password: USER_PASSWORD }));
    expect(pw.status).toBe(200);
    const userAccess = secret('password-grant access token', pw.body.access_token);
    const userRefresh = secret('password-grant refresh token', pw.body.refresh_token);
    responses.at(-1)!.issued = new Set([userAccess, userRefresh]);
    const refreshed = seen('refresh', await t.request.post(TOKEN).set('Authorization', basic(api.id, api.secret)).type('form').send({ grant_type: 'refresh_token', refresh_token: userRefresh }));
    expect(refreshed.status).toBe(200);
    const rotatedAccess = secret('refreshed access token', refreshed.body.access_token);
    const rotatedRefresh = secret('refreshed refresh token', refreshed.body.refresh_token);
    responses.at(-1)!.issued = new Set([rotatedAccess, rotatedRefresh]);
    const replay = seen('refresh-token replay', await t.request.post(TOKEN).set('Authorization', basic(api.id, api.secret)).type('form').send({ grant_type: 'refresh_token', refresh_token: userRefresh }));
    expect(replay.status).toBe(400);

    // authorization code flow through the login page: wrong password, then right
    const browser = newBrowser(t);
    const { verifier, challenge } = pkce();
    secret('PKCE code verifier', verifier);
    const { page } = await startSignIn(browser, authorizeUrl({ clientId: api.id, redirectUri: REDIRECT, state: 'st', challenge }));
    const wrongPage = secret('wrong login-page password', `Wrong-Page-${randomBytes(6).toString('hex')}`);
    expect(seen('login page, wrong password', await postSignIn(browser, page, { username: 'leak\\agent', password: wrongPage })).headers.location).toMatch(/error=credentials/);
    const signedIn = seen('login page, right password', await postSignIn(browser, page, { username: 'leak\\agent', password: USER_PASSWORD }));
    expect(signedIn.status).toBe(303);
    const { location } = await followInside(browser, signedIn.headers.location!);
    const code = secret('authorization code', new URL(location!).searchParams.get('code'));
    responses.push({ label: 'authorization response (redirect)', text: location!, issued: new Set([code]) });
    const exchanged = seen('code exchange', await t.request.post(TOKEN).set('Authorization', basic(api.id, api.secret)).type('form').send({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }));
    expect(exchanged.status).toBe(200);
    const codeAccess = secret('code-flow access token', exchanged.body.access_token);
    const codeRefresh = secret('code-flow refresh token', exchanged.body.refresh_token);
    const idToken = secret('ID token', exchanged.body.id_token);
    responses.at(-1)!.issued = new Set([codeAccess, codeRefresh, idToken]);

    // userinfo (both shapes, header and form), introspection, revocation, an invalid token
    // (the refresh-token replay above revoked the password grant's tokens: the code flow's are live)
    expect(seen('userinfo', await t.request.get('/auth/v3/userinfo').set('Authorization', `Bearer ${codeAccess}`)).status).toBe(200);
    expect(seen('userinfo, token of a revoked grant', await t.request.get('/auth/v3/userinfo').set('Authorization', `Bearer ${rotatedAccess}`)).status).toBe(401);
    expect(seen('openid userinfo', await t.request.post('/auth/v3/openid/userinfo').type('form').send({ access_token: codeAccess })).status).toBe(200);
    const bogus = secret('invalid bearer token', `Bogus-${randomBytes(16).toString('base64url')}`);
    expect(seen('userinfo, invalid token', await t.request.get('/auth/v3/userinfo').set('Authorization', `Bearer ${bogus}`)).status).toBe(401);
    const intro = seen('introspection', await t.request.post('/auth/v3/oauth/introspect').set('Authorization', basic(api.id, api.secret)).type('form').send({ token: codeAccess }));
    expect(intro.status).toBe(200);
    expect(intro.body.active).toBe(true);
    expect(seen('Environment API with a Bearer token', await t.request.get('/environment/v3/environments').set('Authorization', `Bearer ${cc.body.access_token}`)).status).toBe(200);
    expect(seen('Environment API with an invalid token', await t.request.get('/environment/v3/environments').set('Authorization', `Bearer ${bogus}`)).status).toBe(401);

    // a replayed code revokes the code flow's grant
    const codeReplay = seen('code replay', await t.request.post(TOKEN).set('Authorization', basic(api.id, api.secret)).type('form').send({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }));
    expect(codeReplay.status).toBe(400);
    expect(seen('userinfo after the code replay', await t.request.get('/auth/v3/userinfo').set('Authorization', `Bearer ${codeAccess}`)).status).toBe(401);
    expect(seen('revocation', await t.request.post('/auth/v3/oauth/revoke').set('Authorization', basic(api.id, api.secret)).type('form').send({ token: codeRefresh })).status).toBe(200);
    const ccRevoked = seen('revocation of the client-credentials token', await t.request.post('/auth/v3/oauth/revoke').set('Authorization', basic(api.id, api.secret)).type('form').send({ token: cc.body.access_token }));
    expect(ccRevoked.status).toBe(200);

    // a lockout: five wrong passwords for one name lock it from this address; the sixth is refused (429)
    const guesses = Array.from({ length: 6 }, (_, i) => secret(`guess ${i}`, `Guess-${i}-${randomBytes(6).toString('hex')}`));
    const answers = [];
    for (const guess of guesses) answers.push(seen('password grant, guessing', await t.request.post(TOKEN).set('Authorization', basic(api.id, api.secret)).type('form').send({ grant_type: 'password', username: 'leak\\ghost', password: guess })).status);
    expect(answers).toEqual([400, 400, 400, 400, 400, 429]);
  });

  it('no log line holds any of them (trace level, every line)', async () => {
    await new Promise((r) => setTimeout(r, 300)); // background audit writes and their log lines
    const lines = t.logs();
    expect(lines.length).toBeGreaterThan(40);
    expect(t.config.logLevel).toBe('trace');
    expect(lines.some((l) => /"level":20/.test(l))).toBe(true); // debug lines (repeated refusals) were captured too
    for (const event of ['login_failed', 'client_auth_failed', 'ops_auth_failed', 'refresh_token_reuse', 'authorization_code_replay', 'rate_limited']) {
      expect(lines.some((l) => l.includes(`"event":"${event}"`))).toBe(true);
    }
    const leaks: string[] = [];
    for (const line of lines) for (const [value, label] of needles) if (line.includes(value)) leaks.push(`${label} in log line ${line.slice(0, 200)}`);
    expect(leaks).toEqual([]);
  });

  it('no response holds one it did not issue', () => {
    expect(responses.length).toBeGreaterThan(20);
    const leaks: string[] = [];
    for (const r of responses) for (const [value, label] of needles) if (!r.issued.has(value) && r.text.includes(value)) leaks.push(`${label} in the response "${r.label}"`);
    expect(leaks).toEqual([]);
  });

  it('no audit, rate-limit or lockout row holds one', async () => {
    const tables = ['audit_events', 'login_attempts', 'rate_limits'];
    const leaks: string[] = [];
    for (const table of tables) {
      const text = JSON.stringify(await t.db.knex(table).select('*'));
      for (const [value, label] of needles) if (text.includes(value)) leaks.push(`${label} in ${table}`);
    }
    expect(leaks).toEqual([]);
    const actions = (await t.db.knex('audit_events').select('action')).map((r: { action: string }) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['client.created', 'security.login_failed', 'security.client_auth_failed', 'security.ops_auth_failed', 'security.refresh_token_reuse', 'security.authorization_code_replay', 'security.rate_limited']));
  });
});
