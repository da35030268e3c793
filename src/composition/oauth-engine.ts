/**
 * The OAuth engine, built by the composition root (src/app.ts): oidc-provider configured for
 * ccauth (src/oauth/provider.ts) and rebuilt whenever the signing keys change (src/oauth/keys.ts),
 * the client metadata it reads through an in-process cache (dropped on this process's client
 * writes and, through PostgreSQL LISTEN/NOTIFY, on other processes'; docs/performance.md), and the
 * access-token verifier of ccauth's own resource routes (Bearer, or DPoP with a proof: RFC 9449).
 */
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Config } from '../config/config.ts';
import type { Database } from '../db/knex.ts';
import type { Client } from '../domain/client.ts';
import { isStorableText } from '../domain/text.ts';
import type { SingleSignOnService } from '../federation/single-sign-on.service.ts';
import { createAccessTokenVerifier } from '../http/middleware/access-token.ts';
import type { AccessTokenVerifier } from '../http/middleware/access-token.ts';
import { noteProviderServerError } from '../http/middleware/db-unavailable.ts';
import { deviceFlowPages } from '../http/device-pages.ts';
import { logoutPages } from '../http/logout-pages.ts';
import { renderOAuthError } from '../http/oauth-error-pages.ts';
import type { SecretVerifier } from '../oauth/client-auth.ts';
import { toClientMetadata } from '../oauth/client-metadata.ts';
import { createProofReplayCheck } from '../oauth/dpop.ts';
import { createJwtAccessTokens } from '../oauth/jwt-access-tokens.ts';
import { createProviderHolder } from '../oauth/keys.ts';
import type { ProviderBuildInput, ProviderHolder } from '../oauth/keys.ts';
import { ID_TOKEN_TTL_SECONDS, createProvider } from '../oauth/provider.ts';
import type { ProviderDeps } from '../oauth/provider.ts';
import { createTokenLookup } from '../oauth/token-lookup.ts';
import type { TokenLookup } from '../oauth/token-lookup.ts';
import { createFlowMetrics, observeFlows } from '../observability/flow-metrics.ts';
import type { Logger } from '../observability/logger.ts';
import { observeClientCache, observeProvider } from '../observability/metrics.ts';
import type { Metrics } from '../observability/metrics.ts';
import { createBearerTokensRepository } from '../repositories/bearer-tokens.repository.ts';
import { listenClientChanges, newNotifierId, notifyClientsChanged, watchClientWrites } from '../repositories/client-changes.repository.ts';
import { createClientsRepository } from '../repositories/clients.repository.ts';
import { createOidcPayloadsRepository } from '../repositories/oidc-payloads.repository.ts';
import { createGraceSealer } from '../security/grace-sealer.ts';
import type { Sealer } from '../security/seal.ts';
import { CLIENT_CACHE_DEGRADED_TTL_MS, CLIENT_CACHE_TTL_MS, createClientCache } from '../services/client-cache.service.ts';
import type { ClientCache } from '../services/client-cache.service.ts';
import type { CorsPolicy } from '../services/cors.service.ts';
import type { PrincipalsService } from '../services/principals.service.ts';
import type { CredentialGuard } from '../services/rate-limit.service.ts';
import { observeTokenReplays } from '../services/security-events.service.ts';
import type { SecurityEvents } from '../services/security-events.service.ts';
import { createSigningKeysService } from '../services/signing-keys.service.ts';
import type { SigningKeysService } from '../services/signing-keys.service.ts';

/** What the engine is built from (the composition root's shared services). */
export interface OAuthEngineDeps {
  config: Config;
  db: Database;
  logger: Logger;
  metrics: Metrics;
  principals: PrincipalsService;
  secretVerifier: SecretVerifier;
  cors: CorsPolicy;
  guard: CredentialGuard;
  securityEvents: SecurityEvents;
  sso: SingleSignOnService;
  /** Seals the private signing keys (KEY_ENCRYPTION_KEY). */
  sealer: Sealer;
}

/** The built engine. */
export interface OAuthEngine {
  /** The live provider and its key lifecycle; read `providers.current` at the moment of use. */
  providers: ProviderHolder;
  getProvider: () => Provider;
  /** Finds a live access token by its value (src/oauth/token-lookup.ts). */
  lookupToken: TokenLookup;
  /** Verifies a Bearer or DPoP-presented token on ccauth's own routes (http/middleware/access-token.ts). */
  verifyAccessToken: AccessTokenVerifier;
  signingKeys: SigningKeysService;
  clientCache: ClientCache<Client>;
  /** Stops the key check, the client-write watch and the LISTEN connection. */
  stop(): void;
}

/**
 * Builds the engine: ensures a current signing key, builds the first provider.
 * @throws SealError when a stored signing key cannot be opened with the configured key.
 */
export async function createOAuthEngine(deps: OAuthEngineDeps): Promise<OAuthEngine> {
  const { config, db, logger, metrics, principals, secretVerifier, cors, guard, securityEvents, sso, sealer } = deps;
  const knex = db.knex;
  const clientsRepo = createClientsRepository(knex);
  // Clients on the token path come from an in-process cache, dropped when this process writes the
  // clients tables and, through LISTEN/NOTIFY, when another one does (docs/performance.md).
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
    // single sign-on contact centers refuse the password grant (docs/signing-in.md "Single sign-on")
    ssoOnly: (ccid) => sso.isSsoOnly(ccid),
  };

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

  return {
    providers,
    getProvider,
    lookupToken,
    verifyAccessToken,
    signingKeys,
    clientCache,
    stop() {
      providers.stop();
      stopWatchingClients();
      void listener?.stop();
    },
  };
}
