/**
 * The token exchange grant (RFC 8693): `grant_type=urn:ietf:params:oauth:grant-type:token-exchange`
 * trades a live ccauth token for a new access token for the same user, optionally naming an actor
 * (delegation, RFC 8693 §1.1, §4.1 `act`).
 *
 * Client authentication and the grant-type check have already run. Accepted:
 * - `subject_token` + `subject_token_type`: `urn:ietf:params:oauth:token-type:access_token` (an
 *   opaque ccauth access token, or an RFC 9068 JWT access token ccauth signed) or
 *   `urn:ietf:params:oauth:token-type:id_token` (an ID token ccauth signed for this very client).
 *   The token must be live (a signed token, which names no grant: its user must still hold a live
 *   grant with its client) and stand for an enabled user; a client bound to contact centers may
 *   exchange only their users' tokens; a token of the ops principal only by the client it was
 *   issued to; a sender-constrained (DPoP / mTLS-bound) token is refused.
 * - `actor_token` + `actor_token_type` (same types; a client-credentials token names the client):
 *   the result carries `act: {sub, client_id}` (nested when the subject token already had one),
 *   shown by introspection and inside a JWT.
 * - `scope`, `audience`, `resource` only narrow: scopes must be among the subject token's (any,
 *   when it had `*`) and allowed to the client; the only target ccauth issues for is
 *   JWT_ACCESS_TOKEN_AUDIENCE.
 * - `requested_token_type`: `urn:ietf:params:oauth:token-type:access_token` (default: the
 *   client's format) or `urn:ietf:params:oauth:token-type:jwt` (an RFC 9068 JWT access token).
 * Answer (RFC 8693 §2.2.1): `access_token`, `issued_token_type`, `token_type: "bearer"`,
 * `expires_in` (the client's lifetime, never past the subject token's expiry), `scope`; no refresh
 * token.
 *
 * The new token belongs to the subject token's grant: the same grant when the subject token was
 * issued to this client, otherwise a child grant linked to it (repositories/grant-links.repository.ts),
 * so sign-out, revocation or refresh-token reuse detection of that grant kills the exchanged token
 * too. A JWT or ID token subject has no grant to follow: the exchanged token gets a grant of its own.
 *
 * Errors (RFC 8693 §2.2.2): `invalid_request` (missing or unsupported parameter or token type),
 * `invalid_grant` (a subject or actor token that is not live or not acceptable), `invalid_target`,
 * `invalid_scope`.
 */
import { errors } from 'oidc-provider';
import type Provider from 'oidc-provider';
import type { Client, KoaContextWithOIDC } from 'oidc-provider';
import type { PrincipalsService, Principal } from '../../services/principals.service.ts';
import type { GrantLinksRepository } from '../../repositories/grant-links.repository.ts';
import { digestToken } from '../../security/tokens.ts';
import type { CcauthClientExtras } from '../client-metadata.ts';
import { ANY_SCOPE } from '../client-metadata.ts';
import { resolveGrantedScope } from '../scopes.ts';
import type { JwtAccessTokens } from '../jwt-access-tokens.ts';
import { AssertionError, verifyJwtSignature } from '../assertions.ts';
import { invalidGrant } from './jwt-bearer.ts';

export const TOKEN_EXCHANGE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const TOKEN_EXCHANGE_PARAMETERS = [
  'subject_token',
  'subject_token_type',
  'actor_token',
  'actor_token_type',
  'requested_token_type',
  'audience',
  'resource',
  'scope',
];
/** Parameters that may be repeated (RFC 8693 §2.1: several audiences or resources). */
export const TOKEN_EXCHANGE_DUPES = ['audience', 'resource'];

/** Token type identifiers (RFC 8693 §3). */
export const TOKEN_TYPES = {
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  idToken: 'urn:ietf:params:oauth:token-type:id_token',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
} as const;

/** What a presented token stands for. */
interface PresentedToken {
  /** `ops`, `user:<uuid>`, or undefined for a client-credentials token. */
  accountId: string | undefined;
  /** The client the token was issued to. */
  clientId: string;
  /** Space-delimited scope ('' for ID tokens). */
  scope: string;
  /** The grant to follow (opaque access tokens only). */
  grantId: string | undefined;
  /** Expiry, epoch seconds. */
  exp: number;
  /** The `act` the token already carries (an exchanged token). */
  act: Record<string, unknown> | undefined;
}

/** Options of the grant. */
export interface TokenExchangeOptions {
  /** The issuer identifier (PUBLIC_URL). */
  issuer: string;
  grantLinks: GrantLinksRepository;
}

const isJwt = (token: string) => token.split('.').length === 3;

/** Creates the handler (module comment). */
export function createTokenExchangeHandler(provider: Provider, principals: PrincipalsService, opts: TokenExchangeOptions, jwt?: JwtAccessTokens) {
  /** Resolves a presented token of a supported type; @throws invalid_request / invalid_grant. */
  async function resolve(client: Client, token: string, type: string | undefined, what: 'subject_token' | 'actor_token'): Promise<PresentedToken> {
    if (!type) throw new errors.InvalidRequest(`missing required parameter '${what}_type'`);
    const now = Math.floor(Date.now() / 1000);
    if (type === TOKEN_TYPES.accessToken && !isJwt(token)) {
      const at = (await provider.AccessToken.find(token)) ?? (what === 'actor_token' ? await provider.ClientCredentials.find(token) : undefined);
      if (!at || at.isExpired) throw invalidGrant(`${what} is not a live access token`);
      const bound = (at as unknown as { jkt?: string; 'x5t#S256'?: string }).jkt ?? (at as unknown as { 'x5t#S256'?: string })['x5t#S256'];
      if (bound) throw invalidGrant(`${what} is sender-constrained and cannot be exchanged`);
      const grantId = (at as unknown as { grantId?: string }).grantId;
      if (grantId) {
        const grant = await provider.Grant.find(grantId);
        if (!grant || grant.clientId !== at.clientId) throw invalidGrant(`${what} is not a live access token`);
      }
      const accountId = (at as unknown as { accountId?: string }).accountId;
      const extra = (at as unknown as { extra?: { act?: Record<string, unknown> } }).extra;
      return { accountId, clientId: at.clientId as string, scope: at.scope ?? '', grantId, exp: at.exp as number, act: extra?.act };
    }
    if (type === TOKEN_TYPES.accessToken || type === TOKEN_TYPES.idToken) {
      const live = await resolveSignedToken(client, token, type, what, now);
      // a signed token names no grant: the user must still hold one with its client (sign-out, revocation)
      if (live.accountId && !(await opts.grantLinks.hasLiveGrant(live.accountId, live.clientId))) {
        throw invalidGrant(`${what} was revoked (no live grant of its user with its client)`);
      }
      return live;
    }
    throw new errors.InvalidRequest(`unsupported ${what}_type: use ${TOKEN_TYPES.accessToken} or ${TOKEN_TYPES.idToken}`);
  }

  /** Verifies a JWT access token or ID token ccauth signed; @throws invalid_grant. */
  async function resolveSignedToken(client: Client, token: string, type: string, what: string, now: number): Promise<PresentedToken> {
    {
      let payload: Record<string, unknown>;
      let header: Record<string, unknown>;
      try {
        ({ payload, header } = await verifyJwtSignature(provider, token, { issuer: opts.issuer, what }));
      } catch (err) {
        if (err instanceof AssertionError) throw invalidGrant(err.message);
        throw err;
      }
      if (typeof payload.exp !== 'number' || payload.exp <= now) throw invalidGrant(`${what} has expired`);
      if (typeof payload.sub !== 'string') throw invalidGrant(`${what} has no sub`);
      const typ = String(header.typ ?? '').toLowerCase().replace(/^application\//, '');
      if (type === TOKEN_TYPES.accessToken) {
        const auds = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
        if (typ !== 'at+jwt' || !jwt || !auds.includes(jwt.resource)) throw invalidGrant(`${what} is not an access token ccauth issued`);
        const clientId = String(payload.client_id ?? '');
        const isClientToken = payload.sub === clientId;
        return { accountId: isClientToken ? undefined : payload.sub, clientId, scope: String(payload.scope ?? ''), grantId: undefined, exp: payload.exp, act: payload.act as Record<string, unknown> | undefined };
      }
      if (typ === 'at+jwt') throw invalidGrant(`${what} is not an ID token`);
      const auds = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
      // an ID token is a statement to its relying party, not a credential for anyone holding it
      if (!auds.includes(client.clientId)) throw invalidGrant(`${what} is an ID token issued to another client`);
      return { accountId: payload.sub, clientId: client.clientId, scope: '', grantId: undefined, exp: payload.exp, act: undefined };
    }
  }

  return async function tokenExchangeGrant(ctx: KoaContextWithOIDC): Promise<void> {
    const params = ctx.oidc.params as Record<string, string | string[] | undefined>;
    const one = (name: string) => {
      const v = params[name];
      if (Array.isArray(v)) throw new errors.InvalidRequest(`'${name}' must not be repeated`);
      return v || undefined;
    };
    const subjectToken = one('subject_token');
    if (!subjectToken) throw new errors.InvalidRequest("missing required parameter 'subject_token'");
    const actorToken = one('actor_token');
    if (!actorToken && one('actor_token_type')) throw new errors.InvalidRequest("'actor_token_type' given without 'actor_token'");
    const requestedType = one('requested_token_type') ?? TOKEN_TYPES.accessToken;
    if (requestedType !== TOKEN_TYPES.accessToken && requestedType !== TOKEN_TYPES.jwt) {
      throw new errors.InvalidRequest(`unsupported requested_token_type: use ${TOKEN_TYPES.accessToken} or ${TOKEN_TYPES.jwt}`);
    }
    const list = (name: string) => {
      const v = params[name];
      return v === undefined ? [] : Array.isArray(v) ? v : [v];
    };
    const targets = [...list('audience'), ...list('resource')].filter(Boolean);
    const unknownTarget = targets.find((x) => !jwt || x !== jwt.resource);
    if (unknownTarget !== undefined) {
      throw new errors.InvalidTarget(`ccauth issues tokens only for ${jwt ? jwt.resource : 'itself'}`);
    }

    const client = ctx.oidc.client!;
    const extras = client as unknown as CcauthClientExtras;
    const subject = await resolve(client, subjectToken, one('subject_token_type'), 'subject_token');
    if (!subject.accountId) throw invalidGrant('subject_token does not stand for a user');
    const principal: Principal | undefined = await principals.findByAccountId(subject.accountId);
    if (!principal) throw invalidGrant('subject_token does not stand for a user');
    if (principal.kind === 'ops' && subject.clientId !== client.clientId) {
      throw invalidGrant("a token of the ops principal can only be exchanged by the client it was issued to");
    }
    const bound = extras.ccauth_contact_center_ids ?? [];
    if (principal.kind === 'user' && bound.length > 0 && !bound.includes(principal.user.ccid)) {
      throw invalidGrant("subject_token belongs to a user outside this client's contact centers");
    }
    let act: Record<string, unknown> | undefined = subject.act;
    if (actorToken) {
      const actor = await resolve(client, actorToken, one('actor_token_type'), 'actor_token');
      const sub = actor.accountId ?? actor.clientId;
      if (actor.accountId && !(await principals.findByAccountId(actor.accountId))) throw invalidGrant('actor_token does not stand for an enabled user');
      act = { sub, client_id: actor.clientId, ...(subject.act ? { act: subject.act } : {}) };
    }

    // scope: only narrowing (RFC 8693 §2.1 "scope"), and only what this client may have
    const subjectScopes = subject.scope.split(' ').filter(Boolean);
    const requested = one('scope');
    let scope: string;
    if (requested) {
      const wider = requested.split(' ').filter((s) => s && !subjectScopes.includes(ANY_SCOPE) && !subjectScopes.includes(s));
      if (wider.length) throw new errors.InvalidScope('requested scope exceeds the subject token\'s scope', wider.join(' '));
      scope = resolveGrantedScope(extras, requested);
    } else if (subjectScopes.length === 0 || subjectScopes.includes(ANY_SCOPE)) {
      scope = resolveGrantedScope(extras, undefined);
    } else {
      const allowed = extras.ccauth_scopes ?? [];
      const kept = allowed.includes(ANY_SCOPE) ? subjectScopes : subjectScopes.filter((s) => allowed.includes(s) || s === 'openid');
      if (kept.length === 0) throw new errors.InvalidScope('none of the subject token\'s scopes is allowed for this client', subjectScopes.join(' '));
      scope = kept.join(' ');
    }

    const asJwt = requestedType === TOKEN_TYPES.jwt || (targets.length > 0 && !!jwt) || !!jwt?.isJwtClient(client);
    if (asJwt && !jwt) throw new errors.InvalidRequest('JWT access tokens are not available');
    const now = Math.floor(Date.now() / 1000);
    const clientTtl = extras.ccauth_access_token_ttl ?? 3600;
    const expiresIn = Math.max(1, Math.min(clientTtl, subject.exp - now));

    let grantId: string;
    if (subject.grantId && subject.clientId === client.clientId) {
      grantId = subject.grantId;
    } else {
      const grant = new provider.Grant({ accountId: subject.accountId, clientId: client.clientId });
      grant.addOIDCScope(scope);
      if (asJwt && jwt) grant.addResourceScope(jwt.resource, scope);
      grantId = await grant.save();
      const linked = subject.grantId
        ? await opts.grantLinks.link(grantId, digestToken(grantId), subject.grantId, digestToken(subject.grantId))
        : await opts.grantLinks.markWithoutParent(digestToken(grantId));
      if (!linked) throw new Error('exchanged grant could not be linked to the subject grant');
    }

    const at = new provider.AccessToken({
      accountId: subject.accountId,
      client,
      grantId,
      gty: 'token_exchange',
      scope,
      expiresIn,
      ...(act ? { extra: { act } } : {}),
    });
    if (asJwt && jwt) {
      at.resourceServer = new provider.ResourceServer(jwt.resource, { ...jwt.info(client, scope.split(' ').filter(Boolean)), accessTokenTTL: expiresIn });
    }
    ctx.oidc.entity('AccessToken', at);
    const accessToken = await at.save();
    ctx.body = {
      access_token: accessToken,
      issued_token_type: requestedType === TOKEN_TYPES.jwt ? TOKEN_TYPES.jwt : TOKEN_TYPES.accessToken,
      token_type: 'bearer',
      expires_in: at.expiration,
      scope,
    };
  };
}
