/**
 * `GET /metrics` (docs/performance.md): Prometheus text on a per-app registry, with the request, token,
 * client-authentication, argon2, cache, pool, query, rate-limit and purge metrics; optional Bearer
 * protection with METRICS_TOKEN. Labels never carry ids or secrets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const TOKEN = '/auth/v3/oauth/token';
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

/** The value of one sample line (`name{labels} value`), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics, open', () => {
  let t: TestApp;
  let client: { clientId: string; secret: string };
  beforeAll(async () => {
    t = await startTestApp();
    client = await createClient(t, { client_id: 'metrics-client' });
  });
  afterAll(async () => {
    await t.close();
  });

  const token = (secret: string) => t.request.post(TOKEN).set('Authorization', basic(client.clientId, secret)).type('form').send({ grant_type: 'client_credentials' });

  it('serves Prometheus text with the token, client-auth, argon2 and cache counters', async () => {
    expect((await token(client.secret)).status).toBe(200);
    expect((await token(client.secret)).status).toBe(200);
    expect((await token('wrong-secret')).status).toBe(401);

    const res = await t.request.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers['cache-control']).toBe('no-store');
    const text = res.text;
    expect(sample(text, 'ccauth_token_requests_total{grant_type="client_credentials",outcome="success",error="none"}')).toBe(2);
    expect(sample(text, 'ccauth_token_requests_total{grant_type="client_credentials",outcome="error",error="invalid_client"}')).toBe(1);
    expect(sample(text, 'ccauth_client_auth_failures_total{endpoint="token"}')).toBe(1);
    expect(sample(text, 'ccauth_argon2_verifications_total{purpose="client_secret",result="match"}')).toBe(1);
    expect(sample(text, 'ccauth_argon2_verifications_total{purpose="client_secret",result="mismatch"}')).toBe(1);
    expect(sample(text, 'ccauth_argon2_verification_duration_seconds_count{purpose="client_secret"}')).toBe(2);
    expect(sample(text, 'ccauth_client_secret_cache_hits_total')).toBe(1);
    expect(sample(text, 'ccauth_client_cache_lookups_total{result="miss"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'ccauth_http_request_duration_seconds_count{route="/auth/v3/oauth/token",method="POST",status="200"}')).toBe(2);
    expect(sample(text, 'ccauth_http_request_duration_seconds_count{route="/auth/v3/oauth/token",method="POST",status="401"}')).toBe(1);
    expect(sample(text, 'ccauth_db_query_duration_seconds_count{operation="insert",outcome="ok"}')).toBeGreaterThanOrEqual(2);
    for (const state of ['used', 'free', 'pending']) expect(sample(text, `ccauth_db_pool_connections{state="${state}"}`)).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'ccauth_purged_rows_total')).toBe(0);
    // no ids, secrets or tokens in any label
    expect(text).not.toContain(client.clientId);
    expect(text).not.toContain(client.secret);
    expect(text).not.toContain('wrong-secret');
  });

  it('labels routes with their pattern, never with the ids in the path', async () => {
    const get = await t.request.get(`/auth/v3/ops/clients/${client.clientId}`).set('Authorization', basic(OPS.username, OPS.password));
    expect(get.status).toBe(200);
    await t.request.get('/auth/v3/interaction/some-random-uid-123');
    await t.request.get('/no/such/path/4711');
    const text = (await t.request.get('/metrics')).text;
    expect(sample(text, 'ccauth_http_request_duration_seconds_count{route="/auth/v3/ops/clients/:clientId",method="GET",status="200"}')).toBe(1);
    expect(text).toContain('route="other"');
    expect(text).not.toContain('some-random-uid-123');
    // in a label, not anywhere: a sample value such as 0.001847115 may hold those digits
    expect(text).not.toMatch(/\{[^}]*4711[^}]*\}/);
    expect(text).not.toContain(client.clientId);
  });

  it('exports the rate-limit counter for the limiters to increment', async () => {
    t.ccauth.metrics.rateLimitRejections.inc({ limiter: 'token' });
    expect(sample((await t.request.get('/metrics')).text, 'ccauth_rate_limit_rejections_total{limiter="token"}')).toBe(1);
  });

  it('counts expired rows removed by the purge job', async () => {
    await t.db.knex('oidc_payloads').insert([
      { model: 'AccessToken', id_digest: 'metrics-expired-1', payload: JSON.stringify({}), expires_at: new Date(Date.now() - 60_000) },
      { model: 'AccessToken', id_digest: 'metrics-expired-2', payload: JSON.stringify({}), expires_at: new Date(Date.now() - 60_000) },
    ]);
    expect(await t.ccauth.purge.runOnce()).toBeGreaterThanOrEqual(2);
    expect(sample((await t.request.get('/metrics')).text, 'ccauth_purged_rows_total')).toBeGreaterThanOrEqual(2);
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ METRICS_TOKEN });
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses a request without the token', async () => {
    const res = await t.request.get('/metrics');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="ccauth"');
    expect(res.body).toEqual({ error: 'invalid_token', error_description: 'a valid metrics bearer token is required' });
  });

  it('refuses a wrong token, and Basic credentials', async () => {
    const wrong = await t.request.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}x`);
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toBe('Bearer realm="ccauth", error="invalid_token"');
    expect((await t.request.get('/metrics').set('Authorization', basic(OPS.username, OPS.password))).status).toBe(401);
  });

  it('serves the metrics with the token; this app has its own registry', async () => {
    const res = await t.request.get('/metrics').set('Authorization', `bearer ${METRICS_TOKEN}`);
    expect(res.status).toBe(200);
    // the 401s above were counted on this app's registry, and nothing from the other app's
    expect(sample(res.text, 'ccauth_http_request_duration_seconds_count{route="/metrics",method="GET",status="401"}')).toBe(3);
    expect(sample(res.text, 'ccauth_token_requests_total{grant_type="client_credentials",outcome="success",error="none"}')).toBeUndefined();
  });
});
