/**
 * DPoP, OAuth 2.0 Demonstrating Proof of Possession (RFC 9449): ccauth's policy and the pieces
 * oidc-provider does not supply (README "Security model" → "DPoP").
 *
 * - **Algorithms** ({@link DPOP_SIGNING_ALGS}): the proof algorithms advertised in discovery
 *   (`dpop_signing_alg_values_supported`) and checked at the token endpoint and the resource routes.
 * - **Freshness**: no server nonces (`DPoP-Nonce` is never sent, a proof carrying `nonce` is
 *   refused); a proof's `iat` must lie within {@link DPOP_IAT_WINDOW_SECONDS} of the server clock,
 *   either way — oidc-provider's fixed window at the token endpoint, the same on resource routes.
 * - **Single use** ({@link installReplayDetection}): every proof's `jti` is recorded in PostgreSQL
 *   (`oidc_payloads`, model `ReplayDetection`) by one atomic `INSERT ... ON CONFLICT`, per client,
 *   for as long as its `iat` could still be accepted; a second use on any process is refused.
 *   oidc-provider's own `ReplayDetection.unique` reads then writes (two statements: two processes
 *   could both accept the same proof), so it is replaced.
 * - **Errors at the token endpoint** ({@link asDpopProofError}): a proof that is missing where one is
 *   required, or replayed, is `400 invalid_dpop_proof` (RFC 9449 §5), as is a malformed one
 *   (oidc-provider's own check); a proof of another key than the one a refresh token or
 *   authorization code is bound to stays `invalid_grant`.
 * - **Resource routes** ({@link verifyResourceProof}): RFC 9449 §4.3 and §7.1 checks for ccauth's own
 *   routes (userinfo, Environment API), used by http/middleware/access-token.ts.
 */
import { hash } from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify } from 'jose';
import type { JWK } from 'jose';
import { errors } from 'oidc-provider';
import type Provider from 'oidc-provider';
import type { ReplayStore } from '../repositories/oidc-payloads.repository.ts';
import { digestToken } from '../security/tokens.ts';

/**
 * JWS algorithms accepted for DPoP proofs (RFC 9449 §5.1 `dpop_signing_alg_values_supported`):
 * asymmetric only (§4.2 forbids MACs and `none`).
 */
export const DPOP_SIGNING_ALGS = ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512', 'Ed25519', 'EdDSA'] as const;

/**
 * Largest difference, in seconds, between a proof's `iat` and the server clock, in either
 * direction (RFC 9449 §11.1). 300 s is oidc-provider's own window at the token endpoint
 * (`CHALLENGE_OK_WINDOW`), which it does not let us change; resource routes use the same one.
 */
export const DPOP_IAT_WINDOW_SECONDS = 300;

/** Longest `jti` accepted, characters (RFC 9449 §4.2 asks for at least 96 bits of randomness). */
const MAX_JTI_LENGTH = 256;

/** Details of oidc-provider `InvalidGrant` errors that are really about the DPoP proof. */
const PROOF_DETAILS = new Set(['DPoP proof JWT Replay detected', 'DPoP proof JWT not provided', 'missing DPoP proof JWT']);

/**
 * Maps oidc-provider's `invalid_grant` answers about the proof itself (missing where required,
 * replayed) to `invalid_dpop_proof` (RFC 9449 §5); any other error is returned unchanged.
 */
export function asDpopProofError(err: unknown): unknown {
  if (err instanceof errors.InvalidGrant) {
    const detail = (err as { error_detail?: string }).error_detail;
    if (detail && PROOF_DETAILS.has(detail)) return new errors.InvalidDpopProof(detail === 'missing DPoP proof JWT' ? 'DPoP proof JWT not provided' : detail);
  }
  return err;
}

/**
 * Records a proof's `jti` for `iss` (the client id) once; false when it was seen before.
 * @param expiresAtSeconds epoch seconds until which the record must hold.
 */
export type ProofReplayCheck = (iss: string, jti: string, expiresAtSeconds: number) => Promise<boolean>;

/**
 * The atomic single-use check over PostgreSQL (module comment). The stored id is oidc-provider's
 * own (`sha256(iss + jti)`, digested again like every adapter id), so both paths agree.
 */
export function createProofReplayCheck(store: ReplayStore): ProofReplayCheck {
  return async (iss, jti, expiresAtSeconds) => {
    const id = hash('sha256', `${iss}${jti}`, 'base64url');
    return store.insertOnce('ReplayDetection', digestToken(id), { iss }, iss, new Date(expiresAtSeconds * 1000));
  };
}

/**
 * Replaces `provider.ReplayDetection.unique` (used for DPoP proofs at the token endpoint) with the
 * atomic check. oidc-provider passes `exp` = now + its window; the record is kept one more window,
 * so a proof dated up to the window into the future cannot be replayed once its record expires.
 */
export function installReplayDetection(provider: Provider, check: ProofReplayCheck): void {
  Object.defineProperty(provider.ReplayDetection, 'unique', {
    value: (iss: string, jti: string, exp: number) => check(iss, jti, exp + DPOP_IAT_WINDOW_SECONDS),
    configurable: true,
    writable: true,
  });
}

/** Why a resource request's proof was refused: RFC 9449 §7.1 error code and a description. */
export interface ProofFailure {
  error: 'invalid_dpop_proof' | 'invalid_token';
  description: string;
}

/** A proof that passed the checks that need no token: its key's thumbprint, `jti` and `iat`. */
export interface CheckedProof {
  /** RFC 7638 SHA-256 thumbprint of the proof's `jwk` (the token's `cnf.jkt` must equal it). */
  jkt: string;
  jti: string;
  /** Epoch seconds. */
  iat: number;
}

const fail = (description: string): ProofFailure => ({ error: 'invalid_dpop_proof', description });

/** `htu` compared after RFC 3986 §6.2.2-6.2.3 normalisation, without query and fragment (RFC 9449 §4.3 step 9). */
function sameHtu(claimed: unknown, expected: string): boolean {
  if (typeof claimed !== 'string') return false;
  const actual = URL.parse(claimed);
  if (!actual) return false;
  actual.search = '';
  actual.hash = '';
  return actual.href === new URL(expected).href;
}

/**
 * Checks a DPoP proof presented to one of ccauth's resource routes (RFC 9449 §4.3, §7.1): one
 * proof, a compact JWS with `typ: dpop+jwt`, an algorithm of {@link DPOP_SIGNING_ALGS}, a public
 * `jwk` whose signature verifies, `jti`, `htm` = the request method, `htu` = `expectedHtu` (built
 * from PUBLIC_URL, never from `Host`), `iat` within {@link DPOP_IAT_WINDOW_SECONDS}, no `nonce`,
 * and `ath` = base64url(SHA-256(access token)). Single use and the key binding are checked by the
 * caller once the token is known ({@link checkProofBinding}).
 * @returns the checked proof, or the failure to answer with (never throws).
 */
export async function verifyResourceProof(input: { proof: string | undefined; method: string; expectedHtu: string; accessToken: string }): Promise<CheckedProof | ProofFailure> {
  const { proof } = input;
  if (!proof) return fail('a DPoP proof is required with the DPoP authorization scheme');
  let payload: Record<string, unknown>;
  let jwk: JWK;
  try {
    const verified = await jwtVerify(proof, EmbeddedJWK, { algorithms: [...DPOP_SIGNING_ALGS], typ: 'dpop+jwt' });
    payload = verified.payload as Record<string, unknown>;
    jwk = verified.protectedHeader.jwk as JWK;
  } catch {
    return fail('invalid DPoP proof JWT');
  }
  const { iat, jti, htm, htu, ath, nonce } = payload;
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return fail('DPoP proof must have a numeric iat');
  if (typeof jti !== 'string' || !jti || jti.length > MAX_JTI_LENGTH) return fail('DPoP proof must have a jti string');
  if (nonce !== undefined) return fail('DPoP nonces are not supported');
  if (Math.abs(Math.floor(Date.now() / 1000) - iat) > DPOP_IAT_WINDOW_SECONDS) return fail('DPoP proof iat is not recent enough');
  if (htm !== input.method) return fail('DPoP proof htm mismatch');
  if (!sameHtu(htu, input.expectedHtu)) return fail('DPoP proof htu mismatch');
  if (ath !== hash('sha256', input.accessToken, 'base64url')) return fail('DPoP proof ath mismatch');
  return { jkt: await calculateJwkThumbprint(jwk), jti, iat };
}

/**
 * The checks that need the token (RFC 9449 §4.3 steps 11-12, §7.1): the token must be DPoP-bound,
 * its `cnf.jkt` must be the proof key's thumbprint, and the proof's `jti` must not have been used
 * before by the token's client (recorded until `iat` + two windows).
 * @returns undefined when the proof is accepted, otherwise the failure.
 */
export async function checkProofBinding(proof: CheckedProof, token: { clientId: string; jkt: string | undefined }, replay: ProofReplayCheck): Promise<ProofFailure | undefined> {
  if (!token.jkt) return { error: 'invalid_token', description: 'the access token is not DPoP-bound; present it with the Bearer scheme' };
  if (token.jkt !== proof.jkt) return { error: 'invalid_token', description: 'the DPoP proof key does not match the access token' };
  const now = Math.floor(Date.now() / 1000);
  if (!(await replay(token.clientId, proof.jti, Math.max(now, proof.iat) + 2 * DPOP_IAT_WINDOW_SECONDS))) return fail('DPoP proof JWT Replay detected');
  return undefined;
}
