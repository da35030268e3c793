/**
 * Composition root (design.md §2): builds the shared services from a Config and a Database, then
 * mounts everything in request order. Tests call `createApp` on a throwaway database; `main.ts` adds
 * listen and shutdown. Where each piece is wired:
 *
 * 1. shared services (this file): ops credentials, principals, clients, metrics, the argon2
 *    verifier, failed-authentication limits and security events, CORS policy, single sign-on;
 * 2. the OAuth engine (composition/oauth-engine.ts): client cache, oidc-provider and its keys,
 *    token lookup and the Bearer/DPoP verifier;
 * 3. the edge (this file): nosniff, metrics, request context, one spelling per OAuth path, the
 *    database-outage answer, then the fast lane of token/introspection/revocation/PAR/device;
 * 4. health, metrics and the API docs (this file);
 * 5. the admin APIs (composition/admin-apis.ts): ops API, Environment API, auth-scheme,
 *    change-password;
 * 6. the OAuth gates (origin pinning, CORS, input limits), then the resource routes, browser pages
 *    and ops console (composition/pages.ts);
 * 7. oidc-provider itself, then a JSON 404; the purge job (services/purge.service.ts).
 */
import Koa from 'koa';
import type { Context, Middleware } from 'koa';
import compose from 'koa-compose';
import path from 'node:path';
import type Provider from 'oidc-provider';
import type { Config } from './config/config.ts';
import type { Database } from './db/knex.ts';
import type { Logger } from './observability/logger.ts';
import { createOidcPayloadsRepository } from './repositories/oidc-payloads.repository.ts';
import { createClientsService } from './services/clients.service.ts';
import { createOpsCredentials } from './services/ops-credentials.service.ts';
import { createPrincipalsService } from './services/principals.service.ts';
import { createCredentialGuard } from './services/rate-limit.service.ts';
import { createSecurityEvents } from './services/security-events.service.ts';
import type { SecurityEvents } from './services/security-events.service.ts';
import { createRateLimiterStore } from './repositories/rate-limits.repository.ts';
import { createOpsBasicCheck, refuseBlockedClients } from './http/middleware/rate-limit.ts';
import { createPurgeJob } from './services/purge.service.ts';
import type { PurgeJob } from './services/purge.service.ts';
import { createSecretVerifier } from './oauth/client-auth.ts';
import type { SecretVerifier } from './oauth/client-auth.ts';
import { OAUTH_PREFIX } from './oauth/provider.ts';
import { createSealer, loadOrCreateKeyFile } from './security/seal.ts';
import type { SigningKeysService } from './services/signing-keys.service.ts';
import { createAuditService } from './services/audit.service.ts';
import { oauthInput } from './http/middleware/oauth-input.ts';
import { basicClientIdAsUnknown } from './http/middleware/basic-client-id.ts';
import { databaseUnavailable } from './http/middleware/db-unavailable.ts';
import { requestContext } from './http/middleware/request-context.ts';
import { pinOrigin } from './http/middleware/pin-origin.ts';
import { oauthCors } from './http/middleware/cors.ts';
import { noSniff } from './http/middleware/security-headers.ts';
import { JWT_USERINFO_PATH, OPENID_USERINFO_PATH, USERINFO_PATH } from './http/routes/userinfo.routes.ts';
import { canonicalPaths } from './http/middleware/canonical-paths.ts';
import { PROVIDER_ID_PARENTS, PROVIDER_PATHS } from './oauth/endpoint-paths.ts';
import { createCorsPolicy } from './services/cors.service.ts';
import { createHealthRouter } from './http/routes/health.routes.ts';
import { mountAdminApis } from './composition/admin-apis.ts';
import { createOAuthEngine } from './composition/oauth-engine.ts';
import { mountPages, mountResourceRoutes } from './composition/pages.ts';
import { createDocsRouter } from './http/routes/docs.routes.ts';
import { createSingleSignOnService } from './federation/single-sign-on.service.ts';
import { createLoginAttemptsRepository } from './repositories/login-attempts.repository.ts';
import { createLoginAttemptsService } from './services/login-attempts.service.ts';
import { observeQueries, poolUsage } from './db/knex.ts';
import type { Client } from './domain/client.ts';
import { createMetrics, httpMetricsMiddleware, queryObserver, secretVerifierObserver } from './observability/metrics.ts';
import type { Metrics } from './observability/metrics.ts';
import { createMetricsRouter } from './http/routes/metrics.routes.ts';
import type { ClientCache } from './services/client-cache.service.ts';

export interface AppDeps {
  config: Config;
  db: Database;
  logger: Logger;
  /**
   * Key-encryption keys sealing the private signing keys (first seals, all open). Overrides
   * `config.keyEncryptionKeys`; when both are absent (development/test only) the key kept in
   * `DATA_DIR/key-encryption-key` is used, created on first start.
   */
  keyEncryptionKeys?: readonly Buffer[];
  /** Metrics registry and objects; a fresh per-app set (no process metrics) when absent. */
  metrics?: Metrics;
  /** Text served on GET /metrics; default the app's own registry (cluster workers pass the sum). */
  metricsText?: () => Promise<string>;
}

export interface CcauthApp {
  app: Koa;
  /** The live provider: rebuilt when signing keys change, so read it at the moment of use. */
  readonly provider: Provider;
  /** Returns the live provider (for code that must not keep an instance). */
  getProvider(): Provider;
  /** Signing keys: the lifecycle service and this process's check (see src/oauth/keys.ts). */
  signingKeys: {
    service: SigningKeysService;
    /** Runs the due lifecycle step and rebuilds the provider when keys changed; true when rebuilt. */
    refresh(): Promise<boolean>;
    /** Starts the periodic check (every KEY_REFRESH_INTERVAL_SECONDS); `stop()` ends it. */
    start(): void;
  };
  secretVerifier: SecretVerifier;
  purge: PurgeJob;
  metrics: Metrics;
  /** The client metadata cache of the token path (services/client-cache.service.ts). */
  clientCache: ClientCache<Client>;
  /**
   * Security events (docs/security-model.md; services/security-events.service.ts); their audit rows are written
   * in the background: `securityEvents.flush()` waits for them (before closing the database).
   */
  securityEvents: SecurityEvents;
  /** Stops timers and the client-change listener. Does not close the database (its owner does). */
  stop(): void;
}

/** Builds the koa application and its provider. */
export async function createApp(deps: AppDeps): Promise<CcauthApp> {
  const { config, db, logger } = deps;
  const knex = db.knex;

  const ops = createOpsCredentials(config.ops);
  // every user-password hash runs in the client-secret verifier's bounded slots (docs/security-model.md)
  const principals = createPrincipalsService({ knex, ops, slots: (fn, lane) => secretVerifier.withSlot(fn, lane) });
  // plain-http redirect URIs only to loopback hosts in production (RFC 8252 §7.3; domain/redirect-uri.ts)
  const redirectUriPolicy = { allowPlainHttp: config.nodeEnv !== 'production' };
  const clients = createClientsService({ knex, redirectUriPolicy });
  const metrics = deps.metrics ?? createMetrics({ poolUsage: () => poolUsage(db) });
  const secretVerifier = createSecretVerifier({ observer: secretVerifierObserver(metrics) });
  // failed-authentication limits and security events (docs/security-model.md "Security model")
  const loginAttempts = createLoginAttemptsService({ repo: createLoginAttemptsRepository(knex), policy: config.loginLockout });
  const securityEvents = createSecurityEvents({ audit: createAuditService({ knex }), logger });
  const rateLimitStore = createRateLimiterStore(db, { onPoolError: (err) => logger.warn({ err }, 'rate-limit pool: idle connection failed') });
  const guard = createCredentialGuard({
    store: rateLimitStore,
    attempts: loginAttempts,
    events: securityEvents,
    policy: config.rateLimits,
    onRefused: (limiter) => metrics.rateLimitRejections.inc({ limiter }),
  });
  const opsBasic = createOpsBasicCheck({ ops, guard });
  const stopQueryTiming = observeQueries(knex, queryObserver(metrics));
  const cors = createCorsPolicy({ knex, globalOrigins: config.corsOrigins, logger });
  // private signing keys and upstream IdP secrets are sealed with KEY_ENCRYPTION_KEY (security/seal.ts)
  const sealer = createSealer(deps.keyEncryptionKeys ?? config.keyEncryptionKeys ?? [loadOrCreateKeyFile(path.join(config.dataDir, 'key-encryption-key'))]);
  // single sign-on per contact center (docs/signing-in.md "Signing in" → "Single sign-on"; src/federation/)
  const sso = createSingleSignOnService({ knex, sealer, publicUrl: config.publicUrl, allowPlainHttp: redirectUriPolicy.allowPlainHttp });
  // the OAuth engine: client cache, oidc-provider rebuilt on key changes, token verification (composition/oauth-engine.ts)
  const engine = await createOAuthEngine({ config, db, logger, metrics, principals, secretVerifier, cors, guard, securityEvents, sso, sealer });
  const { providers, getProvider, verifyAccessToken, signingKeys, clientCache } = engine;

  // With TRUST_PROXY, believe only the address the nearest proxy appended (not a spoofable leftmost one).
  const app = new Koa({ proxy: config.trustProxy, maxIpsCount: 1 });
  app.keys = [...config.cookieKeys];
  app.silent = true;

  app.use(noSniff); // X-Content-Type-Options on every response, JSON included
  app.use(httpMetricsMiddleware(metrics));
  app.use(requestContext(logger));
  // one spelling per OAuth endpoint: any other spelling the provider or koa-router would accept is a 404 before every gate
  app.use(canonicalPaths({ paths: [...PROVIDER_PATHS, USERINFO_PATH, OPENID_USERINFO_PATH, JWT_USERINFO_PATH], parents: PROVIDER_ID_PARENTS }));
  // PostgreSQL unreachable → 503 RFC 6749 JSON + Retry-After (admin APIs answer their own envelope)
  app.use(databaseUnavailable({ probe: async () => void (await knex.raw('select 1')) }));
  const pinOriginMiddleware = pinOrigin(config.publicUrl, config.trustProxy);
  const oauthCorsMiddleware = oauthCors(
    cors,
    new Map([
      [`${OAUTH_PREFIX}/token`, 'POST'],
      [`${OAUTH_PREFIX}/introspect`, 'POST'],
      [`${OAUTH_PREFIX}/revoke`, 'POST'],
      [`${OAUTH_PREFIX}/par`, 'POST'],
      [`${OAUTH_PREFIX}/device/auth`, 'POST'],
      [USERINFO_PATH, 'GET, POST'],
      [OPENID_USERINFO_PATH, 'GET, POST'],
      [JWT_USERINFO_PATH, 'GET'],
    ]),
  );
  // OAuth endpoints: control characters/NUL in parameters → 400, bodies over OAUTH_BODY_LIMIT_BYTES → 413 (RFC 6749 JSON)
  const oauthInputMiddleware = oauthInput({ prefix: OAUTH_PREFIX, paths: [USERINFO_PATH, OPENID_USERINFO_PATH, JWT_USERINFO_PATH], bodyLimitBytes: config.inputLimits.oauthBodyBytes });
  // a (client, address) pair known to be blocked is answered 429 before the provider parses anything (docs/security-model.md)
  const clientAuthEndpoints = new Set([
    `${OAUTH_PREFIX}/token`,
    `${OAUTH_PREFIX}/introspect`,
    `${OAUTH_PREFIX}/revoke`,
    `${OAUTH_PREFIX}/par`, // RFC 9126 pushed authorization requests
    `${OAUTH_PREFIX}/device/auth`, // RFC 8628 device authorization
  ]);
  const refuseBlockedMiddleware = refuseBlockedClients(guard, clientAuthEndpoints);
  const notFound = async (ctx: Context) => {
    ctx.status = 404;
    ctx.body = { error: 'not_found', error_description: 'no such endpoint' };
  };
  // Fast lane (docs/performance.md): token, introspection and revocation go straight to the middlewares the
  // full chain below would run for them (none of the routers in between — health, metrics, admin
  // APIs, userinfo, pages, console — answers these paths), skipping about ten layers of path
  // matching on the busiest endpoints. Same middlewares, same order.
  // a Basic client_id no client can have (U+0000, non-ASCII) is answered as an unknown client: uniform 401
  const oauthLane = compose([pinOriginMiddleware, oauthCorsMiddleware, oauthInputMiddleware, basicClientIdAsUnknown, refuseBlockedMiddleware, providers.middleware, notFound] as Middleware[]);
  app.use((ctx, next) => (clientAuthEndpoints.has(ctx.path) ? oauthLane(ctx) : next()));

  app.use(createHealthRouter({ pingDatabase: async () => void (await knex.raw('select 1')) }).routes());
  app.use(createDocsRouter({ publicUrl: config.publicUrl }).routes()); // GET /openapi.json, /docs (docs/api.md "API")
  app.use(
    createMetricsRouter({
      metricsText: deps.metricsText ?? (() => metrics.registry.metrics()),
      contentType: metrics.registry.contentType,
      token: config.metricsToken,
    }).routes(),
  );

  const tokenEndpoint = `${config.publicUrl}${OAUTH_PREFIX}/token`;
  // ops API, Environment API, auth-scheme, change-password (composition/admin-apis.ts)
  const shared = mountAdminApis(app, { config, knex, ops, opsBasic, clients, principals, guard, sso, signingKeys, providers, verifyAccessToken, redirectUriPolicy, tokenEndpoint });

  app.use(pinOriginMiddleware);
  app.use(oauthCorsMiddleware);
  app.use(oauthInputMiddleware);
  // userinfo, jwt-userinfo, ping; then the browser pages and the console (composition/pages.ts)
  const pageDeps = { ...shared, config, knex, ops, clients, principals, guard, loginAttempts, cors, sso, providers, getProvider, verifyAccessToken, tokenEndpoint };
  mountResourceRoutes(app, pageDeps);
  mountPages(app, pageDeps);
  app.use(refuseBlockedMiddleware);
  app.use(providers.middleware);
  app.use(notFound);

  const purge = createPurgeJob({
    repo: createOidcPayloadsRepository(knex),
    knex,
    logger,
    intervalMs: config.purgeIntervalMs,
    auditRetentionDays: config.auditRetentionDays,
    onPurged: (rows) => metrics.purgedRows.inc(rows),
    extra: () => sso.purge(),
  });

  return {
    app,
    get provider() {
      return providers.current;
    },
    getProvider,
    signingKeys: {
      service: signingKeys,
      refresh: () => providers.refresh(),
      start: () => providers.start(),
    },
    secretVerifier,
    purge,
    metrics,
    clientCache,
    securityEvents,
    stop() {
      purge.stop();
      engine.stop();
      stopQueryTiming();
      void rateLimitStore.close();
    },
  };
}
