/**
 * Composition root (design.md §2): builds every dependency from a Config and a Database, orders
 * the middleware, mounts the routers and oidc-provider. Tests call `createApp` on a throwaway
 * database; `main.ts` adds listen and shutdown.
 *
 * Order: request context → health → admin routers (each: envelope errors → JSON body → auth) →
 * OAuth origin pinning → oidc-provider → JSON 404.
 */
import Koa from 'koa';
import type { Context, Next } from 'koa';
import mount from 'koa-mount';
import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import { exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'oidc-provider';
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
import { createEnvironmentServices } from './services/environment-services.ts';
import { createPurgeJob } from './services/purge.service.ts';
import type { PurgeJob } from './services/purge.service.ts';
import { createSecretVerifier } from './oauth/client-auth.ts';
import { createGraceSealer } from './security/grace-sealer.ts';
import type { SecretVerifier } from './oauth/client-auth.ts';
import { toClientMetadata } from './oauth/client-metadata.ts';
import { createProvider } from './oauth/provider.ts';
import { createTokenLookup } from './oauth/token-lookup.ts';
import { envelopeErrors } from './http/middleware/error-handler.ts';
import { requestContext } from './http/middleware/request-context.ts';
import { pinOrigin } from './http/middleware/pin-origin.ts';
import { requireAdmin, requireOps } from './http/middleware/admin-auth.ts';
import { createHealthRouter } from './http/routes/health.routes.ts';
import { createOpsClientsRouter } from './http/routes/ops-clients.routes.ts';
import { createEnvironmentRouters } from './http/routes/environment-routers.ts';

export interface AppDeps {
  config: Config;
  db: Database;
  logger: Logger;
  /** Private signing keys; generated (ES256) when absent. */
  jwks?: { keys: JWK[] };
}

export interface CcauthApp {
  app: Koa;
  provider: Provider;
  secretVerifier: SecretVerifier;
  purge: PurgeJob;
  /** Stops timers. Does not close the database (its owner does). */
  stop(): void;
}

/** Generates one ES256 signing key (private JWK with `kid`, `use`, `alg`). */
export async function generateSigningKeys(): Promise<{ keys: JWK[] }> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { keys: [{ ...jwk, kid: `es256-${Date.now().toString(36)}`, use: 'sig', alg: 'ES256' } as JWK] };
}

const JSON_BODY_LIMIT = '100kb';

/** Builds the koa application and its provider. */
export async function createApp(deps: AppDeps): Promise<CcauthApp> {
  const { config, db, logger } = deps;
  const knex = db.knex;

  const ops = createOpsCredentials(config.ops);
  const principals = createPrincipalsService({ knex, ops });
  const clients = createClientsService({ knex });
  const clientsRepo = createClientsRepository(knex);
  const secretVerifier = createSecretVerifier();
  const provider = createProvider({
    knex,
    issuer: config.publicUrl,
    cookieKeys: config.cookieKeys,
    clients: {
      async findClientMetadata(clientId) {
        const c = await clientsRepo.find(clientId);
        return c ? (toClientMetadata(c) as Record<string, unknown> | undefined) : undefined;
      },
    },
    principals,
    secretVerifier,
    refreshGraceSeconds: config.refreshReuseGraceSeconds,
    graceSealer: createGraceSealer(config.cookieKeys[0]!),
    jwks: deps.jwks ?? (await generateSigningKeys()),
  });
  provider.on('server_error', (ctx, err) => (ctx as Context).log?.error({ err }, 'oidc-provider server error'));
  provider.on('grant.error', (ctx, err) => (ctx as Context).log?.info({ event: 'grant_error', error: (err as { error?: string }).error, detail: (err as { error_detail?: string }).error_detail }, 'token request refused'));
  const lookupToken = createTokenLookup(provider);

  const app = new Koa({ proxy: config.trustProxy });
  app.keys = [...config.cookieKeys];
  app.silent = true;

  /** Mounts routers under `prefix` behind envelope errors, the JSON body parser and `guard`. */
  const adminApi = (prefix: string, routers: Router[], guard: (ctx: Context, next: Next) => Promise<void>) => {
    const parseJson = bodyParser({
      enableTypes: ['json'],
      jsonLimit: JSON_BODY_LIMIT,
      encoding: 'utf-8',
      onError(err) {
        const status = (err as { status?: number }).status;
        if (status === 413) throw new AppError('payload_too_large', `request body is larger than ${JSON_BODY_LIMIT}`);
        if (status === 415) throw new AppError('unsupported_media_type', 'unsupported content type; send application/json');
        throw new AppError('invalid_parameter', 'request body is not valid JSON');
      },
    });
    const handlers = routers.map((r) => r.routes());
    app.use(async (ctx, next) => {
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
    });
  };

  app.use(requestContext(logger));
  app.use(createHealthRouter({ pingDatabase: async () => void (await knex.raw('select 1')) }).routes());

  adminApi('/auth/v3/ops', [createOpsClientsRouter({ clients })], requireOps(ops));
  adminApi('/environment/v3', createEnvironmentRouters(createEnvironmentServices({ knex })), requireAdmin(ops, lookupToken));

  app.use(pinOrigin(config.publicUrl, config.trustProxy));
  app.use(mount(provider as unknown as Koa));
  app.use(async (ctx) => {
    ctx.status = 404;
    ctx.body = { error: 'not_found', error_description: 'no such endpoint' };
  });

  const purge = createPurgeJob({ repo: createOidcPayloadsRepository(knex), knex, logger, intervalMs: config.purgeIntervalMs });

  return {
    app,
    provider,
    secretVerifier,
    purge,
    stop() {
      purge.stop();
    },
  };
}
