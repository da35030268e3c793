/**
 * ccauth as an OpenID Connect relying party of a contact center's upstream identity provider
 * (README "Signing in" → "Single sign-on"), on openid-client 6: discovery (OIDC Discovery 1.0),
 * the authorization code flow with PKCE S256 (RFC 7636), `state` and `nonce`, and the ID token
 * checks of OIDC Core §3.1.3.7 (signature against the issuer's JWKS, `iss`, `aud`, `exp`, `iat`,
 * `nonce`) done by openid-client. Client authentication at the upstream token endpoint:
 * `client_secret_basic` (RFC 6749 §2.3.1).
 */
import { createHash } from 'node:crypto';
import * as oidc from 'openid-client';

/** How long a discovered configuration is reused, in milliseconds. */
export const DISCOVERY_TTL_MS = 3600_000;

/** An upstream as the relying party needs it (the client secret in clear, only in memory). */
export interface OidcUpstream {
  ccid: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  scope: string;
}

/** The redirect URI ccauth registers at the upstream for contact center `ccid`. */
export function oidcCallbackUrl(publicUrl: string, ccid: string): string {
  return `${publicUrl}/auth/v3/oidc/${ccid}/callback`;
}

/** Why an upstream answer was refused (never a token). */
export class OidcRefusal extends Error {
  override name = 'OidcRefusal';
}

/** The verified ID token claims. */
export type IdTokenClaims = Record<string, unknown> & { sub: string; iss: string };

/** What `begin` produced: where to send the browser and the secrets to keep until the callback. */
export interface OidcStart {
  url: string;
  state: string;
  codeVerifier: string;
  nonce: string;
}

/** Builds the relying party. `allowInsecure`: plain-http issuers (development and tests only). */
export function createOidcRelyingParty(deps: { publicUrl: string; allowInsecure: boolean }) {
  const configs = new Map<string, { config: Promise<oidc.Configuration>; untilMs: number }>();
  const keyOf = (u: OidcUpstream) => `${u.ccid}|${u.issuer}|${u.clientId}|${createHash('sha256').update(u.clientSecret).digest('base64url')}`;

  /** The discovered configuration of an upstream. @throws OidcRefusal when discovery fails */
  const configOf = (u: OidcUpstream): Promise<oidc.Configuration> => {
    const key = keyOf(u);
    const hit = configs.get(key);
    if (hit && hit.untilMs > Date.now()) return hit.config;
    const config = oidc
      .discovery(new URL(u.issuer), u.clientId, undefined, oidc.ClientSecretBasic(u.clientSecret), deps.allowInsecure ? { execute: [oidc.allowInsecureRequests], timeout: 10 } : { timeout: 10 })
      .catch((err: unknown) => {
        configs.delete(key);
        throw new OidcRefusal(`discovery of ${u.issuer} failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 200));
      });
    if (configs.size > 1000) configs.clear();
    configs.set(key, { config, untilMs: Date.now() + DISCOVERY_TTL_MS });
    return config;
  };

  return {
    /** Discovers the upstream; returns its authorization endpoint. @throws OidcRefusal */
    async discover(u: OidcUpstream): Promise<{ authorizationEndpoint: string }> {
      const md = (await configOf(u)).serverMetadata();
      if (!md.authorization_endpoint || !md.token_endpoint) throw new OidcRefusal('the issuer advertises no authorization or token endpoint');
      return { authorizationEndpoint: md.authorization_endpoint };
    },

    /** The authorization request (code flow, PKCE S256, state, nonce). @throws OidcRefusal */
    async begin(u: OidcUpstream): Promise<OidcStart> {
      const config = await configOf(u);
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: oidcCallbackUrl(deps.publicUrl, u.ccid),
        response_type: 'code',
        scope: u.scope,
        state,
        nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
      });
      return { url: url.href, state, codeVerifier, nonce };
    },

    /**
     * Redeems the code of the callback URL and verifies the ID token.
     * @param currentUrl the callback URL as received (with `code` and `state`, or `error`)
     * @throws OidcRefusal on an error response, a state/nonce/issuer/audience mismatch, a bad signature
     */
    async finish(u: OidcUpstream, currentUrl: URL, checks: { state: string; codeVerifier: string; nonce: string }): Promise<IdTokenClaims> {
      const config = await configOf(u);
      try {
        const tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
          pkceCodeVerifier: checks.codeVerifier,
          expectedState: checks.state,
          expectedNonce: checks.nonce,
          idTokenExpected: true,
        });
        const claims = tokens.claims();
        if (!claims) throw new OidcRefusal('no ID token');
        return claims as IdTokenClaims;
      } catch (err) {
        if (err instanceof OidcRefusal) throw err;
        // openid-client wraps oauth4webapi's error, whose message names the failed check and
        // whose cause names the ID token claim (iss, aud, nonce, ...); never the token itself
        const e = err as { message?: string; error?: string; code?: string; cause?: { message?: string; cause?: { claim?: unknown } } };
        const inner = typeof e.cause?.message === 'string' ? ` (${e.cause.message})` : '';
        const claimName = e.cause?.cause?.claim;
        const claim = typeof claimName === 'string' ? ` [ID token claim ${claimName}]` : '';
        throw new OidcRefusal(`${e.error ?? e.code ?? 'refused'}: ${e.message ?? ''}${inner}${claim}`.slice(0, 300));
      }
    },
  };
}

export type OidcRelyingParty = ReturnType<typeof createOidcRelyingParty>;
