/**
 * Security events (docs/security-model.md; OWASP ASVS 5.0 V16.3; RFC 9700 §4.14.2; RFC 6749 §10.5):
 * failed logins (login page, password grant, console), failed client authentication, lockouts and
 * limit hits, refresh-token reuse, authorization-code replay, client secret rotation and ops
 * authentication failures are each one structured log line (`event`) and one `audit_events` row
 * (`security.<event>`, read back through `GET /auth/v3/ops/audit`), with the source address, the
 * client id, a digest for login names, and never a credential. The rows are written in the
 * background: a failing or saturated audit table never fails or slows a request.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { createSecurityEvents, subjectDigest } from '../../src/services/security-events.service.ts';
import { createContactCenter } from '../helpers/fixtures.ts';
import { authorizeUrl, followInside, newBrowser, pkce, postSignIn, startSignIn } from '../helpers/interaction-flow.ts';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const TOKEN = '/auth/v3/oauth/token';
const REDIRECT = 'https://gauth.example.com';
const PASSWORD = `Audit-${randomBytes(9).toString('base64url')}`;
const OPS_AUTH = basic(OPS.username, OPS.password);

interface Row {
  id: number;
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  sourceIp: string | null;
  details: Record<string, unknown>;
}

let t: TestApp;
let client: { clientId: string; secret: string };
/** Credentials used below; none may appear in a row or a log line. */
const secrets: string[] = [PASSWORD];

/** The audit trail through the ops API, newest first. */
async function trail(): Promise<Row[]> {
  const res = await t.request.get('/auth/v3/ops/audit?limit=500').set('Authorization', OPS_AUTH);
  expect(res.status).toBe(200);
  return res.body.data as Row[];
}
/** Waits (up to 3 s) until the trail holds `count` rows matching `pred` (rows are written in the background). */
async function rows(pred: (r: Row) => boolean, count = 1): Promise<Row[]> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const found = (await trail()).filter(pred);
    if (found.length >= count || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
}
const logLines = () => t.logs().map((l) => JSON.parse(l) as Record<string, unknown>);
const token = (form: Record<string, string>, auth = basic(client.clientId, client.secret), address?: string) => {
  const req = t.request.post(TOKEN).set('Authorization', auth).type('form');
  if (address) req.set('X-Forwarded-For', address);
  return req.send(form);
};

beforeAll(async () => {
  t = await startTestApp({
    TRUST_PROXY: 'true',
    REFRESH_REUSE_GRACE_SECONDS: '0',
    LOGIN_MAX_FAILURES: '3',
    RATE_LIMIT_CLIENT_ADDRESS_FAILURES: '3',
    RATE_LIMIT_USER_FAILURES: '4',
  });
  client = await createClient(t, { client_id: 'audit-client', redirectURIs: [REDIRECT] });
  secrets.push(client.secret);
  const { ccid } = await createContactCenter(t.db.knex, { domains: ['ae'] });
  const res = await t.request.post(`/environment/v3/contact-centers/${ccid}/users`).set('Authorization', OPS_AUTH).send({ data: { username: 'agent', password: PASSWORD } });
  expect(res.status).toBe(200);
});
afterAll(async () => {
  await t.close();
});

describe('failed authentication', () => {
  it('a wrong password at the login page: security.login_failed with surface, client, digest of the name, address', async () => {
    const browser = newBrowser(t);
    const { page } = await startSignIn(browser, authorizeUrl({ clientId: client.clientId, redirectUri: REDIRECT, state: 's', challenge: pkce().challenge }));
    const res = await postSignIn(browser, page, { username: 'AE\\Agent', password: 'Wrong-Page-Password' }).set('X-Forwarded-For', '192.0.2.10');
    expect(res.headers.location).toMatch(/error=credentials/);
    const [row] = await rows((r) => r.action === 'security.login_failed' && r.details.surface === 'sign_in');
    expect(row).toMatchObject({
      actor: 'anonymous',
      targetType: 'login_name',
      targetId: subjectDigest('ae\\agent'),
      sourceIp: '192.0.2.10',
      details: { surface: 'sign_in', client_id: client.clientId },
    });
    const line = logLines().find((l) => l.event === 'login_failed' && l.surface === 'sign_in');
    expect(line).toMatchObject({ level: 40, ip: '192.0.2.10', client_id: client.clientId, subject: subjectDigest('ae\\agent') });
  });

  it('a wrong password in the password grant: security.login_failed (surface password_grant)', async () => {
    const res = await token({ grant_type: 'password', username: 'ae\\agent', password: 'Wrong-Grant-Password' }, undefined, '192.0.2.11');
    expect(res.status).toBe(400);
    const [row] = await rows((r) => r.action === 'security.login_failed' && r.details.surface === 'password_grant');
    expect(row).toMatchObject({ targetType: 'login_name', targetId: subjectDigest('ae\\agent'), sourceIp: '192.0.2.11', details: { client_id: client.clientId } });
  });

  it('a wrong client secret on the token, introspection and revocation endpoints: security.client_auth_failed', async () => {
    const wrong = basic(client.clientId, 'Wrong-Client-Secret');
    expect((await token({ grant_type: 'client_credentials' }, wrong, '192.0.2.12')).status).toBe(401);
    expect((await t.request.post('/auth/v3/oauth/introspect').set('X-Forwarded-For', '192.0.2.13').set('Authorization', wrong).type('form').send({ token: 'x' })).status).toBe(401);
    expect((await t.request.post('/auth/v3/oauth/revoke').set('X-Forwarded-For', '192.0.2.14').set('Authorization', basic('no-such-client', 'x-secret')).type('form').send({ token: 'x' })).status).toBe(401);
    const found = await rows((r) => r.action === 'security.client_auth_failed', 3);
    expect(found.map((r) => [r.targetId, r.details.surface, r.sourceIp]).sort()).toEqual([
      [client.clientId, 'introspection', '192.0.2.13'],
      [client.clientId, 'token', '192.0.2.12'],
      ['no-such-client', 'revocation', '192.0.2.14'],
    ]);
    for (const r of found) expect(r).toMatchObject({ actor: 'anonymous', targetType: 'client' });
  });

  it('wrong ops credentials on the ops API, the Environment API and the console: ops_auth_failed / login_failed', async () => {
    expect((await t.request.get('/auth/v3/ops/clients').set('X-Forwarded-For', '192.0.2.15').set('Authorization', basic('ops', 'Wrong-Ops-1'))).status).toBe(401);
    expect((await t.request.get('/environment/v3/environments').set('X-Forwarded-For', '192.0.2.16').set('Authorization', basic('ops', 'Wrong-Ops-2'))).status).toBe(401);
    const form = await t.request.get('/console/sign-in');
    const pre = ([form.headers['set-cookie']].flat() as string[]).find((c) => c.startsWith('ccauth_console_signin='))!.split(';')[0]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(form.text)![1]!;
    await t.request.post('/console/sign-in').set('X-Forwarded-For', '192.0.2.17').set('Cookie', pre).type('form').send({ csrf, username: 'ops', password: 'Wrong-Ops-3', next: '' });
    const ops = await rows((r) => r.action === 'security.ops_auth_failed', 2);
    expect(ops.map((r) => [r.details.surface, r.sourceIp, r.targetId]).sort()).toEqual([
      ['environment_api', '192.0.2.16', subjectDigest('ops')],
      ['ops_api', '192.0.2.15', subjectDigest('ops')],
    ]);
    const [consoleRow] = await rows((r) => r.action === 'security.login_failed' && r.details.surface === 'console');
    expect(consoleRow).toMatchObject({ sourceIp: '192.0.2.17', targetId: subjectDigest('ops') });
    expect(logLines().filter((l) => l.event === 'ops_auth_failed').length).toBeGreaterThanOrEqual(2);
  });
});

describe('lockouts and limit hits', () => {
  it('a login-name lockout is one security.rate_limited row when it starts; refusals during it add none', async () => {
    for (let i = 0; i < 3; i++) await token({ grant_type: 'password', username: 'ae\\locked', password: `Guess-${i}` }, undefined, '192.0.2.20');
    for (let i = 0; i < 3; i++) expect((await token({ grant_type: 'password', username: 'ae\\locked', password: `Guess-x${i}` }, undefined, '192.0.2.20')).status).toBe(429);
    await new Promise((r) => setTimeout(r, 300));
    const found = await rows((r) => r.action === 'security.rate_limited' && r.targetId === subjectDigest('ae\\locked'));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ sourceIp: '192.0.2.20', targetType: 'login_name', details: { limiter: 'user_addr', block_started: true, surface: 'password_grant', client_id: client.clientId } });
    expect(found[0]!.details.retry_after_seconds).toEqual(expect.any(Number));
    const lines = logLines().filter((l) => l.event === 'rate_limited' && l.subject === subjectDigest('ae\\locked'));
    expect(lines.filter((l) => l.level === 40)).toHaveLength(1); // one warning when the lock starts
    expect(lines.filter((l) => l.level === 20)).toHaveLength(3); // each refusal at debug
  });

  it('a client-address block is one security.rate_limited row when it starts', async () => {
    const wrong = basic(client.clientId, 'Wrong-Client-Secret');
    for (let i = 0; i < 3; i++) expect((await token({ grant_type: 'client_credentials' }, wrong, '192.0.2.21')).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await token({ grant_type: 'client_credentials' }, wrong, '192.0.2.21')).status).toBe(429);
    await new Promise((r) => setTimeout(r, 300));
    const found = await rows((r) => r.action === 'security.rate_limited' && r.sourceIp === '192.0.2.21');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ targetType: 'client', targetId: client.clientId, details: { limiter: 'client_addr', block_started: true, surface: 'token' } });
  });

  it('a name-wide block is one security.rate_limited row when it starts, however many refusals follow', async () => {
    for (const address of ['192.0.2.22', '192.0.2.23']) {
      for (let i = 0; i < 2; i++) expect((await token({ grant_type: 'password', username: 'ae\\spread', password: `Guess-${i}` }, undefined, address)).status).toBe(400);
    }
    for (const address of ['192.0.2.24', '192.0.2.25', '192.0.2.26', '192.0.2.24']) {
      expect((await token({ grant_type: 'password', username: 'ae\\spread', password: 'Guess-z' }, undefined, address)).status).toBe(429);
    }
    await new Promise((r) => setTimeout(r, 300));
    const found = await rows((r) => r.action === 'security.rate_limited' && r.targetId === subjectDigest('ae\\spread'));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ sourceIp: '192.0.2.24', details: { limiter: 'user', block_started: true } });
  });
});

describe('token replay', () => {
  it('refresh-token reuse: security.refresh_token_reuse (actor: the client), and the grant is revoked', async () => {
    const issued = await token({ grant_type: 'password', username: 'ae\\agent', password: PASSWORD }, undefined, '192.0.2.30');
    expect(issued.status).toBe(200);
    secrets.push(issued.body.access_token, issued.body.refresh_token);
    const rotated = await token({ grant_type: 'refresh_token', refresh_token: issued.body.refresh_token }, undefined, '192.0.2.30');
    expect(rotated.status).toBe(200);
    secrets.push(rotated.body.access_token, rotated.body.refresh_token);
    const reuse = await token({ grant_type: 'refresh_token', refresh_token: issued.body.refresh_token }, undefined, '192.0.2.31');
    expect(reuse.status).toBe(400);
    expect(reuse.body).toEqual({ error: 'invalid_grant', error_description: 'grant request is invalid' });
    const [row] = await rows((r) => r.action === 'security.refresh_token_reuse');
    expect(row).toMatchObject({ actor: client.clientId, targetType: 'client', targetId: client.clientId, sourceIp: '192.0.2.31', details: { surface: 'token' } });
    expect(row!.details.grant_id).toEqual(expect.any(String));
    // the whole family is dead
    expect((await token({ grant_type: 'refresh_token', refresh_token: rotated.body.refresh_token })).status).toBe(400);
    expect(logLines().some((l) => l.event === 'refresh_token_reuse' && l.client_id === client.clientId && l.level === 40)).toBe(true);
  });

  it('authorization-code replay: security.authorization_code_replay, and the tokens of the first redemption die', async () => {
    const browser = newBrowser(t);
    const { verifier, challenge } = pkce();
    const { page } = await startSignIn(browser, authorizeUrl({ clientId: client.clientId, redirectUri: REDIRECT, state: 's', challenge }));
    const signedIn = await postSignIn(browser, page, { username: 'ae\\agent', password: PASSWORD }).set('X-Forwarded-For', '192.0.2.40');
    const { location } = await followInside(browser, signedIn.headers.location!);
    const code = new URL(location!).searchParams.get('code')!;
    secrets.push(code, verifier);
    const form = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier };
    const first = await token(form, undefined, '192.0.2.40');
    expect(first.status).toBe(200);
    secrets.push(first.body.access_token, first.body.refresh_token, first.body.id_token);
    const replay = await token(form, undefined, '192.0.2.41');
    expect(replay.status).toBe(400);
    const [row] = await rows((r) => r.action === 'security.authorization_code_replay');
    expect(row).toMatchObject({ actor: client.clientId, targetId: client.clientId, sourceIp: '192.0.2.41' });
    expect((await t.request.get('/auth/v3/userinfo').set('Authorization', `Bearer ${first.body.access_token}`)).status).toBe(401);
  });
});

describe('client secret rotation', () => {
  it('is audited by the ops API (client.updated, secretChanged) and by integrations (integration.secret_rotated), never with the secret', async () => {
    const fresh = `Rotated-${randomBytes(9).toString('base64url')}`;
    secrets.push(fresh);
    const put = await t.request.put(`/auth/v3/ops/clients/${client.clientId}`).set('Authorization', OPS_AUTH).send({ data: { client_secret: fresh } });
    expect(put.status).toBe(200);
    const [row] = await rows((r) => r.action === 'client.updated' && r.targetId === client.clientId);
    expect(row).toMatchObject({ actor: 'ops', details: { secretChanged: true } });

    const { ccid } = await createContactCenter(t.db.knex, { domains: ['rot'] });
    const activated = await t.request.post('/auth/v3/ops/integrations/workflow-email-listener/activations').set('Authorization', OPS_AUTH).send({ data: { contactCenterId: ccid } });
    expect(activated.status).toBe(200);
    secrets.push(activated.body.data.client_secret);
    const rotated = await t.request.post(`/auth/v3/ops/integrations/workflow-email-listener/activations/${activated.body.data.activationId}/secret`).set('Authorization', OPS_AUTH).send({ data: { gracePeriodSeconds: 0 } });
    expect(rotated.status).toBe(200);
    secrets.push(rotated.body.data.client_secret);
    const [rot] = await rows((r) => r.action === 'integration.secret_rotated');
    expect(rot).toMatchObject({ actor: 'ops', targetType: 'activation' });
  });
});

describe('hygiene', () => {
  it('no audit row and no log line holds a credential used above', async () => {
    await new Promise((r) => setTimeout(r, 300));
    const rowsText = JSON.stringify(await t.db.knex('audit_events').select('*'));
    const logText = t.logs().join('\n');
    for (const s of secrets) {
      expect(typeof s).toBe('string');
      expect(rowsText).not.toContain(s);
      expect(logText).not.toContain(s);
    }
  });

  it('a failing audit table never fails the caller: the event is logged, the failure is logged', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) });
    const events = createSecurityEvents({ audit: { record: async () => Promise.reject(new Error('relation "audit_events" does not exist')) }, logger: log });
    expect(() => events.record({ name: 'login_failed', surface: 'sign_in', address: '192.0.2.50', subject: subjectDigest('x') })).not.toThrow();
    await events.flush();
    expect(lines.some((l) => l.includes('"event":"login_failed"'))).toBe(true);
    expect(lines.some((l) => l.includes('"event":"audit_write_failed"'))).toBe(true);
  });

  it('a saturated audit table drops rows beyond the queue bound (logged), never piles up requests', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let writes = 0;
    const events = createSecurityEvents({ audit: { record: async () => ((writes += 1), gate) }, logger: log, maxConcurrentWrites: 2, maxPendingWrites: 5 });
    for (let i = 0; i < 8; i++) events.record({ name: 'client_auth_failed', surface: 'token', address: '192.0.2.51', clientId: 'c' });
    expect(lines.filter((l) => l.includes('"event":"client_auth_failed"'))).toHaveLength(8);
    expect(lines.filter((l) => l.includes('"event":"audit_write_dropped"'))).toHaveLength(3);
    release();
    await events.flush();
    expect(writes).toBe(5);
  });
});
