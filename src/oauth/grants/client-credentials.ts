/**
 * The client credentials grant (RFC 6749 §4.4; seeds 001 and 004), replacing oidc-provider's
 * built-in handler because that one silently drops scopes the provider does not declare, while
 * Genesys `["*"]` clients may ask for any scope (genesys-api.md §8.5: Cora sends its own
 * space-delimited scopes).
 *
 * Client authentication and the grant-type check have already run. Issues an opaque
 * ClientCredentials token (no refresh token), stored by digest like every other token. With a valid
 * `DPoP` proof the token is bound to its key (`token_type: "DPoP"`, RFC 9449 §5; oauth/dpop.ts).
 * Errors: `invalid_scope` for a scope outside a restricted client's list; `invalid_target` for a
 * `resource` other than the API resource of a jwt-format client (RFC 8707 §2); `invalid_dpop_proof`
 * for a malformed or replayed proof, or none from a `dpop_bound_access_tokens` client.
 */
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { CcauthClientExtras } from '../client-metadata.ts';
import { resolveGrantedScope } from '../scopes.ts';
import { assertRequestedResource } from '../jwt-access-tokens.ts';
import type { JwtAccessTokens } from '../jwt-access-tokens.ts';
import { createDpopBinder } from './dpop-binding.ts';

/** Token-request parameters; `resource` may repeat (RFC 8707 §2). */
export const CLIENT_CREDENTIALS_PARAMETERS = ['scope', 'resource'];
/** Parameters that may repeat. */
export const CLIENT_CREDENTIALS_DUPES = ['resource'];

/**
 * Creates the handler bound to `provider`. With `jwt`, a jwt-format client gets an RFC 9068 JWT
 * access token for the API resource (`sub` = `client_id`); opaque clients are unaffected.
 */
export function createClientCredentialsHandler(provider: Provider, jwt?: JwtAccessTokens) {
  const dpop = createDpopBinder(provider);
  return async function clientCredentialsGrant(ctx: KoaContextWithOIDC): Promise<void> {
    const client = ctx.oidc.client!;
    const params = ctx.oidc.params as { scope?: string; resource?: unknown };
    assertRequestedResource(jwt, client, params.resource);
    const proof = await dpop.validate(ctx);
    const scope = resolveGrantedScope(client as unknown as CcauthClientExtras, params.scope);
    const token = new provider.ClientCredentials({ client, scope });
    jwt?.attach(provider, token, client, scope);
    dpop.bind(proof, token);
    ctx.oidc.entity('ClientCredentials', token);
    const value = await token.save();
    ctx.body = { access_token: value, token_type: token.jkt ? 'DPoP' : 'bearer', expires_in: token.expiration, scope };
  };
}
