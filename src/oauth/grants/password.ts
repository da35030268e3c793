/**
 * The resource owner password credentials grant (RFC 6749 §4.3), which oidc-provider does not
 * ship; registered with `provider.registerGrantType('password', ...)` (design.md §3).
 *
 * Client authentication and the "grant type allowed for this client" check have already run. The
 * handler authenticates the resource owner (ops principal or `domain\user`), saves a Grant, and
 * issues an access token (and a refresh token when the client has the `refresh_token` grant)
 * linked to it, so introspection, userinfo and refresh find them. With a valid `DPoP` proof the
 * access token is bound to its key (`token_type: "DPoP"`), and so is a public client's refresh
 * token (RFC 9449 §5); a malformed or replayed proof, or none from a `dpop_bound_access_tokens`
 * client, is `400 invalid_dpop_proof` before the password is looked at (oauth/dpop.ts).
 *
 * Errors: `invalid_request` (missing username/password), `invalid_grant` "Bad credentials" (wrong
 * username or password, disabled user, user outside the client's contact centers), `invalid_grant`
 * "password change required" (right password, but `mustChangePassword` is set or the password is
 * older than the contact center's `password-max-age-days`: POST /auth/v3/change-password first), `invalid_scope`,
 * `invalid_target` (a `resource` other than a jwt client's API resource, RFC 8707 §2; checked before
 * the password),
 * and 429 `invalid_request` "too many failed attempts; retry later" with `Retry-After` when the
 * login name or the address is over a failed-authentication limit (RFC 6749 §4.3.2 "MUST protect
 * the endpoint against brute force attacks"; services/rate-limit.service.ts). Every failure counts
 * and is a `login_failed` security event; a success resets the (name, address) count.
 */
import { errors } from 'oidc-provider';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { PrincipalsService } from '../../services/principals.service.ts';
import type { CcauthClientExtras } from '../client-metadata.ts';
import { resolveGrantedScope } from '../scopes.ts';
import { assertRequestedResource } from '../jwt-access-tokens.ts';
import type { JwtAccessTokens } from '../jwt-access-tokens.ts';
import type { CredentialGuard } from '../../services/rate-limit.service.ts';
import { tooManyAttempts } from '../client-auth.ts';
import { boundGrantHelpers } from './builtin-helpers.ts';
import { createDpopBinder } from './dpop-binding.ts';

/** Token-request parameters; `resource` may repeat (RFC 8707 §2). */
export const PASSWORD_GRANT_PARAMETERS = ['username', 'password', 'scope', 'tenant', 'resource'];
/** Parameters that may repeat. */
export const PASSWORD_GRANT_DUPES = ['resource'];

/**
 * Creates the handler bound to `provider` and the principals service. With `jwt`, a jwt-format
 * client gets an RFC 9068 JWT access token for the API resource (`sub` = account id); its refresh
 * token carries that resource, so refreshing also yields JWTs. Opaque clients are unaffected.
 * With `guard`, failed attempts are limited (see the module comment). With `ssoOnly`, a user of a
 * contact center that signs in only through its identity provider (README "Single sign-on") is
 * refused `invalid_grant` with a description saying so, once the password was right (a wrong one
 * still answers "Bad credentials").
 */
export function createPasswordGrantHandler(provider: Provider, principals: PrincipalsService, jwt?: JwtAccessTokens, guard?: CredentialGuard, ssoOnly?: (ccid: string) => Promise<boolean>) {
  const dpop = createDpopBinder(provider);
  const { applyRefreshTokenBindings } = boundGrantHelpers(provider) as { applyRefreshTokenBindings(ctx: KoaContextWithOIDC, at: unknown, rt: unknown): Promise<void> };
  return async function passwordGrant(ctx: KoaContextWithOIDC): Promise<void> {
    const params = ctx.oidc.params as Record<string, string | undefined>;
    const { username, password } = params;
    if (!username) throw new errors.InvalidRequest("missing required parameter 'username'");
    if (!password) throw new errors.InvalidRequest("missing required parameter 'password'");
    const proof = await dpop.validate(ctx);

    const client = ctx.oidc.client!;
    const extras = client as unknown as CcauthClientExtras;
    const scope = resolveGrantedScope(extras, params.scope);
    assertRequestedResource(jwt, client, (ctx.oidc.params as { resource?: unknown }).resource);

    const attempt = guard
      ? await guard.begin({ kind: 'user', login: username, tenant: params.tenant }, ctx.ip, { surface: 'password_grant', log: ctx.log, clientId: client.clientId })
      : undefined;
    if (attempt && !attempt.ok) throw tooManyAttempts(ctx, attempt.retryAfterSeconds);
    let principal: Awaited<ReturnType<PrincipalsService['authenticate']>>;
    try {
      principal = await principals.authenticate(username, password, params.tenant);
    } catch (err) {
      await attempt?.cancel();
      throw err;
    }
    const bound = extras.ccauth_contact_center_ids ?? [];
    if (!principal || (principal.kind === 'user' && bound.length > 0 && !bound.includes(principal.user.ccid))) {
      await attempt?.failed();
      const err = new errors.InvalidGrant('resource owner authentication failed');
      err.error_description = 'Bad credentials';
      throw err;
    }
    await attempt?.succeeded();
    if (principal.kind === 'user' && ssoOnly && (await ssoOnly(principal.user.ccid))) {
      const err = new errors.InvalidGrant('single sign-on only');
      err.error_description = "this contact center's users sign in through their organization's identity provider (single sign-on); the password grant is not available to them";
      throw err;
    }
    if (principal.kind === 'user' && principal.passwordChangeRequired) {
      // the password was right (so it counted as a success), but it must be changed first
      // (README "Password change and policy"; Genesys Workspace's change-password dialog)
      const err = new errors.InvalidGrant('password change required');
      err.error_description = 'password change required';
      throw err;
    }

    const grant = new provider.Grant({ accountId: principal.accountId, clientId: client.clientId });
    const withRefresh = client.grantTypeAllowed('refresh_token');
    grant.addOIDCScope([scope, withRefresh ? 'offline_access' : ''].filter(Boolean).join(' '));
    const resource = jwt?.isJwtClient(client) ? jwt.resource : undefined;
    if (resource) grant.addResourceScope(resource, scope);
    // save() names the grant before its first await; grant and tokens are then written together
    // (one statement: repositories/payload-writer.ts batches the rows of one event-loop turn)
    const grantSaved = grant.save();
    const grantId = grant.jti as string;

    const at = new provider.AccessToken({ accountId: principal.accountId, client, grantId, gty: 'password', scope });
    jwt?.attach(provider, at, client, scope);
    dpop.bind(proof, at);
    ctx.oidc.entity('AccessToken', at);
    let rt: InstanceType<Provider['RefreshToken']> | undefined;
    if (withRefresh) {
      rt = new provider.RefreshToken({ accountId: principal.accountId, client, grantId, gty: 'password', scope, ...(resource ? { resource } : {}) });
      await applyRefreshTokenBindings(ctx, at, rt); // a public client's refresh token gets the access token's jkt
      ctx.oidc.entity('RefreshToken', rt);
    }
    const [, accessToken, refreshToken] = await Promise.all([grantSaved, at.save(), rt?.save()]);

    ctx.body = {
      access_token: accessToken,
      token_type: at.jkt ? 'DPoP' : 'bearer',
      expires_in: at.expiration,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      scope,
    };
  };
}
