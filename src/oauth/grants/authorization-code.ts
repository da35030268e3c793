/**
 * The authorization_code grant (RFC 6749 §4.1.3, PKCE RFC 7636): oidc-provider's own handler, run
 * under {@link persistBeforeResponse} (oauth/write-behind.ts). oidc-provider saves the access token
 * and only then the refresh token; here both are queued and leave in one statement, and the
 * response waits for that commit (design.md §3: tokens are persisted before they are handed out).
 * DPoP (RFC 9449 §5) is oidc-provider's; a missing-but-required or replayed proof answers
 * `invalid_dpop_proof` instead of its `invalid_grant` (oauth/dpop.ts).
 */
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import * as builtin from 'oidc-provider/lib/actions/grants/authorization_code.js';
import { boundGrantHelpers } from './builtin-helpers.ts';
import { persistBeforeResponse } from '../write-behind.ts';
import { asDpopProofError } from '../dpop.ts';

/**
 * The grant's token-request parameters, as oidc-provider registers them itself: `code`,
 * `code_verifier`, `redirect_uri`, plus `resource` (which may repeat) when resource indicators
 * (RFC 8707) are enabled.
 */
export function authorizationCodeParameters(resourceIndicators: boolean): { parameters: string[]; dupes?: string[] } {
  return resourceIndicators ? { parameters: [...builtin.parameters, 'resource'], dupes: ['resource'] } : { parameters: [...builtin.parameters] };
}

/** Creates the handler bound to `provider`. */
export function createAuthorizationCodeHandler(provider: Provider) {
  const helpers = boundGrantHelpers(provider);
  return async function authorizationCodeGrant(ctx: KoaContextWithOIDC): Promise<void> {
    try {
      await persistBeforeResponse(ctx, () => builtin.handler(provider, helpers, ctx));
    } catch (err) {
      throw asDpopProofError(err);
    }
  };
}
