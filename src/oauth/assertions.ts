/**
 * Verification of signed JWTs presented to ccauth (RFC 7523 §3; RFC 8693 §2.1 JWT subject and
 * actor tokens): the signature against ccauth's own published signing keys (a JWT ccauth issued)
 * or against the keys registered on a client (`jwks`, or `jwks_uri` fetched and cached by
 * oidc-provider, refetched when a `kid` is unknown so that key rotation is honoured).
 *
 * Only asymmetric algorithms are accepted ({@link ASSERTION_ALGS}): never `none`, never HS*.
 * Every failure is an {@link AssertionError} whose message names the failed check and never
 * contains the JWT.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type Provider from 'oidc-provider';
import type { Client } from 'oidc-provider';
import { verify as verifyWithKeystore } from 'oidc-provider/lib/helpers/jwt.js';
import instance from 'oidc-provider/lib/helpers/weak_cache.js';
import { createHash } from 'node:crypto';
import { CLIENT_ASSERTION_ALGS } from '../domain/client-keys.ts';

/** JWS algorithms accepted on presented JWTs (RFC 7518 §3.1, RFC 8037). */
export const ASSERTION_ALGS: readonly string[] = CLIENT_ASSERTION_ALGS;

/** Seconds of clock difference tolerated on `exp`, `nbf` and `iat` (oidc-provider's default). */
export const CLOCK_TOLERANCE_SECONDS = 15;

/** A failed check; `message` is safe to return as `error_description`. */
export class AssertionError extends Error {}

/** Who signed a verified JWT: ccauth itself, or the client whose keys verified it. */
export type Signer = { kind: 'issuer' } | { kind: 'client'; clientId: string };

/** A verified JWT. */
export interface VerifiedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signer: Signer;
}

/** The unverified header and payload, or an AssertionError when the value is not a compact JWS. */
export function decodeUnverified(jwt: unknown, what: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  if (typeof jwt !== 'string' || jwt.length === 0 || jwt.length > 16_384 || jwt.split('.').length !== 3) {
    throw new AssertionError(`${what} is not a signed JWT (compact JWS)`);
  }
  try {
    return { header: decodeProtectedHeader(jwt) as Record<string, unknown>, payload: decodeJwt(jwt) as Record<string, unknown> };
  } catch {
    throw new AssertionError(`${what} is not a signed JWT (compact JWS)`);
  }
}

/**
 * Verifies `jwt`'s signature. The signer is chosen by `iss`: ccauth's issuer identifier → the
 * provider's own keys; `client.clientId` (when `client` is given) → the client's registered keys.
 * Claims other than `iss` are not checked here.
 * @throws AssertionError (alg not allowed, unknown issuer, no keys registered, keys not
 *   fetchable, signature invalid)
 */
export async function verifyJwtSignature(provider: Provider, jwt: string, opts: { issuer: string; client?: Client; what: string }): Promise<VerifiedJwt> {
  const { header, payload } = decodeUnverified(jwt, opts.what);
  if (typeof header.alg !== 'string' || !ASSERTION_ALGS.includes(header.alg)) {
    throw new AssertionError(`${opts.what} alg must be one of ${ASSERTION_ALGS.join(', ')}`);
  }
  let keystore: unknown;
  let signer: Signer;
  if (payload.iss === opts.issuer) {
    keystore = instance(provider).keystore;
    signer = { kind: 'issuer' };
  } else if (opts.client && payload.iss === opts.client.clientId) {
    const meta = opts.client.metadata() as { jwks?: unknown; jwks_uri?: unknown };
    if (!meta.jwks && !meta.jwks_uri) throw new AssertionError(`${opts.what} iss is the client, but the client has no registered keys (jwks or jwksUri)`);
    keystore = (opts.client as unknown as { asymmetricKeyStore: unknown }).asymmetricKeyStore;
    signer = { kind: 'client', clientId: opts.client.clientId };
  } else {
    throw new AssertionError(`${opts.what} iss must be ${opts.client ? 'the client_id or ' : ''}the issuer identifier`);
  }
  try {
    await verifyWithKeystore(jwt, keystore, { ignoreExpiration: true, ignoreNotBefore: true, ignoreIssued: true });
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'InvalidClientMetadata') throw new AssertionError(`${opts.what}: the client's jwksUri could not be fetched`);
    throw new AssertionError(`${opts.what} signature verification failed`);
  }
  return { header, payload, signer };
}

/**
 * Checks the time claims: `exp` present, in the future and at most `maxLifetimeSeconds` ahead;
 * `nbf` (if any) not in the future; `iat` (if any) not in the future and at most
 * `maxLifetimeSeconds` old (RFC 7523 §3 items 4-6). All with {@link CLOCK_TOLERANCE_SECONDS}.
 * @throws AssertionError
 */
export function checkTimes(payload: Record<string, unknown>, maxLifetimeSeconds: number, what: string, nowSeconds = Math.floor(Date.now() / 1000)): number {
  const { exp, nbf, iat } = payload;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new AssertionError(`${what} exp is missing`);
  if (exp <= nowSeconds - CLOCK_TOLERANCE_SECONDS) throw new AssertionError(`${what} has expired (exp)`);
  if (exp > nowSeconds + maxLifetimeSeconds + CLOCK_TOLERANCE_SECONDS) throw new AssertionError(`${what} exp is more than ${maxLifetimeSeconds} seconds ahead`);
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowSeconds + CLOCK_TOLERANCE_SECONDS)) throw new AssertionError(`${what} is not valid yet (nbf)`);
  if (iat !== undefined) {
    if (typeof iat !== 'number' || iat > nowSeconds + CLOCK_TOLERANCE_SECONDS) throw new AssertionError(`${what} iat is in the future`);
    if (iat < nowSeconds - maxLifetimeSeconds - CLOCK_TOLERANCE_SECONDS) throw new AssertionError(`${what} iat is more than ${maxLifetimeSeconds} seconds old`);
  }
  return exp;
}

/** The digest under which an assertion id is recorded: SHA-256 of issuer and jti, base64url. */
export function assertionIdDigest(iss: string, jti: string): string {
  return createHash('sha256').update(iss).update('\0').update(jti).digest('base64url');
}
