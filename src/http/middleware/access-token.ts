/**
 * How an access token is presented to ccauth's own resource routes (Genesys userinfo, OIDC userinfo,
 * the Environment API) and verified: RFC 6750 Bearer, or RFC 9449 DPoP (README "Security model" →
 * "DPoP").
 *
 * - `Authorization: Bearer <token>` (or, where a route allows it, an `access_token` form field):
 *   accepted for unbound tokens exactly as before. A DPoP-bound token (`cnf.jkt`) presented this
 *   way is refused (RFC 9449 §7.1): a stolen bound token is useless without its private key.
 * - `Authorization: DPoP <token>` + one `DPoP: <proof>` header: the proof must pass every check of
 *   oauth/dpop.ts `verifyResourceProof` (`htu` = PUBLIC_URL + the request path), the token must be
 *   bound to the proof's key, and the proof's `jti` must be new (single use across processes).
 * - Refusals are 401 with `WWW-Authenticate` (RFC 6750 §3, RFC 9449 §7.1): Bearer requests keep the
 *   Bearer challenge (`Bearer realm="ccauth", error="invalid_token"`); DPoP requests and bound
 *   tokens sent as Bearer get `DPoP realm="ccauth", error="invalid_token"|"invalid_dpop_proof",
 *   error_description="...", algs="..."`. Routes write the body in their own shape.
 */
import type { Context } from 'koa';
import type { ResolvedToken, TokenLookup } from '../../oauth/token-lookup.ts';
import { DPOP_SIGNING_ALGS, checkProofBinding, verifyResourceProof } from '../../oauth/dpop.ts';
import type { ProofReplayCheck } from '../../oauth/dpop.ts';
import { REALM } from './realm.ts';

/** A token found in the request: its value and the scheme it came with (`bearer` also for a form field). */
export interface PresentedToken {
  scheme: 'bearer' | 'dpop';
  token: string;
}

/** What the `Authorization` header holds: a token, a malformed Bearer/DPoP value, or something else (undefined). */
export type ParsedAuthorization = PresentedToken | { malformed: 'bearer' | 'dpop' } | undefined;

const TOKEN68 = '([A-Za-z0-9\\-._~+/]+=*)';
const BEARER = new RegExp(`^bearer\\s+${TOKEN68}\\s*$`, 'i');
const DPOP = new RegExp(`^dpop\\s+${TOKEN68}\\s*$`, 'i');

/**
 * Parses `Authorization` for the Bearer (RFC 6750 §2.1) and DPoP (RFC 9449 §7.1) schemes; scheme
 * names match case-insensitively (Genesys clients send `bearer`).
 */
export function parseAuthorization(header: string | undefined): ParsedAuthorization {
  if (!header) return undefined;
  if (/^bearer(\s|$)/i.test(header)) {
    const m = BEARER.exec(header);
    return m ? { scheme: 'bearer', token: m[1]! } : { malformed: 'bearer' };
  }
  if (/^dpop(\s|$)/i.test(header)) {
    const m = DPOP.exec(header);
    return m ? { scheme: 'dpop', token: m[1]! } : { malformed: 'dpop' };
  }
  return undefined;
}

/** The outcome of {@link AccessTokenVerifier}: the live token, or the 401 to answer. */
export type AccessTokenOutcome =
  | { ok: true; token: ResolvedToken }
  | { ok: false; error: 'invalid_token' | 'invalid_dpop_proof'; description: string; challenge: string };

/** Verifies a presented token for the current request (module comment). Throws only database errors. */
export type AccessTokenVerifier = (ctx: Context, presented: PresentedToken) => Promise<AccessTokenOutcome>;

const quote = (s: string) => s.replace(/["\\]/g, '');

/** The `WWW-Authenticate` value of a refused DPoP request (RFC 9449 §7.1); `error` omitted when undefined. */
export function dpopChallenge(error?: string, description?: string): string {
  const parts = [`DPoP realm="${REALM}"`];
  if (error) parts.push(`error="${error}"`);
  if (description) parts.push(`error_description="${quote(description)}"`);
  parts.push(`algs="${DPOP_SIGNING_ALGS.join(' ')}"`);
  return parts.join(', ');
}

/**
 * Builds the verifier.
 * @param deps.lookupToken the one-statement token read (oauth/token-lookup.ts).
 * @param deps.replay the proof `jti` single-use record (oauth/dpop.ts `createProofReplayCheck`).
 * @param deps.publicUrl PUBLIC_URL; `htu` is `publicUrl` + the request path.
 */
export function createAccessTokenVerifier(deps: { lookupToken: TokenLookup; replay: ProofReplayCheck; publicUrl: string }): AccessTokenVerifier {
  const base = deps.publicUrl.replace(/\/+$/, '');
  const invalidBearer: AccessTokenOutcome = {
    ok: false,
    error: 'invalid_token',
    description: 'the access token is invalid, expired or revoked',
    challenge: `Bearer realm="${REALM}", error="invalid_token"`,
  };
  const refuseDpop = (error: 'invalid_token' | 'invalid_dpop_proof', description: string): AccessTokenOutcome => ({ ok: false, error, description, challenge: dpopChallenge(error, description) });

  return async (ctx, presented) => {
    if (presented.scheme === 'bearer') {
      const token = await deps.lookupToken(presented.token);
      if (!token) return invalidBearer;
      // RFC 9449 §7.1: a DPoP-bound token is only accepted with its proof
      if (token.jkt) return refuseDpop('invalid_token', 'the access token is DPoP-bound; present it with the DPoP scheme and a proof');
      return { ok: true, token };
    }
    const proof = await verifyResourceProof({ proof: ctx.get('DPoP') || undefined, method: ctx.method, expectedHtu: `${base}${ctx.path}`, accessToken: presented.token });
    if ('error' in proof) return refuseDpop(proof.error, proof.description);
    const token = await deps.lookupToken(presented.token);
    if (!token) return refuseDpop('invalid_token', 'the access token is invalid, expired or revoked');
    const failure = await checkProofBinding(proof, token, deps.replay);
    if (failure) return refuseDpop(failure.error, failure.description);
    return { ok: true, token };
  };
}
