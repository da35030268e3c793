/**
 * The admin APIs and the other envelope-answering JSON routes, mounted on the app by the
 * composition root (src/app.ts): the ops API (`/auth/v3/ops/*`: clients, signing keys,
 * integrations, audit; ops Basic), the Environment API (`/environment/v3/*`, identity providers
 * included; ops Basic or an admin token, design.md §3b), `POST /auth/v3/auth-scheme` and
 * `POST /auth/v3/change-password` (no admin guard). Each prefix answers through the Genesys envelope
 * error handler, the JSON body parser (docs/security-model.md "Hostile input") and its guard.
 */
import type Koa from 'koa';
import type { Context, Next } from 'koa';
import type Router from '@koa/router';
import type { Knex } from 'knex';
import type { Config } from '../config/config.ts';
import { AppError } from '../errors/app-error.ts';
import type { SingleSignOnService } from '../federation/single-sign-on.service.ts';
import { requireAdmin, requireOps } from '../http/middleware/admin-auth.ts';
import type { AccessTokenVerifier } from '../http/middleware/access-token.ts';
import { envelopeErrors } from '../http/middleware/error-handler.ts';
import { jsonBody } from '../http/middleware/json-body.ts';
import type { OpsBasicCheck } from '../http/middleware/rate-limit.ts';
import { AUTH_SCHEME_PATH, createAuthSchemeRouter } from '../http/routes/auth-scheme.routes.ts';
import { CHANGE_PASSWORD_PATH, createChangePasswordRouter } from '../http/routes/change-password.routes.ts';
import { createEnvironmentRouters } from '../http/routes/environment-routers.ts';
import { createIdentityProviderRouter } from '../http/routes/identity-provider.routes.ts';
import { createOpsAuditRouter } from '../http/routes/ops-audit.routes.ts';
import { createOpsClientsRouter } from '../http/routes/ops-clients.routes.ts';
import { createOpsIntegrationsRouter } from '../http/routes/ops-integrations.routes.ts';
import { createOpsKeysRouter } from '../http/routes/ops-keys.routes.ts';
import type { ProviderHolder } from '../oauth/keys.ts';
import { createActivationsService } from '../services/activations.service.ts';
import type { ActivationsService } from '../services/activations.service.ts';
import { createAuditService } from '../services/audit.service.ts';
import type { AuditService } from '../services/audit.service.ts';
import type { ClientsService } from '../services/clients.service.ts';
import { createEnvironmentServices } from '../services/environment-services.ts';
import { createIntegrationsService } from '../services/integrations.service.ts';
import type { IntegrationsService } from '../services/integrations.service.ts';
import type { OpsCredentials } from '../services/ops-credentials.service.ts';
import { createPasswordChangeService } from '../services/password-change.service.ts';
import type { PasswordChangeService } from '../services/password-change.service.ts';
import type { PrincipalsService } from '../services/principals.service.ts';
import type { CredentialGuard } from '../services/rate-limit.service.ts';
import type { SigningKeysService } from '../services/signing-keys.service.ts';

/** What the admin APIs are built from. */
export interface AdminApisDeps {
  config: Config;
  knex: Knex;
  ops: OpsCredentials;
  opsBasic: OpsBasicCheck;
  clients: ClientsService;
  principals: PrincipalsService;
  guard: CredentialGuard;
  sso: SingleSignOnService;
  signingKeys: SigningKeysService;
  providers: ProviderHolder;
  verifyAccessToken: AccessTokenVerifier;
  /** Plain-http redirect URIs allowed (not in production; domain/redirect-uri.ts). */
  redirectUriPolicy: { allowPlainHttp: boolean };
  /** The token endpoint's URL, shown with integration credentials. */
  tokenEndpoint: string;
}

/** Services the admin APIs built that the console uses too. */
export interface AdminApiServices {
  integrations: IntegrationsService;
  activations: ActivationsService;
  audit: AuditService;
  passwordChanges: PasswordChangeService;
}

/**
 * Mounts `routers` under `prefix` behind envelope errors, `guard` and the JSON body parser
 * (ADMIN_BODY_LIMIT_BYTES, content type, depth, prototype keys, unstorable text:
 * http/middleware/json-body.ts). A path under the prefix that no router answers is `404` code 6. The
 * middleware carries `routers`, so the OpenAPI route-coverage test finds them
 * (test/integration/openapi.test.ts).
 */
export function mountEnvelopeApi(app: Koa, config: Config, prefix: string, routers: Router[], guard: (ctx: Context, next: Next) => Promise<void>): void {
  const parseJson = jsonBody({ limitBytes: config.inputLimits.adminBodyBytes });
  const handlers = routers.map((r) => r.routes());
  app.use(
    Object.assign(
      async (ctx: Context, next: Next) => {
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
      },
      { routers },
    ),
  );
}

/** Mounts every admin API (module comment); returns the services the console shares. */
export function mountAdminApis(app: Koa, deps: AdminApisDeps): AdminApiServices {
  const { config, knex } = deps;
  const keysAdmin = {
    list: () => deps.signingKeys.list(),
    async rotate(opts: { immediate: boolean }) {
      const result = await deps.signingKeys.rotate(opts);
      await deps.providers.refresh(); // this process publishes (or signs with) the new key at once
      return result;
    },
  };
  // prebuilt integrations, activations and the audit trail (docs/integrations.md)
  const integrations = createIntegrationsService({ knex });
  const activations = createActivationsService({ knex, redirectUriPolicy: deps.redirectUriPolicy });
  const audit = createAuditService({ knex });
  mountEnvelopeApi(
    app,
    config,
    '/auth/v3/ops',
    [
      createOpsClientsRouter({ clients: deps.clients }),
      createOpsKeysRouter({ keys: keysAdmin }),
      createOpsIntegrationsRouter({ integrations, activations, tokenEndpoint: deps.tokenEndpoint }),
      createOpsAuditRouter({ audit }),
    ],
    requireOps(deps.ops, deps.opsBasic),
  );
  mountEnvelopeApi(
    app,
    config,
    '/environment/v3',
    [...createEnvironmentRouters(createEnvironmentServices({ knex })), createIdentityProviderRouter({ sso: deps.sso, publicUrl: config.publicUrl })],
    requireAdmin(deps.ops, deps.verifyAccessToken, deps.opsBasic),
  );
  const open = (_ctx: Context, next: Next) => next();
  // the login UI's question "password or single sign-on?" (no authentication; envelope answers)
  mountEnvelopeApi(app, config, AUTH_SCHEME_PATH, [createAuthSchemeRouter({ sso: deps.sso })], open);
  // a user's own password change (docs/signing-in.md "Password change and policy"): no admin guard
  const passwordChanges = createPasswordChangeService({ knex });
  mountEnvelopeApi(app, config, CHANGE_PASSWORD_PATH, [createChangePasswordRouter({ verifyAccessToken: deps.verifyAccessToken, principals: deps.principals, guard: deps.guard, passwords: passwordChanges })], open);
  return { integrations, activations, audit, passwordChanges };
}
