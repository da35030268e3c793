/**
 * Scope rules (RFC 6749 §3.3) for Genesys clients, the same at the token and the authorization
 * endpoint: a client whose scope list contains `*` may ask for every scope the provider declares
 * and any API scope, and gets `*` when it asks for none (Genesys "Provision Genesys
 * Authentication": `"scope": "*"`); any other client may ask only for `openid`, `offline_access`
 * and the scopes in its list, and gets its whole list when it asks for none.
 *
 * oidc-provider knows only the scopes it declares: at the authorization endpoint it drops any other
 * scope before the grant is made (API scopes then never reach the code and its tokens, and a
 * request left with no scope ends in `access_denied` after the sign-in). {@link installScopePolicy}
 * makes it keep every requested scope, and {@link authorizationScope} (run by oidc-provider as the
 * `scope` entry of `extraParams`, after the client and its redirect URI are validated) applies the
 * rule above, so errors go back to the client as `invalid_scope` redirects (RFC 6749 §4.1.2.1).
 */
import { errors } from 'oidc-provider';
import type Provider from 'oidc-provider';
import type { Client, KoaContextWithOIDC } from 'oidc-provider';
import type { CcauthClientExtras } from './client-metadata.ts';
import { ANY_SCOPE } from './client-metadata.ts';

/**
 * The scope string to grant for a request.
 * @param requested the raw `scope` parameter (space-delimited), possibly undefined.
 * @throws errors.InvalidScope when a requested scope is not allowed for the client.
 */
export function resolveGrantedScope(client: Pick<CcauthClientExtras, 'ccauth_scopes'>, requested: string | undefined): string {
  const allowed = client.ccauth_scopes ?? [];
  const asked = [...new Set((requested ?? '').split(' ').filter(Boolean))];
  if (allowed.includes(ANY_SCOPE)) return asked.length ? asked.join(' ') : ANY_SCOPE;
  const denied = asked.filter((s) => !allowed.includes(s) && s !== 'openid' && s !== 'offline_access');
  if (denied.length) throw new errors.InvalidScope('requested scope is not allowed', denied.join(' '));
  return (asked.length ? asked : allowed).join(' ');
}

/**
 * oidc-provider `extraParams` validator for `scope` on the authorization endpoint: replaces the
 * request's scope with the one to grant ({@link resolveGrantedScope}): the default when the request
 * names none, the requested scopes otherwise.
 * @throws errors.InvalidScope for a scope outside a restricted client's list (sent back to the
 *   client's redirect URI by oidc-provider).
 */
export async function authorizationScope(ctx: KoaContextWithOIDC, value: string | undefined, client: Client | undefined): Promise<void> {
  if (!client) return;
  const scope = resolveGrantedScope(client as unknown as CcauthClientExtras, value);
  (ctx.oidc.params as { scope?: string }).scope = scope || undefined;
}

/**
 * Makes `provider` treat every scope of an authorization request as one the grant may hold (its
 * `requestParamOIDCScopes` is otherwise limited to the declared scopes), so API scopes reach the
 * grant, the consent page, the authorization code and its tokens. What a client may ask for is
 * enforced by {@link authorizationScope} (and oidc-provider's own check of declared scopes).
 * The change is on this provider's own context class; other providers are untouched.
 */
export function installScopePolicy(provider: Provider): void {
  const OIDCContext = (provider as unknown as { OIDCContext: { prototype: object } }).OIDCContext;
  Object.defineProperty(OIDCContext.prototype, 'requestParamOIDCScopes', {
    configurable: true,
    get(this: { params?: { scope?: unknown } }): Set<string> {
      const scope = this.params?.scope;
      return new Set(typeof scope === 'string' ? scope.split(' ').filter(Boolean) : []);
    },
  });
}
