/**
 * Builds the oidc-provider instance (the OAuth engine) for ccauth (design.md §3).
 *
 * Routes live under `/auth/v3/oauth/*` (token, authorize, introspect, revoke, jwks, logout) and
 * discovery at `/.well-known/openid-configuration`; the issuer is PUBLIC_URL. The provider is
 * mounted at the root of the parent koa app and falls through for every other path.
 *
 * Genesys compatibility (genesys-api.md §4.3): `token_type` is the lowercase `bearer` (`DPoP` for a
 * DPoP-bound token, RFC 9449 §5; oauth/dpop.ts), `expires_in`
 * and refresh-token lifetimes come from the client (`accessTokenExpirationTimeout` /
 * `refreshTokenExpirationTimeout`, seconds), a `["*"]` client gets `"scope":"*"`, and a grant
 * type the client lacks answers `unauthorized_client` (RFC 6749 §5.2).
 */
import Provider, { errors } from 'oidc-provider';
import type { Client, Configuration, KoaContextWithOIDC, JWK } from 'oidc-provider';
import type { Knex } from 'knex';
import type { PrincipalsService } from '../services/principals.service.ts';
import { createAdapterClass } from './adapter.ts';
import type { ClientSource } from './adapter.ts';
import { createFindAccount } from './accounts.ts';
import { installClientSecretVerifier } from './client-auth.ts';
import type { SecretVerifier } from './client-auth.ts';
import { DECLARED_SCOPES, EXTRA_CLIENT_METADATA } from './client-metadata.ts';
import type { CcauthClientExtras } from './client-metadata.ts';
import { createPasswordGrantHandler, PASSWORD_GRANT_DUPES, PASSWORD_GRANT_PARAMETERS } from './grants/password.ts';
import { CLIENT_CREDENTIALS_DUPES, CLIENT_CREDENTIALS_PARAMETERS, createClientCredentialsHandler } from './grants/client-credentials.ts';
import { REFRESH_TOKEN_PARAMETERS, createRefreshTokenHandler } from './grants/refresh-token.ts';
import { authorizationCodeParameters, createAuthorizationCodeHandler } from './grants/authorization-code.ts';
import type { Sealer } from './grants/refresh-token.ts';
import { assertRequestedResource } from './jwt-access-tokens.ts';
import { JWT_BEARER_GRANT_TYPE, JWT_BEARER_PARAMETERS, createJwtBearerHandler } from './grants/jwt-bearer.ts';
import { ASSERTION_ALGS } from './assertions.ts';
import { TOKEN_EXCHANGE_DUPES, TOKEN_EXCHANGE_GRANT_TYPE, TOKEN_EXCHANGE_PARAMETERS, createTokenExchangeHandler } from './grants/token-exchange.ts';
import { createGrantLinksRepository } from '../repositories/grant-links.repository.ts';
import type { UsedAssertionIdsRepository } from '../repositories/used-assertion-ids.repository.ts';
import { createUsedAssertionIdsRepository } from '../repositories/used-assertion-ids.repository.ts';
import type { JwtAccessTokens } from './jwt-access-tokens.ts';
import { createClientBasedCors } from './cors.ts';
import { authorizationScope, installScopePolicy } from './scopes.ts';
import { clearerErrorTexts } from './error-texts.ts';
import { installRedirectUriRules } from './redirect-uris.ts';
import type { CorsPolicy } from '../services/cors.service.ts';
import type { CredentialGuard } from '../services/rate-limit.service.ts';
import { createOidcPayloadsRepository } from '../repositories/oidc-payloads.repository.ts';
import { createPayloadUpdater } from '../repositories/payload-updater.ts';
import { DPOP_SIGNING_ALGS, createProofReplayCheck, installReplayDetection } from './dpop.ts';

/** Path prefix of every OAuth endpoint (genesys-api.md §2, A1-A2). */
export const OAUTH_PREFIX = '/auth/v3/oauth';

/** Lifetime of ID tokens, seconds (a retired signing key stays published at least this long). */
/** Lifetime of a browser session since its last use (sign-in, authorize, or `GET /auth/v3/ping`), seconds. */
export const SESSION_TTL_SECONDS = 86_400;
export const ID_TOKEN_TTL_SECONDS = 3600;

/** Authority that lets a client introspect any token (RFC 7662 §4: the caller must be authorized). */
export const ROLE_RESOURCE_SERVER = 'ROLE_RESOURCE_SERVER';

export interface ProviderDeps {
  knex: Knex;
  issuer: string;
  cookieKeys: readonly string[];
  clients: ClientSource;
  principals: PrincipalsService;
  secretVerifier: SecretVerifier;
  /**
   * Private signing keys (JWK with private members). The first key allowed to sign signs; see
   * src/oauth/keys.ts for the order and `key_ops` that keep `next`/`retired` keys verify-only.
   */
  jwks: { keys: JWK[] };
  /** JWS algorithm of the signing (`current`) key; default ES256. */
  signingAlg?: string;
  /** RFC 9068 JWT access tokens for jwt-format clients; without it every access token is opaque. */
  jwtAccessTokens?: JwtAccessTokens;
  /** Refresh-token rotation grace window, seconds (0 disables; RFC 9700 §4.14.2). */
  refreshGraceSeconds?: number;
  /** Seals the successor response kept during the grace window. */
  graceSealer: Sealer;
  /** Seals the device code kept with its user code (RFC 8628; oauth/adapter.ts); the device flow needs it. */
  idSealer?: Sealer;
  /** Seconds a session's interaction may take. */
  interactionTtlSeconds?: number;
  /**
   * Pages of OIDC RP-initiated logout (the "sign out?" confirmation, which must render oidc-provider's
   * `form`, and the signed-out page); oidc-provider's plain defaults when absent.
   */
  logoutPages?: {
    logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> | void;
    postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> | void;
  };
  /**
   * oidc-provider's `renderError`: answers an error that cannot be redirected to the client
   * (unknown client, unregistered redirect URI) for a person in a browser; RFC 6749 error JSON
   * when absent.
   */
  errorPage?: (ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }, error: Error) => Promise<void> | void;
  /**
   * Browser origins allowed on token/introspection/revocation (clientBasedCORS, oauth/cors.ts);
   * without it every cross-origin request carrying `Origin` is refused.
   */
  cors?: CorsPolicy;
  /**
   * Failed-authentication limits on client authentication and the password grant (issue 5;
   * services/rate-limit.service.ts); none when absent.
   */
  guard?: CredentialGuard;
  /**
   * Longest lifetime of a jwt-bearer grant assertion, seconds (JWT_BEARER_MAX_LIFETIME_SECONDS;
   * default 300).
   */
  jwtBearerMaxLifetimeSeconds?: number;
  /** Single-use records of assertion `jti`s; default: the `used_assertion_ids` table of `knex`. */
  usedAssertionIds?: UsedAssertionIdsRepository;
  /**
   * Fetch a client's `jwks_uri` over plain http and from loopback/private addresses (tests,
   * development). False (production): https only, and oidc-provider's SSRF guard refuses
   * non-public addresses.
   */
  allowInsecureJwksUri?: boolean;
  /**
   * Pages of the device authorization grant (RFC 8628 §3.3: code entry, confirmation, success);
   * without them the device flow is off (and not advertised).
   */
  deviceFlowPages?: {
    userCodeInputSource(ctx: KoaContextWithOIDC, form: string, out?: unknown, err?: Error): Promise<void> | void;
    userCodeConfirmSource(ctx: KoaContextWithOIDC, form: string, client: Client, deviceInfo: unknown, userCode: string): Promise<void> | void;
    successSource(ctx: KoaContextWithOIDC): Promise<void> | void;
  };
  /**
   * True when a contact center signs its users in only through its identity provider (README
   * "Single sign-on"): the password grant refuses them. None when absent.
   */
  ssoOnly?: (ccid: string) => Promise<boolean>;
}

/** Largest client JWK Set fetched from a `jwks_uri`, bytes. oidc-provider bounds the fetch to 2.5 s. */
export const JWKS_URI_BODY_LIMIT_BYTES = 65_536;

const extras = (client: unknown) => client as CcauthClientExtras;

/** Creates and configures the provider; the caller mounts it. */
export function createProvider(deps: ProviderDeps): Provider {
  // consume and the refresh grace window's successor: batched single-row updates, shared by both users
  const updater = createPayloadUpdater(deps.knex);
  const Adapter = createAdapterClass(deps.knex, deps.clients, { refreshGraceSeconds: deps.refreshGraceSeconds ?? 10, updater, idSealer: deps.idSealer });
  const configuration: Configuration = {
    adapter: Adapter,
    findAccount: createFindAccount(deps.principals),
    jwks: deps.jwks,
    cookies: { keys: [...deps.cookieKeys] },
    routes: {
      authorization: `${OAUTH_PREFIX}/authorize`,
      token: `${OAUTH_PREFIX}/token`,
      introspection: `${OAUTH_PREFIX}/introspect`,
      revocation: `${OAUTH_PREFIX}/revoke`,
      jwks: `${OAUTH_PREFIX}/jwks`,
      end_session: `${OAUTH_PREFIX}/logout`,
      userinfo: '/auth/v3/openid/userinfo',
      pushed_authorization_request: `${OAUTH_PREFIX}/par`,
      // the user code page a person opens (RFC 8628 §3.2 verification_uri), beside the login page
      code_verification: '/auth/v3/device',
      device_authorization: `${OAUTH_PREFIX}/device/auth`,
      backchannel_authentication: `${OAUTH_PREFIX}/backchannel`,
      registration: `${OAUTH_PREFIX}/register`,
      challenge: `${OAUTH_PREFIX}/challenge`,
    },
    scopes: [...DECLARED_SCOPES],
    claims: {
      openid: ['sub'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username'],
      email: ['email'],
    },
    responseTypes: ['code'],
    pkce: {
      required: (_ctx, client) => client.clientAuthMethod === 'none' || extras(client).ccauth_pkce_required === true,
    },
    // private_key_jwt: RFC 7523 §2.2 with the client's registered public keys (no client_secret_jwt:
    // stored secrets are argon2id hashes, design.md §3)
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    fetch: (url, init) => {
      const target = new URL(url instanceof Request ? url.url : url);
      if (deps.allowInsecureJwksUri) {
        // development and tests: a JWKS served on loopback; oidc-provider's SSRF guard would refuse it
        const { dispatcher: _guard, ...rest } = (init ?? {}) as RequestInit & { dispatcher?: unknown };
        return fetch(target, rest);
      }
      if (target.protocol !== 'https:') return Promise.reject(new Error('only https URLs are fetched'));
      return fetch(target, init);
    },
    fetchResponseBodyLimits: { jwks_uri: JWKS_URI_BODY_LIMIT_BYTES, sector_identifier_uri: JWKS_URI_BODY_LIMIT_BYTES },
    extraClientMetadata: {
      properties: [...EXTRA_CLIENT_METADATA],
      validator() {
        /* values come from our validated clients table */
      },
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        allowedPolicy: async (_ctx, client) =>
          extras(client).ccauth_internal === true || (extras(client).ccauth_authorities ?? []).includes(ROLE_RESOURCE_SERVER),
      },
      revocation: {
        enabled: true,
        // A client may revoke only tokens issued to it (RFC 7009 §2.1). Another client's token is
        // answered exactly as an unknown one — 200, nothing revoked (RFC 7009 §2.2) — so the
        // endpoint never tells a client whether someone else's token is live.
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      userinfo: { enabled: false },
      // RFC 9126: on, per client `require_pushed_authorization_requests` (ops API
      // `requirePushedAuthorizationRequests`); the pushed request is kept by the adapter like any
      // other payload, and only registered redirect URIs are accepted
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false, allowUnregisteredRedirectUris: false },
      // RFC 8628: on when ccauth's pages are given; user codes of 8 base-20 letters (~34.6 bits,
      // RFC 8628 §6.1) with the user code page locked after repeated wrong codes
      deviceFlow: deps.deviceFlowPages && deps.idSealer
        ? {
            enabled: true,
            charset: 'base-20',
            mask: '****-****',
            userCodeInputSource: deps.deviceFlowPages.userCodeInputSource,
            userCodeConfirmSource: deps.deviceFlowPages.userCodeConfirmSource,
            successSource: deps.deviceFlowPages.successSource,
          }
        : { enabled: false },
      registration: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        ...(deps.logoutPages
          ? { logoutSource: deps.logoutPages.logoutSource, postLogoutSuccessSource: deps.logoutPages.postLogoutSuccessSource }
          : {}),
      },
      // RFC 9449 sender-constrained tokens on every grant; no server nonces, proof jti single use in
      // PostgreSQL (oauth/dpop.ts; README "Security model" → "DPoP")
      dPoP: { enabled: true, requireNonce: () => false, allowReplay: false },
      // enabled only with JWT access tokens; opaque clients never get a resource (jwt-access-tokens.ts)
      resourceIndicators: deps.jwtAccessTokens?.resourceIndicators ?? { enabled: false },
    },
    // claims a grant handler put on the token itself (token exchange's `act`, RFC 8693 §4.1) are
    // kept: oidc-provider otherwise replaces `extra` with this hook's answer when it saves the token
    extraTokenClaims: (_ctx, token) => (token as { extra?: Record<string, unknown> }).extra,
    rotateRefreshToken: true,
    // Revoking any token destroys its grant, not only its tokens (oidc-provider keeps the grant when an
    // access token is revoked). Tokens are looked up through their grant (introspection, userinfo,
    // refresh), so a refresh racing the revocation, which stores its new tokens after the
    // revocation deleted the grant's rows, cannot leave a live token behind (issue 5 §3; RFC 7009
    // §2.1 allows revoking the whole grant; README "Security model" → "Concurrency and faults").
    revokeGrantPolicy: () => true,
    // Genesys semantics (genesys-api.md §4.3; seed 002): a client with the refresh_token grant gets a
    // refresh token from the code flow, whether or not it asked for offline_access.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    clientBasedCORS: createClientBasedCors(deps.cors),
    // our own route serves userinfo (http/routes/userinfo.routes.ts); discovery still names it
    discovery: { claim_types_supported: ['normal'], userinfo_endpoint: `${deps.issuer.replace(/\/+$/, '')}/auth/v3/openid/userinfo` },
    interactions: {
      url: (_ctx, interaction) => `/auth/v3/interaction/${interaction.uid}`,
    },
    // Genesys authorize parameter kept with the interaction: `hideTenant=true` hides the login
    // page's tenant field (genesys-api.md §2 A1, §7). `scope` is a standard parameter: its entry
    // applies the scope rules of oauth/scopes.ts (default scope, API scopes, invalid_scope).
    extraParams: { hideTenant: null, scope: authorizationScope },
    ttl: {
      AccessToken: (_ctx, _token, client) => extras(client).ccauth_access_token_ttl ?? 3600,
      ClientCredentials: (_ctx, _token, client) => extras(client).ccauth_access_token_ttl ?? 3600,
      RefreshToken: (_ctx, _token, client) => extras(client).ccauth_refresh_token_ttl ?? 86_400,
      AuthorizationCode: 60,
      // RFC 8628 §3.2 device code / user code lifetime (a PAR request_uri lives 60 s, fixed by oidc-provider)
      DeviceCode: 600,
      IdToken: ID_TOKEN_TTL_SECONDS,
      Interaction: deps.interactionTtlSeconds ?? 600,
      Session: SESSION_TTL_SECONDS,
      // A grant must outlive the tokens linked to it; outside a request (tests, jobs) keep 30 days.
      Grant: (ctx) => {
        const c = ctx?.oidc?.client ? extras(ctx.oidc.client) : undefined;
        return c ? Math.max(c.ccauth_refresh_token_ttl ?? 0, c.ccauth_access_token_ttl ?? 0, 3600) : 30 * 86_400;
      },
    },
    clientDefaults: {
      grant_types: ['authorization_code'],
      id_token_signed_response_alg: (deps.signingAlg ?? 'ES256') as 'ES256',
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    enabledJWA: {
      // asymmetric only: never none, never HS* (RFC 7523 §2.2 assertions, RFC 8725 §3.1)
      clientAuthSigningAlgValues: [...ASSERTION_ALGS] as 'ES256'[],
      dPoPSigningAlgValues: [...DPOP_SIGNING_ALGS],
      // every published key's algorithm, or oidc-provider refuses the key
      idTokenSigningAlgValues: [...new Set([deps.signingAlg ?? 'ES256', ...deps.jwks.keys.map((k) => k.alg).filter((a): a is string => !!a)])] as 'ES256'[],
    },
    // errors that cannot go back to the client: ccauth's HTML page for browsers (http/oauth-error-pages.ts)
    renderError: async (ctx, out, error) => {
      if (deps.errorPage) return deps.errorPage(ctx, out as { error: string; error_description?: string }, error);
      ctx.type = 'json';
      ctx.body = out;
    },
  };

  const provider = new Provider(deps.issuer, configuration);
  provider.proxy = true; // proto/host are pinned by the parent app (see http/middleware/pin-origin.ts)
  installClientSecretVerifier(provider.Client, deps.secretVerifier, deps.guard);
  installRedirectUriRules(provider.Client);
  // one atomic single-use check for every JWT oidc-provider sees once: DPoP proofs at the token
  // endpoint and private_key_jwt client assertions (oauth/dpop.ts, PostgreSQL, every process); the
  // jwt-bearer grant keeps its assertion ids in used_assertion_ids (oauth/assertions.ts)
  installReplayDetection(provider, createProofReplayCheck(createOidcPayloadsRepository(deps.knex)));
  installScopePolicy(provider);
  const usedAssertionIds = deps.usedAssertionIds ?? createUsedAssertionIdsRepository(deps.knex);

  const resourceIndicators = configuration.features?.resourceIndicators?.enabled === true;
  const codeParameters = authorizationCodeParameters(resourceIndicators);
  provider.registerGrantType('authorization_code', createAuthorizationCodeHandler(provider), codeParameters.parameters, codeParameters.dupes);
  // `resource` (RFC 8707) is read by every grant: the API resource for jwt clients, invalid_target otherwise
  provider.registerGrantType('client_credentials', createClientCredentialsHandler(provider, deps.jwtAccessTokens), CLIENT_CREDENTIALS_PARAMETERS, CLIENT_CREDENTIALS_DUPES);
  provider.registerGrantType(
    'password',
    createPasswordGrantHandler(provider, deps.principals, deps.jwtAccessTokens, deps.guard, deps.ssoOnly),
    PASSWORD_GRANT_PARAMETERS,
    PASSWORD_GRANT_DUPES,
  );
  const issuer = deps.issuer.replace(/\/+$/, '');
  provider.registerGrantType(
    JWT_BEARER_GRANT_TYPE,
    createJwtBearerHandler(
      provider,
      deps.principals,
      { issuer: deps.issuer, tokenEndpoint: `${issuer}${OAUTH_PREFIX}/token`, maxLifetimeSeconds: deps.jwtBearerMaxLifetimeSeconds ?? 300, used: usedAssertionIds },
      deps.jwtAccessTokens,
    ),
    JWT_BEARER_PARAMETERS,
  );
  provider.registerGrantType(
    TOKEN_EXCHANGE_GRANT_TYPE,
    createTokenExchangeHandler(provider, deps.principals, { issuer: deps.issuer, grantLinks: createGrantLinksRepository(deps.knex) }, deps.jwtAccessTokens),
    TOKEN_EXCHANGE_PARAMETERS,
    TOKEN_EXCHANGE_DUPES,
  );
  provider.registerGrantType(
    'refresh_token',
    createRefreshTokenHandler(provider, {
      repo: { findSuccessor: createOidcPayloadsRepository(deps.knex).findSuccessor, setSuccessor: updater.setSuccessor },
      prefetch: (model, id) => Adapter.prefetch(model, id),
      sealer: deps.graceSealer,
      options: { graceSeconds: deps.refreshGraceSeconds ?? 10 },
      checkResource: (ctx) => assertRequestedResource(deps.jwtAccessTokens, ctx.oidc.client!, (ctx.oidc.params as { resource?: unknown }).resource),
    }),
    resourceIndicators ? [...REFRESH_TOKEN_PARAMETERS, 'resource'] : REFRESH_TOKEN_PARAMETERS,
    resourceIndicators ? ['resource'] : undefined,
  );

  provider.use(genesysTokenResponse);
  provider.use(clearerErrorTexts);
  return provider;
}

/**
 * After-middleware on the token and introspection endpoints: Genesys clients compare `token_type`
 * to the exact string `"bearer"` (genesys-api.md §4.3), and a grant type the client lacks is
 * `unauthorized_client`. On the revocation endpoint a 200 answers `{}` as `application/json`
 * (RFC 7009 §2.2), the content type client libraries require.
 */
async function genesysTokenResponse(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
  await next();
  const route = ctx.oidc?.route;
  if (route === 'revocation' && ctx.status === 200 && (ctx.body === '' || ctx.body == null)) {
    // RFC 7009 §2.2 leaves the body of a 200 to the server and the client ignores it; oidc-provider
    // sends an empty text/plain one, which oidc-client-ts (revokeTokensOnSignout) and simple-oauth2
    // (revokeAll) refuse: they accept only application/json. `{}` is JSON to every parser.
    ctx.body = {};
    ctx.set('Cache-Control', 'no-store');
    return;
  }
  if ((route !== 'token' && route !== 'introspection') || !ctx.body || typeof ctx.body !== 'object') return;
  const body = ctx.body as Record<string, unknown>;
  if (body.token_type === 'Bearer') body.token_type = 'bearer';
  if (route === 'introspection') return;
  if (body.error === 'invalid_request' && body.error_description === 'requested grant type is not allowed for this client') {
    body.error = 'unauthorized_client';
    body.error_description = 'the client is not authorized to use this grant type';
  }
  ctx.set('Cache-Control', 'no-store');
}

export { errors };
