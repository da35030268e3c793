/**
 * Prometheus metrics (issue 6; design.md §1 `/metrics`), on a per-app {@link Registry} (never
 * prom-client's global one), so tests can build several apps in one process.
 *
 * Names are `ccauth_*` with the unit in the name. Labels are small fixed sets: route patterns
 * (never raw paths or ids), HTTP methods, status codes, grant types, OAuth error codes. No label
 * ever carries a client id, username, token or secret.
 *
 * | metric | type | labels | source |
 * | --- | --- | --- | --- |
 * | `ccauth_http_request_duration_seconds` | histogram | route, method, status | {@link httpMetricsMiddleware} |
 * | `ccauth_token_requests_total` | counter | grant_type, outcome (`success`/`error`), error | provider `grant.success` / `grant.error` ({@link observeProvider}) |
 * | `ccauth_authorization_requests_total` | counter | outcome (`success`/`error`), error | provider `authorization.success` / `authorization.error`, and `server_error` on the authorization endpoint ({@link observeProvider}) |
 * | `ccauth_client_auth_failures_total` | counter | endpoint (`token`, `introspection`, `revocation`) | provider `*.error` events with `invalid_client` |
 * | `ccauth_argon2_verifications_total` | counter | purpose (`client_secret`), result (`match`/`mismatch`) | the client secret verifier (oauth/client-auth.ts) |
 * | `ccauth_argon2_verification_duration_seconds` | histogram | purpose | the client secret verifier (queue wait included) |
 * | `ccauth_client_secret_cache_hits_total` | counter | – | the client secret verifier |
 * | `ccauth_client_cache_lookups_total` | counter | result (`hit`/`miss`) | the client metadata cache (services/client-cache.service.ts), read at scrape |
 * | `ccauth_rate_limit_rejections_total` | counter | limiter | whoever rate-limits: `metrics.rateLimitRejections.inc({ limiter })` |
 * | `ccauth_db_pool_connections` | gauge | state (`used`/`free`/`pending`) | knex pool, read at scrape (PGlite: one free connection) |
 * | `ccauth_db_query_duration_seconds` | histogram | operation (`select`/`insert`/`update`/`delete`/`raw`/...), outcome (`ok`/`error`) | knex `query` / `query-response` / `query-error` events |
 * | `ccauth_purged_rows_total` | counter | – | the purge job (services/purge.service.ts) |
 * | `ccauth_process_*`, `ccauth_nodejs_*` | various | – | prom-client default metrics, when `defaultMetrics` is set |
 *
 * With `node:cluster` workers each worker has its own registry; {@link serveClusterMetrics} (in the
 * primary) and {@link clusterMetricsText} (in a worker) let any worker answer a scrape with the sum
 * over all workers.
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The metric objects of one app. Increment them; never replace them. */
export interface Metrics {
  readonly registry: Registry;
  readonly httpRequestDuration: Histogram<'route' | 'method' | 'status'>;
  readonly tokenRequests: Counter<'grant_type' | 'outcome' | 'error'>;
  /** Authorization endpoint outcomes (RFC 6749 §4.1.2 and §4.1.2.1), the resume after sign-in included. */
  readonly authorizationRequests: Counter<'outcome' | 'error'>;
  readonly clientAuthFailures: Counter<'endpoint'>;
  readonly argon2Verifications: Counter<'purpose' | 'result'>;
  readonly argon2VerificationDuration: Histogram<'purpose'>;
  readonly clientSecretCacheHits: Counter;
  /** Exported for the rate limiters: `rateLimitRejections.inc({ limiter: 'token' })`. */
  readonly rateLimitRejections: Counter<'limiter'>;
  readonly dbQueryDuration: Histogram<'operation' | 'outcome'>;
  readonly purgedRows: Counter;
}

/** Database pool occupancy, connections. */
export interface PoolUsage {
  used: number;
  free: number;
  pending: number;
}

export interface MetricsOptions {
  /** Also collect prom-client's process/Node.js metrics (CPU, memory, event loop lag, GC), prefixed `ccauth_`. */
  defaultMetrics?: boolean;
  /** Read at each scrape for `ccauth_db_pool_connections`. */
  poolUsage?: () => PoolUsage;
}

/** Route labels for paths that no router names (oidc-provider's endpoints, discovery). */
const FIXED_ROUTES = new Set([
  '/auth/v3/oauth/token',
  '/auth/v3/oauth/introspect',
  '/auth/v3/oauth/revoke',
  '/auth/v3/oauth/jwks',
  '/auth/v3/oauth/authorize',
  '/auth/v3/oauth/logout',
  '/auth/v3/oauth/logout/confirm',
  '/auth/v3/oauth/logout/success',
  '/auth/v3/userinfo',
  '/auth/v3/openid/userinfo',
  '/.well-known/openid-configuration',
  '/.well-known/oauth-authorization-server',
  '/healthz',
  '/health',
  '/readyz',
  '/metrics',
]);
const PREFIX_ROUTES = ['/auth/v3/oauth/', '/auth/v3/interaction/', '/auth/v3/ops/', '/environment/v3/', '/auth/v3/'];
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']);
const GRANT_TYPES = new Set([
  'client_credentials',
  'password',
  'refresh_token',
  'authorization_code',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:ietf:params:oauth:grant-type:token-exchange',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'urn:openid:params:grant-type:ciba',
]);
const OAUTH_ERROR = /^[a-z_]{1,40}$/;

/**
 * The route label of a request: a fixed endpoint path, else the matched router pattern
 * (`ctx._matchedRoute`, e.g. `/environment/v3/contact-centers/:ccid/users`), else a prefix group
 * (`/auth/v3/ops/*`), else `other`. Never a raw path with ids in it.
 */
export function routeLabel(path: string, matchedRoute?: unknown): string {
  if (FIXED_ROUTES.has(path)) return path;
  if (typeof matchedRoute === 'string' && matchedRoute.startsWith('/') && matchedRoute.length <= 200) return matchedRoute;
  for (const p of PREFIX_ROUTES) if (path.startsWith(p)) return `${p}*`;
  return 'other';
}

/** Creates the registry and every metric. */
export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'ccauth_' });

  const poolUsage = opts.poolUsage;
  new Gauge({
    name: 'ccauth_db_pool_connections',
    help: 'Database pool connections by state (used, free, pending acquisitions), read at scrape time',
    labelNames: ['state'] as const,
    registers,
    collect() {
      const u = poolUsage?.() ?? { used: 0, free: 0, pending: 0 };
      this.set({ state: 'used' }, u.used);
      this.set({ state: 'free' }, u.free);
      this.set({ state: 'pending' }, u.pending);
    },
  });

  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'ccauth_http_request_duration_seconds',
      help: 'HTTP request duration in seconds by route pattern, method and status',
      labelNames: ['route', 'method', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    tokenRequests: new Counter({
      name: 'ccauth_token_requests_total',
      help: 'Token endpoint requests by grant type and outcome (success: tokens issued; error: the OAuth error code)',
      labelNames: ['grant_type', 'outcome', 'error'] as const,
      registers,
    }),
    authorizationRequests: new Counter({
      name: 'ccauth_authorization_requests_total',
      help: 'Authorization endpoint answers by outcome (success: code issued; error: the OAuth error code)',
      labelNames: ['outcome', 'error'] as const,
      registers,
    }),
    clientAuthFailures: new Counter({
      name: 'ccauth_client_auth_failures_total',
      help: 'Client authentication failures (invalid_client) by endpoint',
      labelNames: ['endpoint'] as const,
      registers,
    }),
    argon2Verifications: new Counter({
      name: 'ccauth_argon2_verifications_total',
      help: 'argon2 verifications actually computed (cache misses) by purpose and result',
      labelNames: ['purpose', 'result'] as const,
      registers,
    }),
    argon2VerificationDuration: new Histogram({
      name: 'ccauth_argon2_verification_duration_seconds',
      help: 'argon2 verification time in seconds, waiting for a verification slot included',
      labelNames: ['purpose'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    clientSecretCacheHits: new Counter({
      name: 'ccauth_client_secret_cache_hits_total',
      help: 'Client secret checks answered by the verified-secret cache (no argon2)',
      registers,
    }),
    rateLimitRejections: new Counter({
      name: 'ccauth_rate_limit_rejections_total',
      help: 'Requests refused by a rate limiter, by limiter',
      labelNames: ['limiter'] as const,
      registers,
    }),
    dbQueryDuration: new Histogram({
      name: 'ccauth_db_query_duration_seconds',
      help: 'Database query duration in seconds by operation and outcome',
      labelNames: ['operation', 'outcome'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    purgedRows: new Counter({
      name: 'ccauth_purged_rows_total',
      help: 'Expired oidc_payloads rows (and sealed refresh successors) removed by the purge job',
      registers,
    }),
  };
}

interface MetricsContext {
  path: string;
  method: string;
  status: number;
  _matchedRoute?: unknown;
}

/**
 * koa middleware observing every request's duration (seconds) by route label, method and final
 * status; put it first. A thrown error counts as 500 (or its `status`) and is rethrown.
 */
export function httpMetricsMiddleware(metrics: Metrics) {
  return async function httpMetrics(ctx: MetricsContext, next: () => Promise<unknown>): Promise<void> {
    const started = process.hrtime.bigint();
    let status: number | undefined;
    try {
      await next();
    } catch (err) {
      const s = (err as { status?: unknown }).status;
      status = typeof s === 'number' ? s : 500;
      throw err;
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.httpRequestDuration.observe(
        { route: routeLabel(ctx.path, ctx._matchedRoute), method: METHODS.has(ctx.method) ? ctx.method : 'other', status: String(status ?? ctx.status) },
        seconds,
      );
    }
  };
}

interface ProviderLike {
  on(event: string, listener: (...args: never[]) => void): unknown;
}

interface OidcContext {
  oidc?: { params?: { grant_type?: unknown }; route?: string };
}

const grantTypeOf = (ctx: OidcContext) => {
  const g = ctx.oidc?.params?.grant_type;
  return typeof g === 'string' && GRANT_TYPES.has(g) ? g : 'other';
};
const errorOf = (err: unknown) => {
  const e = (err as { error?: unknown } | undefined)?.error;
  return typeof e === 'string' && OAUTH_ERROR.test(e) ? e : 'other';
};

/** Subscribes the authorization/token/introspection/revocation metrics to an oidc-provider instance's events. */
export function observeProvider(provider: ProviderLike, metrics: Metrics): void {
  provider.on('grant.success', ((ctx: OidcContext) => {
    metrics.tokenRequests.inc({ grant_type: grantTypeOf(ctx), outcome: 'success', error: 'none' });
  }) as never);
  provider.on('grant.error', ((ctx: OidcContext, err: unknown) => {
    const error = errorOf(err);
    metrics.tokenRequests.inc({ grant_type: grantTypeOf(ctx), outcome: 'error', error });
    if (error === 'invalid_client') metrics.clientAuthFailures.inc({ endpoint: 'token' });
  }) as never);
  provider.on('authorization.success', (() => {
    metrics.authorizationRequests.inc({ outcome: 'success', error: 'none' });
  }) as never);
  provider.on('authorization.error', ((_ctx: unknown, err: unknown) => {
    metrics.authorizationRequests.inc({ outcome: 'error', error: errorOf(err) });
  }) as never);
  provider.on('server_error', ((ctx: OidcContext) => {
    if (ctx.oidc?.route === 'token') metrics.tokenRequests.inc({ grant_type: grantTypeOf(ctx), outcome: 'error', error: 'server_error' });
    if (ctx.oidc?.route === 'authorization' || ctx.oidc?.route === 'resume') metrics.authorizationRequests.inc({ outcome: 'error', error: 'server_error' });
  }) as never);
  for (const endpoint of ['introspection', 'revocation'] as const) {
    provider.on(`${endpoint}.error`, ((_ctx: unknown, err: unknown) => {
      if (errorOf(err) === 'invalid_client') metrics.clientAuthFailures.inc({ endpoint });
    }) as never);
  }
}

/**
 * Registers `ccauth_client_cache_lookups_total{result}`, read from the cache's counters at each
 * scrape. Call once per registry.
 */
export function observeClientCache(metrics: Metrics, stats: () => { hits: number; misses: number }): void {
  new Counter({
    name: 'ccauth_client_cache_lookups_total',
    help: 'Client metadata cache lookups on the token path by result (hit, miss)',
    labelNames: ['result'] as const,
    registers: [metrics.registry],
    collect() {
      const s = stats();
      this.reset();
      this.inc({ result: 'hit' }, s.hits);
      this.inc({ result: 'miss' }, s.misses);
    },
  });
}

/** Hooks for the client secret verifier (oauth/client-auth.ts). */
export function secretVerifierObserver(metrics: Metrics) {
  return {
    cacheHit: () => metrics.clientSecretCacheHits.inc(),
    verified: (ok: boolean, seconds: number) => {
      metrics.argon2Verifications.inc({ purpose: 'client_secret', result: ok ? 'match' : 'mismatch' });
      metrics.argon2VerificationDuration.observe({ purpose: 'client_secret' }, seconds);
    },
  };
}

/** Hook for database query timing (db/knex.ts `observeQueries`). */
export function queryObserver(metrics: Metrics) {
  return (operation: string, seconds: number, ok: boolean) => metrics.dbQueryDuration.observe({ operation, outcome: ok ? 'ok' : 'error' }, seconds);
}

const REQ = 'ccauth:metrics-request';
const RES = 'ccauth:metrics-response';

/**
 * In the cluster primary: answers workers asking for the metrics of every worker, summed
 * (prom-client's AggregatorRegistry). Call once, before forking.
 */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker: Worker, msg: unknown) => {
    const m = msg as { type?: string; id?: string };
    if (m?.type !== REQ) return;
    aggregator
      .clusterMetrics()
      .then((text) => worker.send({ type: RES, id: m.id, text }))
      .catch((err: unknown) => worker.send({ type: RES, id: m.id, error: String(err) }));
  });
}

/**
 * In a cluster worker: offers `registry` to the primary's aggregation and returns a function that
 * fetches the summed text of all workers (rejects after `timeoutMs`).
 */
export function clusterMetricsText(registry: Registry, timeoutMs = 5000): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry(); // installs prom-client's worker-side listener (answers the primary's requests)
  const waiting = new Map<string, { resolve(t: string): void; reject(e: Error): void }>();
  process.on('message', (msg: unknown) => {
    const m = msg as { type?: string; id?: string; text?: string; error?: string };
    if (m?.type !== RES || !m.id) return;
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.error !== undefined || m.text === undefined) w.reject(new Error(`cluster metrics failed: ${m.error}`));
    else w.resolve(m.text);
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error('cluster metrics timed out'));
      }, timeoutMs);
      waiting.set(id, {
        resolve: (t) => {
          clearTimeout(timer);
          resolve(t);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      process.send!({ type: REQ, id });
    });
}
