/**
 * PostgreSQL fails under a running server (issue 5 §3; README "Security model" → "Concurrency and
 * faults"). The real server (`node src/main.ts`, test/helpers/spawn-server.ts) runs on a private
 * cluster that this test creates with initdb and stops, starts, freezes and thaws
 * (test/helpers/pg-cluster.ts). While the database is gone:
 * - OAuth endpoints answer `503` with RFC 6749 JSON (`temporarily_unavailable`), `Retry-After` and
 *   `Cache-Control: no-store`; the admin APIs answer their Genesys envelope (code 4) with `503` and
 *   `Retry-After`; `/readyz` says not ready; `/healthz` and discovery still answer; nothing hangs
 *   (every answer well inside the client's time bound) and the process does not die;
 * - when the database is back the server recovers by itself within seconds: tokens issued before
 *   the outage still work, a client created right after exists exactly once, a write refused during
 *   the outage did not happen.
 * Skipped (with the reason) where the PostgreSQL server binaries are not installed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { findPgBinaries, startPgCluster } from '../helpers/pg-cluster.ts';
import type { PgCluster } from '../helpers/pg-cluster.ts';
import { call, spawnServer } from '../helpers/spawn-server.ts';
import { digestToken } from '../../src/security/tokens.ts';
import Koa from 'koa';
import supertest from 'supertest';
import { isDatabaseUnavailable } from '../../src/db/errors.ts';
import { databaseUnavailable, noteProviderServerError } from '../../src/http/middleware/db-unavailable.ts';
import type { CallResult, SpawnedServer } from '../helpers/spawn-server.ts';

const bins = findPgBinaries();
const skipReason = 'skip' in bins ? bins.skip : undefined;
if (skipReason) console.warn(`faults-database: skipped: ${skipReason}`);

const TOKEN = '/auth/v3/oauth/token';
const OPS = { user: 'ops', secret: 'ops' };
/** The child's database bounds: small, so a stalled database answers within a few seconds. */
const DB_BOUNDS = { DATABASE_CONNECT_TIMEOUT_MS: '1000', DATABASE_ACQUIRE_TIMEOUT_MS: '2000', DATABASE_QUERY_TIMEOUT_MS: '2000' };
/** Longest acceptable answer while the database is down or stalled, ms (a hang would hit the 15 s client bound). */
const MAX_ANSWER_MS = 8000;

let cluster: PgCluster | undefined;
let server: SpawnedServer | undefined;
let client: { clientId: string; secret: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sql<T = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: cluster!.url() });
  await c.connect();
  try {
    return (await c.query(text, values)).rows as T[];
  } finally {
    await c.end();
  }
}

const base = () => server!.url;
const clientAuth = () => ({ user: client.clientId, secret: client.secret });
const passwordGrant = () => call(base(), TOKEN, { basicAuth: clientAuth(), form: { grant_type: 'password', username: 'ops', password: 'ops' } });
const introspect = (token: string) => call(base(), '/auth/v3/oauth/introspect', { basicAuth: clientAuth(), form: { token } });
const refresh = (refreshToken: string) => call(base(), TOKEN, { basicAuth: clientAuth(), form: { grant_type: 'refresh_token', refresh_token: refreshToken } });
const userinfo = (accessToken: string) => call(base(), '/auth/v3/userinfo', { bearer: accessToken });
const createClient = (clientId: string) =>
  call(base(), '/auth/v3/ops/clients', {
    basicAuth: OPS,
    json: { data: { client_id: clientId, name: clientId, scope: ['*'], internalClient: true, authorities: ['ROLE_INTERNAL_CLIENT'], authorizedGrantTypes: ['password', 'refresh_token', 'client_credentials'], accessTokenExpirationTimeout: 3600, refreshTokenExpirationTimeout: 7200 } },
  });

/** An OAuth endpoint's answer during an outage: 503, RFC 6749 JSON, Retry-After, no-store, bounded. */
function expectOauthUnavailable(res: CallResult, what: string): void {
  expect(res.status, `${what}: ${res.status} ${res.text}`).toBe(503);
  expect(res.headers.get('content-type'), what).toMatch(/^application\/json/);
  expect(res.body, what).toEqual({ error: 'temporarily_unavailable', error_description: expect.stringMatching(/temporarily unavailable/) });
  expect(Number(res.headers.get('retry-after')), what).toBeGreaterThan(0);
  expect(res.headers.get('cache-control'), what).toBe('no-store');
  expect(res.ms, what).toBeLessThan(MAX_ANSWER_MS);
}

/** A browser page's answer during an outage: 503, the "temporarily unavailable" page, Retry-After, bounded. */
function expectUnavailablePage(res: CallResult, what: string): void {
  expect(res.status, `${what}: ${res.status} ${res.text}`).toBe(503);
  expect(res.headers.get('content-type'), what).toBe('text/html; charset=utf-8');
  expect(res.text, what).toContain('<code>temporarily_unavailable</code>');
  expect(Number(res.headers.get('retry-after')), what).toBeGreaterThan(0);
  expect(res.headers.get('cache-control'), what).toBe('no-store');
  expect(res.ms, what).toBeLessThan(MAX_ANSWER_MS);
}

/** An admin API's answer during an outage: 503, Genesys envelope code 4, Retry-After, bounded. */
function expectAdminUnavailable(res: CallResult, what: string): void {
  expect(res.status, `${what}: ${res.status} ${res.text}`).toBe(503);
  expect(res.body, what).toEqual({ status: { code: 4, message: expect.stringMatching(/temporarily unavailable/) } });
  expect(Number(res.headers.get('retry-after')), what).toBeGreaterThan(0);
  expect(res.ms, what).toBeLessThan(MAX_ANSWER_MS);
}

/** Asserts every endpoint class answers "unavailable" (the database is down or stalled) and the process lives. */
async function expectUnavailableEverywhere(tokens: { access: string; refresh: string }, attemptedClientId: string): Promise<void> {
  const [ready, live, discovery, jwks, pw, cc, intro, ref, revoke, info, authorize, created, listed] = await Promise.all([
    call(base(), '/readyz'),
    call(base(), '/healthz'),
    call(base(), '/.well-known/openid-configuration'),
    call(base(), '/auth/v3/oauth/jwks'),
    passwordGrant(),
    call(base(), TOKEN, { basicAuth: clientAuth(), form: { grant_type: 'client_credentials' } }),
    introspect(tokens.access),
    refresh(tokens.refresh),
    call(base(), '/auth/v3/oauth/revoke', { basicAuth: clientAuth(), form: { token: tokens.access } }),
    userinfo(tokens.access),
    call(base(), `/auth/v3/oauth/authorize?client_id=${client.clientId}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('https://wwe.example.com/cb')}&state=s1`, { headers: { accept: 'text/html' } }),
    createClient(attemptedClientId),
    call(base(), '/environment/v3/environments', { basicAuth: OPS }),
  ]);
  expect(ready.status).toBe(503);
  expect(ready.body).toEqual({ status: 'not ready', database: 'unreachable' });
  expect(ready.headers.get('cache-control')).toBe('no-store');
  expect(ready.ms).toBeLessThan(MAX_ANSWER_MS);
  expect(live.status).toBe(200);
  expect(discovery.status).toBe(200);
  expect(discovery.body.issuer).toBe('http://ccauth.test');
  expect(jwks.status).toBe(200);
  expect(jwks.body.keys.length).toBeGreaterThan(0);
  expectOauthUnavailable(pw, 'password grant');
  expectOauthUnavailable(cc, 'client_credentials grant');
  expectOauthUnavailable(intro, 'introspection');
  expectOauthUnavailable(ref, 'refresh_token grant');
  expectOauthUnavailable(revoke, 'revocation');
  expectOauthUnavailable(info, 'userinfo');
  // the authorization endpoint: a JSON 503, or (when it could still name the client) the RFC 6749
  // §4.1.2.1 error redirect with temporarily_unavailable
  // (a browser: the "temporarily unavailable" page, README "Signing in" → "Error pages")
  if (authorize.status === 503) expectUnavailablePage(authorize, 'authorize');
  else {
    expect(authorize.status, authorize.text).toBe(303);
    const loc = new URL(authorize.headers.get('location')!);
    expect(loc.searchParams.get('error')).toBe('temporarily_unavailable');
    expect(loc.searchParams.get('state')).toBe('s1');
  }
  expectAdminUnavailable(created, 'ops API client create');
  expectAdminUnavailable(listed, 'environment API list');
  for (const r of [pw, cc, intro, ref, revoke, info, created, listed]) {
    expect(r.text).not.toMatch(/select|insert|oidc_payloads|ECONNREFUSED|at .*\.ts:\d+/i); // no SQL, driver detail or stack
  }
  expect(server!.running).toBe(true);
}

/** Polls until a password grant succeeds again; returns how long it took (ms). */
async function awaitRecovery(boundMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const res = await passwordGrant().catch(() => undefined);
    if (res?.status === 200) return Date.now() - started;
    if (Date.now() - started > boundMs) throw new Error(`not recovered within ${boundMs} ms; last answer ${res?.status} ${res?.text}\n${server!.lines().slice(-30).join('\n')}`);
    await sleep(200);
  }
}

/** Everything works after recovery: old tokens, new writes exactly once, refused writes absent. */
async function expectRecovered(tokens: { access: string; refresh: string }, refusedClientId: string, newClientId: string): Promise<{ access: string; refresh: string }> {
  const [ready, info, intro] = await Promise.all([call(base(), '/readyz'), userinfo(tokens.access), introspect(tokens.access)]);
  expect(ready.status).toBe(200);
  expect(ready.body).toEqual({ status: 'ready', database: 'ok' });
  expect(info.status, info.text).toBe(200);
  expect(intro.body).toMatchObject({ active: true, client_id: client.clientId });
  // the write refused during the outage did not happen; one made now happens exactly once
  expect(await sql('SELECT client_id FROM clients WHERE client_id = $1', [refusedClientId])).toHaveLength(0);
  const created = await createClient(newClientId);
  expect(created.status, created.text).toBe(200);
  expect(created.body.status).toEqual({ code: 0 });
  expect(await sql('SELECT client_id FROM clients WHERE client_id = $1', [newClientId])).toHaveLength(1);
  const fresh = await call(base(), TOKEN, { basicAuth: { user: newClientId, secret: created.body.data.client_secret }, form: { grant_type: 'client_credentials' } });
  expect(fresh.status, fresh.text).toBe(200);
  // the refresh token issued before the outage rotates once, to exactly one successor
  const rotated = await refresh(tokens.refresh);
  expect(rotated.status, rotated.text).toBe(200);
  expect(rotated.body.refresh_token).not.toBe(tokens.refresh);
  const [row] = await sql<{ grant_id: string }>("SELECT grant_id FROM oidc_payloads WHERE model = 'AccessToken' AND id_digest = $1", [digestToken(rotated.body.access_token)]);
  const live = await sql("SELECT 1 FROM oidc_payloads WHERE model = 'RefreshToken' AND consumed_at IS NULL AND grant_id = $1", [row!.grant_id]);
  expect(live).toHaveLength(1);
  return { access: rotated.body.access_token, refresh: rotated.body.refresh_token };
}

describe.skipIf(!!skipReason)('PostgreSQL outage under a running server', () => {
  let tokens: { access: string; refresh: string };

  beforeAll(async () => {
    cluster = await startPgCluster();
    server = await spawnServer({ DATABASE_URL: cluster.url(), ...DB_BOUNDS });
    const created = await createClient('fault_client');
    if (created.status !== 200) throw new Error(`client create failed: ${created.status} ${created.text}`);
    client = { clientId: 'fault_client', secret: created.body.data.client_secret };
    const issued = await passwordGrant();
    if (issued.status !== 200) throw new Error(`password grant failed: ${issued.status} ${issued.text}`);
    tokens = { access: issued.body.access_token, refresh: issued.body.refresh_token };
  }, 90_000);

  afterAll(async () => {
    await server?.destroy();
    await cluster?.destroy();
  });

  it('answers 503 everywhere while PostgreSQL is stopped, then recovers by itself', async () => {
    await cluster!.stop();
    try {
      await expectUnavailableEverywhere(tokens, 'refused_while_down');
    } finally {
      await cluster!.start();
    }
    const recoveryMs = await awaitRecovery(15_000);
    expect(recoveryMs).toBeLessThan(15_000);
    tokens = await expectRecovered(tokens, 'refused_while_down', 'created_after_restart');
    expect(server!.running).toBe(true);
    expect(server!.lines().some((l) => l.includes('"event":"database_unavailable"'))).toBe(true);
    // nothing on stderr: no crash trace, no unhandled rejection, no driver warning
    expect(server!.lines().filter((l) => l.startsWith('[stderr]'))).toEqual([]);
  }, 60_000);

  it('answers 503 within the configured bounds while PostgreSQL is stalled (SIGSTOP), then recovers', async () => {
    cluster!.freeze();
    try {
      await expectUnavailableEverywhere(tokens, 'refused_while_frozen');
    } finally {
      cluster!.thaw();
    }
    const recoveryMs = await awaitRecovery(15_000);
    expect(recoveryMs).toBeLessThan(15_000);
    await expectRecovered(tokens, 'refused_while_frozen', 'created_after_thaw');
    expect(server!.running).toBe(true);
    expect(server!.lines().filter((l) => l.startsWith('[stderr]'))).toEqual([]);
  }, 60_000);
});

describe('what counts as "database unavailable" (src/db/errors.ts)', () => {
  const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

  it('recognizes lost connections, refused connects, shutdowns, timeouts and exhausted resources', () => {
    for (const err of [
      withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'),
      withCode('ECONNRESET'),
      withCode('57P01', 'terminating connection due to administrator command'),
      withCode('57P03', 'the database system is shutting down'),
      withCode('57014', 'canceling statement due to statement timeout'),
      withCode('08006'),
      withCode('53300', 'sorry, too many clients already'),
      withCode('25006', 'cannot execute INSERT in a read-only transaction'),
      new Error('select 1 - Connection terminated unexpectedly'),
      new Error('select 1 - Query read timeout'),
      Object.assign(new Error('Knex: Timeout acquiring a connection. The pool is probably full.'), { name: 'KnexTimeoutError' }),
      new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], ''),
      new Error('wrapped', { cause: withCode('57P01') }),
    ]) {
      expect(isDatabaseUnavailable(err), String((err as Error).message || (err as { code?: string }).code)).toBe(true);
    }
  });

  it('leaves request and programming errors alone', () => {
    for (const err of [
      withCode('23505', 'duplicate key value violates unique constraint'),
      withCode('22P02', 'invalid input syntax for type uuid'),
      withCode('42P01', 'relation "nope" does not exist'),
      new TypeError("Cannot read properties of undefined (reading 'x')"),
      new Error('jwt expired'),
      undefined,
      null,
      'ECONNREFUSED',
      { code: 123 },
    ]) {
      expect(isDatabaseUnavailable(err)).toBe(false);
    }
  });
});

describe('the 503 mapping of OAuth and page responses (src/http/middleware/db-unavailable.ts)', () => {
  const outage = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

  /** A koa app: the middleware above a handler standing in for oidc-provider or one of our routes. */
  function app(handler: (ctx: Koa.Context) => void | Promise<void>, probe?: () => Promise<void>) {
    const k = new Koa();
    k.silent = true;
    k.use(databaseUnavailable({ probe, probeTimeoutMs: 200 }));
    k.use(async (ctx) => handler(ctx));
    return supertest(k.callback());
  }

  it('turns a provider server_error caused by the database into 503 temporarily_unavailable', async () => {
    const res = await app((ctx) => {
      ctx.status = 500;
      ctx.body = { error: 'server_error', error_description: 'oops! something went wrong' };
      noteProviderServerError(ctx, outage());
    }).post('/auth/v3/oauth/token');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: 'temporarily_unavailable', error_description: 'the service is temporarily unavailable; retry shortly' });
    expect(res.headers['retry-after']).toBe('5');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('turns a provider error page (a browser at the authorization endpoint) into the 503 "temporarily unavailable" page', async () => {
    const res = await app((ctx) => {
      ctx.status = 500;
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = '<!DOCTYPE html><title>Something went wrong</title>';
      noteProviderServerError(ctx, outage());
    }).get('/auth/v3/oauth/authorize');
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toContain('<h1>Sign-in unavailable</h1>');
    expect(res.text).toContain('<code>temporarily_unavailable</code>');
    expect(res.headers['retry-after']).toBe('5');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
  });

  it('rewrites an authorization error redirect to error=temporarily_unavailable (RFC 6749 §4.1.2.1)', async () => {
    const res = await app((ctx) => {
      ctx.redirect('https://rp.example.com/cb?error=server_error&error_description=oops&state=s1&iss=http%3A%2F%2Fccauth.test');
      noteProviderServerError(ctx, outage());
    }).get('/auth/v3/oauth/authorize');
    expect(res.status).toBe(302);
    const loc = new URL(res.headers.location!);
    expect(loc.origin + loc.pathname).toBe('https://rp.example.com/cb');
    expect(Object.fromEntries(loc.searchParams)).toEqual({ error: 'temporarily_unavailable', error_description: 'the service is temporarily unavailable; retry shortly', state: 's1', iss: 'http://ccauth.test' });
    expect(res.text).not.toContain('server_error');
  });

  it('turns an outage thrown by our own routes into 503, and leaves other errors and a server error that is not an outage alone', async () => {
    const thrown = await app(() => {
      throw outage();
    }).get('/auth/v3/userinfo');
    expect(thrown.status).toBe(503);
    expect(thrown.body.error).toBe('temporarily_unavailable');
    const bug = await app(() => {
      throw new TypeError('bug');
    }).get('/x');
    expect(bug.status).toBe(500);
    expect(bug.text).toBe('Internal Server Error');
    const providerBug = await app((ctx) => {
      ctx.status = 500;
      ctx.body = { error: 'server_error', error_description: 'oops! something went wrong' };
      noteProviderServerError(ctx, new TypeError('bug'));
    }).post('/auth/v3/oauth/token');
    expect(providerBug.status).toBe(500);
    expect(providerBug.body.error).toBe('server_error');
  });

  it('probes the database behind a 500 a route answered itself: 503 while it is down, 500 while it answers', async () => {
    const answer500 = (ctx: Koa.Context) => {
      ctx.status = 500;
      ctx.body = { error: 'server_error', error_description: 'internal error' };
    };
    const down = await app(answer500, async () => {
      throw outage();
    }).get('/auth/v3/userinfo');
    expect(down.status).toBe(503);
    expect(down.body.error).toBe('temporarily_unavailable');
    expect(down.headers['retry-after']).toBe('5');
    const stalled = await app(answer500, () => new Promise(() => {})).get('/auth/v3/userinfo');
    expect(stalled.status).toBe(503);
    const up = await app(answer500, async () => {}).get('/auth/v3/userinfo');
    expect(up.status).toBe(500);
    expect(up.body.error).toBe('server_error');
  });
});
