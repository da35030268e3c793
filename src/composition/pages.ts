/**
 * What people and resource clients reach after the edge gates, mounted by the composition root
 * (src/app.ts) in this order: the token-protected resource routes (userinfo in both shapes,
 * jwt-userinfo, ping), the browser pages (interaction entry and consent, the login page and its
 * forced password change, the single sign-on return points, sign-out, the device code page's
 * lockout) and the ops console (`/console`, its own session sign-in). docs/signing-in.md and
 * docs/integrations.md describe them.
 */
import type Koa from 'koa';
import type { Knex } from 'knex';
import type Provider from 'oidc-provider';
import type { Config } from '../config/config.ts';
import type { SingleSignOnService } from '../federation/single-sign-on.service.ts';
import { createCsrfTokens } from '../http/csrf.ts';
import type { AccessTokenVerifier } from '../http/middleware/access-token.ts';
import { deviceCodeGuard } from '../http/middleware/device-code-guard.ts';
import { attemptScope, guardedLoginAttempts } from '../http/middleware/rate-limit.ts';
import { createConsole } from '../http/routes/console.routes.ts';
import { createForcedPasswordChangeRouter } from '../http/routes/forced-password-change.routes.ts';
import { createInteractionRouter } from '../http/routes/interaction.routes.ts';
import { createOidcRpRouter } from '../http/routes/oidc-rp.routes.ts';
import { createPingRouter } from '../http/routes/ping.routes.ts';
import { createSamlRouter } from '../http/routes/saml.routes.ts';
import { createSignInRouter } from '../http/routes/sign-in.routes.ts';
import { createSignOutRouter } from '../http/routes/sign-out.routes.ts';
import { createUserinfoRouter } from '../http/routes/userinfo.routes.ts';
import type { ProviderHolder } from '../oauth/keys.ts';
import { createUserJwtSigner } from '../oauth/user-jwt.ts';
import type { ClientsService } from '../services/clients.service.ts';
import { createConsoleAuthService } from '../services/console-auth.service.ts';
import type { CorsPolicy } from '../services/cors.service.ts';
import { createEnvironmentServices } from '../services/environment-services.ts';
import type { LoginAttemptsService } from '../services/login-attempts.service.ts';
import type { OpsCredentials } from '../services/ops-credentials.service.ts';
import type { PrincipalsService } from '../services/principals.service.ts';
import type { CredentialGuard } from '../services/rate-limit.service.ts';
import { createSignOutService } from '../services/sign-out.service.ts';
import type { AdminApiServices } from './admin-apis.ts';

/** What the resource routes, pages and console are built from. */
export interface PagesDeps extends AdminApiServices {
  config: Config;
  knex: Knex;
  ops: OpsCredentials;
  clients: ClientsService;
  principals: PrincipalsService;
  guard: CredentialGuard;
  loginAttempts: LoginAttemptsService;
  cors: CorsPolicy;
  sso: SingleSignOnService;
  providers: ProviderHolder;
  getProvider: () => Provider;
  verifyAccessToken: AccessTokenVerifier;
  tokenEndpoint: string;
}

/** Mounts the token-protected resource routes (userinfo, jwt-userinfo, ping; docs/api.md). */
export function mountResourceRoutes(app: Koa, deps: PagesDeps): void {
  const { config, verifyAccessToken, principals } = deps;
  const signUserJwt = createUserJwtSigner({ issuer: config.publicUrl, signingKey: () => deps.providers.signingKey });
  app.use(createUserinfoRouter({ verifyAccessToken, principals, cors: deps.cors, signUserJwt }).routes());
  // the agent desktop's keep-alive
  app.use(createPingRouter({ getProvider: deps.getProvider, verifyAccessToken, principals }).routes());
}

/** Mounts the browser pages and the ops console (module comment). */
export function mountPages(app: Koa, deps: PagesDeps): void {
  const { config, knex, getProvider, principals, guard, sso, passwordChanges: passwords } = deps;
  // interaction entry + consent, login, forced password change, single sign-on, sign-out (docs/signing-in.md)
  const csrf = createCsrfTokens(config.cookieKeys);
  app.use(createInteractionRouter({ getProvider, principals, csrf }).routes());
  app.use(createSignInRouter({ getProvider, principals, guard, csrf, passwords, sso }).routes());
  app.use(createForcedPasswordChangeRouter({ getProvider, principals, csrf, passwords }).routes());
  app.use(createSamlRouter({ getProvider, principals, sso, secureCookies: new URL(config.publicUrl).protocol === 'https:' }).routes());
  app.use(createOidcRpRouter({ sso, publicUrl: config.publicUrl }).routes());
  app.use(createSignOutRouter({ getProvider, verifyAccessToken: deps.verifyAccessToken, signOut: createSignOutService({ knex }), csrf }).routes());
  // the device user code page is oidc-provider's (deviceFlowPages); wrong codes lock the address (RFC 8628 §5.1)
  app.use(deviceCodeGuard(guard));
  // the ops console (docs/integrations.md): its own session sign-in, outside the ops Basic guard
  const consoleEnv = createEnvironmentServices({ knex });
  app.use(attemptScope('/console')); // console sign-in failures are limited per address too
  app.use(
    createConsole({
      auth: createConsoleAuthService({ knex, ops: deps.ops, attempts: guardedLoginAttempts(guard, deps.loginAttempts, 'console') }),
      integrations: deps.integrations,
      activations: deps.activations,
      clients: deps.clients,
      contactCenters: consoleEnv.contactCenters,
      settings: consoleEnv.settings,
      users: consoleEnv.users,
      audit: deps.audit,
      publicUrl: config.publicUrl,
      tokenEndpoint: deps.tokenEndpoint,
      sso,
    }),
  );
}
