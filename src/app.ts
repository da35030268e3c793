/**
 * Composition root (design.md §2): builds every dependency from a Config and a Database, orders
 * the middleware, mounts the routers and oidc-provider. Tests call `createApp` on a throwaway
 * database; `main.ts` adds listen and shutdown.
 *
 * Order: request context → health → admin routers (each: envelope errors → JSON body → auth) →
 * OAuth origin pinning → OAuth CORS → userinfo routes → browser pages (interaction, sign-in,
 * sign-out) → ops console (`/console`, its own session) → oidc-provider → JSON 404.
 */
import Koa from 'koa';
import type { Context, Middleware, Next } from 'koa';
import compose from 'koa-compose';
import type Router from '@koa/router';
import path from 'node:path';
import type Provider from 'oidc-provider';
import type { Config } from './config/config.ts';
import { AppError } from './errors/app-error.ts';
import type { Database } from './db/knex.ts';
import type { Logger } from './observability/logger.ts';
import { createClientsRepository } from './repositories/clients.repository.ts';
import { createOidcPayloadsRepository } from './repositories/oidc-payloads.repository.ts';
import { createClientsService } from './services/clients.service.ts';
import { createOpsCredentials } from './services/ops-credentials.service.ts';
import { createPrincipalsService } from './services/principals.service.ts';
import { createCredentialGuard } from './services/rate-limit.service.ts';
import { createSecurityEvents, observeTokenReplays } from './services/security-events.service.ts';
import type { SecurityEvents } from './services/security-events.service.ts';
import { createRateLimiterStore } from './repositories/rate-limits.repository.ts';
import { attemptScope, createOpsBasicCheck, guardedLoginAttempts, refuseBlockedClients } from './http/middleware/rate-limit.ts';
import { createEnvironmentServices } from './services/environment-services.ts';
import { createPurgeJob } from './services/purge.service.ts';
import type { PurgeJob } from './services/purge.service.ts';
import { createSecretVerifier } from './oauth/client-auth.ts';
import { createGraceSealer } from './security/grace-sealer.ts';
import type { SecretVerifier } from './oauth/client-auth.ts';
import { toClientMetadata } from './oauth/client-metadata.ts';
import { OAUTH_PREFIX, createProvider } from './oauth/provider.ts';
import { createTokenLookup } from './oauth/token-lookup.ts';
import { createProofReplayCheck } from './oauth/dpop.ts';
import { createAccessTokenVerifier } from './http/middleware/access-token.ts';
import { createBearerTokensRepository } from './repositories/bearer-tokens.repository.ts';
import { ID_TOKEN_TTL_SECONDS } from './oauth/provider.ts';
import type { ProviderDeps } from './oauth/provider.ts';
import { createProviderHolder } from './oauth/keys.ts';
import type { ProviderBuildInput } from './oauth/keys.ts';
import { createJwtAccessTokens } from './oauth/jwt-access-tokens.ts';
import { createUserJwtSigner } from './oauth/user-jwt.ts';
import { createSealer, loadOrCreateKeyFile } from './security/seal.ts';
import { createSigningKeysService } from './services/signing-keys.service.ts';
import type { SigningKeysService } from './services/signing-keys.service.ts';
import { createOpsKeysRouter } from './http/routes/ops-keys.routes.ts';
import { createOpsIntegrationsRouter } from './http/routes/ops-integrations.routes.ts';
import { createOpsAuditRouter } from './http/routes/ops-audit.routes.ts';
import { createIntegrationsService } from './services/integrations.service.ts';
import { createActivationsService } from './services/activations.service.ts';
import { createAuditService } from './services/audit.service.ts';
import { createConsoleAuthService } from './services/console-auth.service.ts';
import { createConsole } from './http/routes/console.routes.ts';
import { envelopeErrors } from './http/middleware/error-handler.ts';
import { jsonBody } from './http/middleware/json-body.ts';
import { oauthInput } from './http/middleware/oauth-input.ts';
import { basicClientIdAsUnknown } from './http/middleware/basic-client-id.ts';
import { isStorableText } from './domain/text.ts';
import { databaseUnavailable, noteProviderServerError } from './http/middleware/db-unavailable.ts';
import { requestContext } from './http/middleware/request-context.ts';
import { pinOrigin } from './http/middleware/pin-origin.ts';
import { oauthCors } from './http/middleware/cors.ts';
import { noSniff } from './http/middleware/security-headers.ts';
import { JWT_USERINFO_PATH, OPENID_USERINFO_PATH, USERINFO_PATH, createUserinfoRouter } from './http/routes/userinfo.routes.ts';
import { canonicalPaths } from './http/middleware/canonical-paths.ts';
import { PROVIDER_ID_PARENTS, PROVIDER_PATHS } from './oauth/endpoint-paths.ts';
import { createCorsPolicy } from './services/cors.service.ts';
import { requireAdmin, requireOps } from './http/middleware/admin-auth.ts';
import { createHealthRouter } from './http/routes/health.routes.ts';
import { createPingRouter } from './http/routes/ping.routes.ts';
import { CHANGE_PASSWORD_PATH, createChangePasswordRouter } from './http/routes/change-password.routes.ts';
import { createPasswordChangeService } from './services/password-change.service.ts';
import { createDocsRouter } from './http/routes/docs.routes.ts';
import { createOpsClientsRouter } from './http/routes/ops-clients.routes.ts';
import { createEnvironmentRouters } from './http/routes/environment-routers.ts';
import { createCsrfTokens } from './http/csrf.ts';
import { logoutPages } from './http/logout-pages.ts';
import { renderOAuthError } from './http/oauth-error-pages.ts';
import { deviceFlowPages } from './http/device-pages.ts';
import { deviceCodeGuard } from './http/middleware/device-code-guard.ts';
import { createFlowMetrics, observeFlows } from './observability/flow-metrics.ts';
import { createInteractionRouter } from './http/routes/interaction.routes.ts';
import { createSignInRouter } from './http/routes/sign-in.routes.ts';
import { createForcedPasswordChangeRouter } from './http/routes/forced-password-change.routes.ts';
import { createSignOutRouter } from './http/routes/sign-out.routes.ts';
import { createSingleSignOnService } from './federation/single-sign-on.service.ts';
import { createIdentityProviderRouter } from './http/routes/identity-provider.routes.ts';
import { createSamlRouter } from './http/routes/saml.routes.ts';
import { createOidcRpRouter } from './http/routes/oidc-rp.routes.ts';
import { AUTH_SCHEME_PATH, createAuthSchemeRouter } from './http/routes/auth-scheme.routes.ts';
import { createLoginAttemptsRepository } from './repositories/login-attempts.repository.ts';
import { createLoginAttemptsService } from './services/login-attempts.service.ts';
import { createSignOutService } from './services/sign-out.service.ts';
import { observeQueries, poolUsage } from './db/knex.ts';
import type { Client } from './domain/client.ts';
import { createMetrics, httpMetricsMiddleware, observeClientCache, observeProvider, queryObserver, secretVerifierObserver } from './observability/metrics.ts';
import type { Metrics } from './observability/metrics.ts';
import { createMetricsRouter } from './http/routes/metrics.routes.ts';
import { CLIENT_CACHE_DEGRADED_TTL_MS, CLIENT_CACHE_TTL_MS, createClientCache } from './services/client-cache.service.ts';
import type { ClientCache } from './services/client-cache.service.ts';
import { listenClientChanges, newNotifierId, notifyClientsChanged, watchClientWrites } from './repositories/client-changes.repository.ts';

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
   * Security events (issue 5; services/security-events.service.ts); their audit rows are written
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
  // every user-password hash runs in the client-secret verifier's bounded slots (issue 5)
  const principals = createPrincipalsService({ knex, ops, slots: (fn, lane) => secretVerifier.withSlot(fn, lane) });
  // plain-http redirect URIs only to loopback hosts in production (RFC 8252 §7.3; domain/redirect-uri.ts)
  const redirectUriPolicy = { allowPlainHttp: config.nodeEnv !== 'production' };
  const clients = createClientsService({ knex, redirectUriPolicy });
  const clientsRepo = createClientsRepository(knex);
  const metrics = deps.metrics ?? createMetrics({ poolUsage: () => poolUsage(db) });
  const secretVerifier = createSecretVerifier({ observer: secretVerifierObserver(metrics) });
  // failed-authentication limits and security events (issue 5; README "Security model")
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
  // Clients on the token path come from an in-process cache, dropped when this process writes the
  // clients tables and, through LISTEN/NOTIFY, when another one does (issue 6).
  const notifierId = newNotifierId();
  const listener =
    db.engine === 'postgres'
      ? listenClientChanges(knex, {
          notifierId,
          logger,
          onChange: (clientId) => (clientId === '*' ? clientCache.invalidateAll() : clientCache.invalidate(clientId)),
          onReset: () => clientCache.invalidateAll(),
        })
      : undefined;
  const clientCache = createClientCache<Client>({
    load: (clientId) => clientsRepo.find(clientId),
    ttlMs: () => (listener && !listener.listening ? CLIENT_CACHE_DEGRADED_TTL_MS : CLIENT_CACHE_TTL_MS),
  });
  observeClientCache(metrics, () => clientCache.stats);
  const stopWatchingClients = watchClientWrites(knex, () => {
    clientCache.invalidateAll();
    if (listener) notifyClientsChanged(knex, notifierId).catch((err: unknown) => logger.warn({ err }, 'could not notify other processes of a client change'));
  });
  /** Client metadata built from a cached client row, and until when it holds (epoch ms). */
  const metadataMemo = new WeakMap<Client, { metadata: Record<string, unknown> | undefined; untilMs: number }>();
  const cors = createCorsPolicy({ knex, globalOrigins: config.corsOrigins, logger });
  const providerOptions: Omit<ProviderDeps, 'jwks' | 'signingAlg' | 'jwtAccessTokens'> = {
    knex,
    issuer: config.publicUrl,
    cookieKeys: config.cookieKeys,
    clients: {
      async findClientMetadata(clientId) {
        if (!isStorableText(clientId)) return undefined; // U+0000 cannot be looked up (invalid_client, not a 500)
        const c = await clientCache.get(clientId);
        if (!c) return undefined;
        // one frozen metadata object per cached client row (oidc-provider's Client.find reuses its
        // instance by identity: oauth/client-auth.ts), rebuilt when a previous secret's grace ends
        const now = Date.now();
        const memo = metadataMemo.get(c);
        if (memo && now < memo.untilMs) return memo.metadata;
        const metadata = toClientMetadata(c, now) as Record<string, unknown> | undefined;
        if (metadata) Object.freeze(metadata);
        const graceEnd = c.previousSecretExpiresAt;
        metadataMemo.set(c, { metadata, untilMs: graceEnd !== null && graceEnd > now ? graceEnd : Number.POSITIVE_INFINITY });
        return metadata;
      },
    },
    principals,
    secretVerifier,
    cors,
    refreshGraceSeconds: config.refreshReuseGraceSeconds,
    graceSealer: createGraceSealer(config.cookieKeys[0]!),
    idSealer: createGraceSealer(config.cookieKeys[0]!, 'ccauth device code v1'),
    logoutPages,
    errorPage: renderOAuthError,
    deviceFlowPages,
    guard,
    jwtBearerMaxLifetimeSeconds: config.jwtBearerMaxLifetimeSeconds,
    allowInsecureJwksUri: config.nodeEnv !== 'production',
    // single sign-on contact centers refuse the password grant (README "Single sign-on")
    ssoOnly: (ccid) => sso.isSsoOnly(ccid),
  };

  // Signing keys live in Postgres (sealed); the provider is rebuilt when they change (design.md §3).
  const sealer = createSealer(deps.keyEncryptionKeys ?? config.keyEncryptionKeys ?? [loadOrCreateKeyFile(path.join(config.dataDir, 'key-encryption-key'))]);
  // single sign-on per contact center (README "Signing in" → "Single sign-on"; src/federation/)
  const sso = createSingleSignOnService({ knex, sealer, publicUrl: config.publicUrl, allowPlainHttp: redirectUriPolicy.allowPlainHttp });
  const signingKeys = createSigningKeysService({
    knex,
    sealer,
    algorithm: config.signingKeyAlg,
    rotationDelaySeconds: config.keyRotationDelaySeconds,
    idTokenTtlSeconds: ID_TOKEN_TTL_SECONDS,
  });
  /** Accepted PAR and device authorization requests (observability/flow-metrics.ts), across provider rebuilds. */
  const flowMetrics = createFlowMetrics(metrics.registry);
  /** Builds a complete provider (listeners included) for a key set; called again on every key change. */
  const buildProvider = ({ jwks, signingAlg }: ProviderBuildInput): Provider => {
    const provider = createProvider({
      ...providerOptions,
      jwks,
      signingAlg,
      jwtAccessTokens: createJwtAccessTokens({ audience: config.jwtAccessTokenAudience, signingAlg }),
    });
    // a database outage is answered 503 by databaseUnavailable() below (and logged there as a warning)
    provider.on('server_error', (ctx, err) => {
      if (!noteProviderServerError(ctx, err)) (ctx as Context).log?.error({ err }, 'oidc-provider server error');
    });
    provider.on('grant.error', (ctx, err) => (ctx as Context).log?.info({ event: 'grant_error', error: (err as { error?: string }).error, detail: (err as { error_detail?: string }).error_detail }, 'token request refused'));
    // authorization endpoint errors (redirected to the client or shown as a page), as token errors are
    provider.on('authorization.error', (ctx, err) =>
      (ctx as Context).log?.info(
        { event: 'authorization_error', error: (err as { error?: string }).error, detail: (err as { error_detail?: string }).error_detail, client_id: ctx.oidc?.client?.clientId },
        'authorization request refused',
      ),
    );
    observeProvider(provider, metrics);
    observeFlows(provider, flowMetrics);
    observeTokenReplays(provider, securityEvents);
    return provider;
  };
  const providers = await createProviderHolder({ keys: signingKeys, build: buildProvider, logger, refreshIntervalMs: config.keyRefreshIntervalMs });
  const getProvider = () => providers.current;
  const lookupToken = createTokenLookup(getProvider, createBearerTokensRepository(knex));
  // Bearer or DPoP (RFC 9449) on ccauth's own resource routes; proof jti single use in PostgreSQL
  const verifyAccessToken = createAccessTokenVerifier({ lookupToken, replay: createProofReplayCheck(createOidcPayloadsRepository(knex)), publicUrl: config.publicUrl });

  // With TRUST_PROXY, believe only the address the nearest proxy appended (not a spoofable leftmost one).
  const app = new Koa({ proxy: config.trustProxy, maxIpsCount: 1 });
  app.keys = [...config.cookieKeys];
  app.silent = true;

  /** Mounts routers under `prefix` behind envelope errors, the JSON body parser and `guard`. */
  const adminApi = (prefix: string, routers: Router[], guard: (ctx: Context, next: Next) => Promise<void>) => {
    // content type, size (ADMIN_BODY_LIMIT_BYTES), JSON, depth, prototype keys, unstorable text (http/middleware/json-body.ts)
    const parseJson = jsonBody({ limitBytes: config.inputLimits.adminBodyBytes });
    const handlers = routers.map((r) => r.routes());
    // `routers` on the middleware: the OpenAPI route-coverage test finds them (test/integration/openapi.test.ts)
    app.use(Object.assign(async (ctx: Context, next: Next) => {
      if (ctx.path !== prefix && !ctx.path.startsWith(`${prefix}/`)) return next();
      await envelopeErrors(ctx, () =>
        guard(ctx, () =>
          parseJson(ctx, async () => {
            const run = async (i: number): Promise<void> => {
              if (i === handlers.length) throw new AppError('not_found', 'resource not found');
              await handlers[i]!(ctx as never, () => run(i + 1));
            };
            await run(0);
          }),
        ),
      );
    }, { routers }));
  };

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
  // a (client, address) pair known to be blocked is answered 429 before the provider parses anything (issue 5)
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
  // Fast lane (issue 6): token, introspection and revocation go straight to the middlewares the
  // full chain below would run for them (none of the routers in between — health, metrics, admin
  // APIs, userinfo, pages, console — answers these paths), skipping about ten layers of path
  // matching on the busiest endpoints. Same middlewares, same order.
  // a Basic client_id no client can have (U+0000, non-ASCII) is answered as an unknown client: uniform 401
  const oauthLane = compose([pinOriginMiddleware, oauthCorsMiddleware, oauthInputMiddleware, basicClientIdAsUnknown, refuseBlockedMiddleware, providers.middleware, notFound] as Middleware[]);
  app.use((ctx, next) => (clientAuthEndpoints.has(ctx.path) ? oauthLane(ctx) : next()));

  app.use(createHealthRouter({ pingDatabase: async () => void (await knex.raw('select 1')) }).routes());
  app.use(createDocsRouter({ publicUrl: config.publicUrl }).routes()); // GET /openapi.json, /docs (README "API")
  app.use(
    createMetricsRouter({
      metricsText: deps.metricsText ?? (() => metrics.registry.metrics()),
      contentType: metrics.registry.contentType,
      token: config.metricsToken,
    }).routes(),
  );

  const keysAdmin = {
    list: () => signingKeys.list(),
    async rotate(opts: { immediate: boolean }) {
      const result = await signingKeys.rotate(opts);
      await providers.refresh(); // this process publishes (or signs with) the new key at once
      return result;
    },
  };
  // prebuilt integrations, activations and the audit trail (issue 4; README "Prebuilt integrations and the ops console")
  const integrations = createIntegrationsService({ knex });
  const activations = createActivationsService({ knex, redirectUriPolicy });
  const audit = createAuditService({ knex });
  const tokenEndpoint = `${config.publicUrl}${OAUTH_PREFIX}/token`;
  adminApi(
    '/auth/v3/ops',
    [
      createOpsClientsRouter({ clients }),
      createOpsKeysRouter({ keys: keysAdmin }),
      createOpsIntegrationsRouter({ integrations, activations, tokenEndpoint }),
      createOpsAuditRouter({ audit }),
    ],
    requireOps(ops, opsBasic),
  );
  adminApi(
    '/environment/v3',
    [...createEnvironmentRouters(createEnvironmentServices({ knex })), createIdentityProviderRouter({ sso, publicUrl: config.publicUrl })],
    requireAdmin(ops, verifyAccessToken, opsBasic),
  );
  // the login UI's question "password or single sign-on?" (no authentication; envelope answers)
  adminApi(AUTH_SCHEME_PATH, [createAuthSchemeRouter({ sso })], (_ctx, next) => next());
  // a user's own password change (README "Password change and policy"): envelope answers, no admin guard
  const passwordChanges = createPasswordChangeService({ knex });
  adminApi(CHANGE_PASSWORD_PATH, [createChangePasswordRouter({ verifyAccessToken, principals, guard, passwords: passwordChanges })], (_ctx, next) => next());

  app.use(pinOriginMiddleware);
  app.use(oauthCorsMiddleware);
  app.use(oauthInputMiddleware);
  const signUserJwt = createUserJwtSigner({ issuer: config.publicUrl, signingKey: () => providers.signingKey });
  app.use(createUserinfoRouter({ verifyAccessToken, principals, cors, signUserJwt }).routes());
  // the agent desktop's keep-alive (README "API")
  app.use(createPingRouter({ getProvider, verifyAccessToken, principals }).routes());
  // browser pages: interaction entry + consent, login, sign-out (README "Signing in")
  const csrf = createCsrfTokens(config.cookieKeys);
  app.use(createInteractionRouter({ getProvider, principals, csrf }).routes());
  app.use(createSignInRouter({ getProvider, principals, guard, csrf, passwords: passwordChanges, sso }).routes());
  app.use(createForcedPasswordChangeRouter({ getProvider, principals, csrf, passwords: passwordChanges }).routes());
  app.use(createSamlRouter({ getProvider, principals, sso, secureCookies: new URL(config.publicUrl).protocol === 'https:' }).routes());
  app.use(createOidcRpRouter({ sso, publicUrl: config.publicUrl }).routes());
  app.use(createSignOutRouter({ getProvider, verifyAccessToken, signOut: createSignOutService({ knex }), csrf }).routes());
  // the device user code page is oidc-provider's (deviceFlowPages); wrong codes lock the address (RFC 8628 §5.1)
  app.use(deviceCodeGuard(guard));
  // the ops console (issue 4): its own session sign-in, outside the ops Basic guard
  const consoleEnv = createEnvironmentServices({ knex });
  app.use(attemptScope('/console')); // console sign-in failures are limited per address too
  app.use(
    createConsole({
      auth: createConsoleAuthService({ knex, ops, attempts: guardedLoginAttempts(guard, loginAttempts, 'console') }),
      integrations,
      activations,
      clients,
      contactCenters: consoleEnv.contactCenters,
      settings: consoleEnv.settings,
      users: consoleEnv.users,
      audit,
      publicUrl: config.publicUrl,
      tokenEndpoint,
      sso,
    }),
  );
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
      providers.stop();
      stopWatchingClients();
      stopQueryTiming();
      void rateLimitStore.close();
      void listener?.stop();
    },
  };
}
