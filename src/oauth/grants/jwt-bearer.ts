/**
 * The JWT bearer grant (RFC 7523 §2.1, §3): `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`
 * with `assertion=<JWT>` gets a token for the user the JWT names (Genesys Workspace posts a
 * short-lived JWT from its web services; genesys-api.md §2 row A2 and §10).
 *
 * Client authentication and the grant-type check have already run. The assertion must be:
 * - signed with an asymmetric algorithm (no `none`, no HS*) by a trusted signer: ccauth's own
 *   signing keys (`iss` = the issuer identifier) or the keys registered on the authenticated client
 *   (`iss` = its `client_id`; `jwks` or `jwksUri`, fetched, cached and refetched on an unknown `kid`);
 * - for `sub` = an enabled contact-center user (`domain\user`, `user:<uuid>` or the user id) of
 *   the client's contact centers when the client is bound to some; never the ops principal;
 * - addressed to ccauth (`aud` contains the token endpoint URL or the issuer identifier);
 * - short-lived: `exp` present and at most JWT_BEARER_MAX_LIFETIME_SECONDS ahead, `nbf`/`iat` sane;
 * - not an access token (`typ: at+jwt`, RFC 9068) ccauth issued;
 * - used once: its `jti` (required) is recorded in PostgreSQL until `exp` (used_assertion_ids).
 * Any failure: `400 invalid_grant` whose description names the failed check, never the assertion.
 *
 * Answer: the usual token response (`token_type: "bearer"`, the client's access-token lifetime, a
 * refresh token when the client has the `refresh_token` grant), tokens linked to a new Grant.
 */
import { errors } from 'oidc-provider';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { PrincipalsService } from '../../services/principals.service.ts';
import type { UsedAssertionIdsRepository } from '../../repositories/used-assertion-ids.repository.ts';
import type { CcauthClientExtras } from '../client-metadata.ts';
import { resolveGrantedScope } from '../scopes.ts';
import type { JwtAccessTokens } from '../jwt-access-tokens.ts';
import { AssertionError, assertionIdDigest, checkTimes, verifyJwtSignature } from '../assertions.ts';

export const JWT_BEARER_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const JWT_BEARER_PARAMETERS = ['assertion', 'scope'];

/** Options of the grant. */
export interface JwtBearerOptions {
  /** The issuer identifier (PUBLIC_URL). */
  issuer: string;
  /** The token endpoint URL (an accepted `aud`). */
  tokenEndpoint: string;
  /** Longest accepted assertion lifetime, seconds (`exp` ahead of now; `iat` age). */
  maxLifetimeSeconds: number;
  /** Records used `jti`s. */
  used: UsedAssertionIdsRepository;
}

/** `400 invalid_grant` with `description` (RFC 6749 §5.2). */
export function invalidGrant(description: string): InstanceType<typeof errors.InvalidGrant> {
  const err = new errors.InvalidGrant(description);
  err.error_description = description;
  return err;
}

/** Creates the handler (module comment). */
export function createJwtBearerHandler(provider: Provider, principals: PrincipalsService, opts: JwtBearerOptions, jwt?: JwtAccessTokens) {
  return async function jwtBearerGrant(ctx: KoaContextWithOIDC): Promise<void> {
    const params = ctx.oidc.params as Record<string, string | undefined>;
    if (!params.assertion) throw new errors.InvalidRequest("missing required parameter 'assertion'");
    const client = ctx.oidc.client!;
    const extras = client as unknown as CcauthClientExtras;
    const scope = resolveGrantedScope(extras, params.scope);

    let payload: Record<string, unknown>;
    try {
      const verified = await verifyJwtSignature(provider, params.assertion, { issuer: opts.issuer, client, what: 'assertion' });
      payload = verified.payload;
      if (verified.signer.kind === 'issuer' && String(verified.header.typ ?? '').toLowerCase().replace(/^application\//, '') === 'at+jwt') {
        throw new AssertionError('assertion must not be an access token (typ at+jwt)');
      }
      const aud = payload.aud;
      const auds = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
      if (!auds.some((a) => a === opts.tokenEndpoint || a === opts.issuer)) {
        throw new AssertionError('assertion aud must contain the token endpoint URL or the issuer identifier');
      }
      checkTimes(payload, opts.maxLifetimeSeconds, 'assertion');
      if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 512) throw new AssertionError('assertion jti is missing');
      if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new AssertionError('assertion sub is missing');
    } catch (err) {
      if (err instanceof AssertionError) throw invalidGrant(err.message);
      throw err;
    }

    const principal = await principals.findUserBySubject(payload.sub as string);
    const bound = extras.ccauth_contact_center_ids ?? [];
    if (!principal || (bound.length > 0 && !bound.includes(principal.user.ccid))) {
      throw invalidGrant('assertion sub is not a user this client may get a token for');
    }
    const first = await opts.used.markUsed(assertionIdDigest(payload.iss as string, payload.jti as string), new Date((payload.exp as number) * 1000));
    if (!first) throw invalidGrant('assertion jti has already been used');

    const grant = new provider.Grant({ accountId: principal.accountId, clientId: client.clientId });
    const withRefresh = client.grantTypeAllowed('refresh_token');
    grant.addOIDCScope([scope, withRefresh ? 'offline_access' : ''].filter(Boolean).join(' '));
    const resource = jwt?.isJwtClient(client) ? jwt.resource : undefined;
    if (resource) grant.addResourceScope(resource, scope);
    const grantSaved = grant.save();
    const grantId = grant.jti as string;

    const at = new provider.AccessToken({ accountId: principal.accountId, client, grantId, gty: 'jwt-bearer', scope });
    jwt?.attach(provider, at, client, scope);
    ctx.oidc.entity('AccessToken', at);
    let rt: InstanceType<Provider['RefreshToken']> | undefined;
    if (withRefresh) {
      rt = new provider.RefreshToken({ accountId: principal.accountId, client, grantId, gty: 'jwt-bearer', scope, ...(resource ? { resource } : {}) });
      ctx.oidc.entity('RefreshToken', rt);
    }
    const [, accessToken, refreshToken] = await Promise.all([grantSaved, at.save(), rt?.save()]);
    ctx.body = {
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: at.expiration,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      scope,
    };
  };
}
