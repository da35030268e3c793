/**
 * Optional RFC 9068 JWT access tokens, per client (`accessTokenFormat: "jwt"` in the ops client API,
 * `ccauth_access_token_format` in client metadata). Opaque stays the default.
 *
 * oidc-provider issues a JWT access token only for a resource server (it needs an audience), so
 * ccauth defines one API resource, {@link JwtAccessTokens.resource} (JWT_ACCESS_TOKEN_AUDIENCE,
 * default `${PUBLIC_URL}/api`), and applies it *only* to jwt-format clients:
 *
 * - `features.resourceIndicators.defaultResource` returns it for jwt clients and nothing for opaque
 *   ones, so opaque clients take exactly the code paths they took with the feature disabled;
 * - `getResourceServerInfo` describes it (audience, `accessTokenFormat: "jwt"`, signing alg, the
 *   client's access-token TTL) and refuses any other resource indicator, and any resource for an
 *   opaque client, with `invalid_target` (RFC 8707 §2);
 * - our own grants (client_credentials, password) attach it through {@link JwtAccessTokens.attach}
 *   and check a requested `resource` with {@link assertRequestedResource} (the same answers).
 *
 * The token (header `typ: at+jwt`) carries `iss` = PUBLIC_URL, `aud`, `exp`, `iat`, `jti`,
 * `client_id`, `scope`, and `sub` (the account id for user tokens, the client id otherwise). JWT
 * access tokens are not stored: they cannot be introspected or revoked, and our own Bearer routes
 * (Environment API, userinfo) do not accept them.
 */
import { errors } from 'oidc-provider';
import type Provider from 'oidc-provider';
import type { AsymmetricSigningAlgorithm, Client, Configuration, KoaContextWithOIDC, ResourceServer } from 'oidc-provider';
import type { CcauthClientExtras } from './client-metadata.ts';
import { ANY_SCOPE } from './client-metadata.ts';

/**
 * RFC 8707 §2 on the grants ccauth implements itself (client_credentials, password): the request's
 * `resource` (absent, one value or several) must name the API resource, and only a jwt client may
 * name it; the refresh_token and authorization_code grants get the same answers from oidc-provider
 * through `getResourceServerInfo`.
 * @throws errors.InvalidTarget for any resource of an opaque client (or without JWT access tokens
 *   configured), for another resource, and for several different resources.
 */
export function assertRequestedResource(jwt: JwtAccessTokens | undefined, client: Client, requested: unknown): void {
  if (requested === undefined) return;
  const values = [...new Set(Array.isArray(requested) ? requested : [requested])];
  if (values.length === 0) return;
  if (!jwt || !jwt.isJwtClient(client)) throw new errors.InvalidTarget('resource indicators are only available to clients with JWT access tokens');
  if (values.length > 1) throw new errors.InvalidTarget('only a single resource indicator value must be requested');
  if (values[0] !== jwt.resource) throw new errors.InvalidTarget();
}

/** Scopes every client may ask for, so a jwt client's resource server admits them too. */
const ALWAYS_ALLOWED_SCOPES = ['openid', 'offline_access'];

export interface JwtAccessTokens {
  /** Resource indicator (RFC 8707) and `aud` of every JWT access token. */
  readonly resource: string;
  /** True when the client is configured for JWT access tokens. */
  isJwtClient(client: Client | undefined): boolean;
  /**
   * Resource server description for a jwt client (oidc-provider `ResourceServer` shape).
   * @param scopes the scopes in play for this request; a `*` client's resource server admits them,
   *   a restricted client's admits its own scope list; both admit `openid` and `offline_access`, so
   *   the token's `scope` is what was granted (RFC 9068 §2.2.3). The grant still bounds what is issued.
   */
  info(client: Client, scopes: Iterable<string>): ResourceServer;
  /**
   * For a jwt client, sets the token's resource server (→ `aud`, JWT format); no-op for opaque
   * clients. Used by grants we implement ourselves.
   */
  attach(provider: Provider, token: { resourceServer?: unknown }, client: Client, scope: string): void;
  /** The `features.resourceIndicators` configuration. */
  readonly resourceIndicators: NonNullable<NonNullable<Configuration['features']>['resourceIndicators']>;
}

const extras = (client: Client) => client as unknown as CcauthClientExtras;

/** Scopes named by the request and the entities it works on (authorization code, refresh token, grant). */
function scopesInPlay(ctx: KoaContextWithOIDC, resource: string): Set<string> {
  const out = new Set<string>();
  const add = (s: unknown) => {
    if (typeof s === 'string') for (const x of s.split(' ')) if (x) out.add(x);
  };
  add((ctx.oidc?.params as { scope?: unknown } | undefined)?.scope);
  const entities = (ctx.oidc?.entities ?? {}) as Record<string, { scope?: unknown; getResourceScope?: (r: string) => string } | undefined>;
  add(entities.AuthorizationCode?.scope);
  add(entities.RefreshToken?.scope);
  add(entities.Grant?.getResourceScope?.(resource));
  return out;
}

/**
 * Builds the JWT access-token policy.
 * @param opts.audience the resource indicator / `aud` (an absolute URI).
 * @param opts.signingAlg JWS algorithm of the current signing key (RFC 7518 §3.1).
 */
export function createJwtAccessTokens(opts: { audience: string; signingAlg: string }): JwtAccessTokens {
  const resource = opts.audience;
  const isJwtClient = (client: Client | undefined) => !!client && extras(client).ccauth_access_token_format === 'jwt';

  const info = (client: Client, scopes: Iterable<string>): ResourceServer => {
    const c = extras(client);
    const allowed = c.ccauth_scopes ?? [];
    // the token's `scope` is what was granted, OIDC scopes included (RFC 9068 §2.2.3, RFC 6749 §5.1)
    const scope = allowed.includes(ANY_SCOPE) ? [...new Set([ANY_SCOPE, ...ALWAYS_ALLOWED_SCOPES, ...scopes])] : [...new Set([...ALWAYS_ALLOWED_SCOPES, ...allowed])];
    return {
      scope: scope.join(' '),
      audience: resource,
      accessTokenFormat: 'jwt',
      accessTokenTTL: c.ccauth_access_token_ttl ?? 3600,
      jwt: { sign: { alg: opts.signingAlg as AsymmetricSigningAlgorithm } },
    };
  };

  return {
    resource,
    isJwtClient,
    info,
    attach(provider, token, client, scope) {
      if (!isJwtClient(client)) return;
      token.resourceServer = new provider.ResourceServer(resource, info(client, scope.split(' ').filter(Boolean)));
    },
    resourceIndicators: {
      enabled: true,
      // no resource requested: ours for jwt clients, none for opaque ones (unchanged behaviour);
      // several candidates (e.g. a code granted for [resource]): pick ours
      defaultResource: (_ctx, client, oneOf) => {
        if (oneOf === undefined) return isJwtClient(client) ? resource : undefined;
        return oneOf.includes(resource) ? resource : oneOf;
      },
      // userinfo is disabled, so oidc-provider already uses the granted resource at the token endpoint
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, indicator, client) => {
        if (!isJwtClient(client)) throw new errors.InvalidTarget('resource indicators are only available to clients with JWT access tokens');
        if (indicator !== resource) throw new errors.InvalidTarget();
        return info(client, scopesInPlay(ctx, resource));
      },
    },
  };
}
