/**
 * Secret generation, token digests and constant-time comparison.
 */
import { createHash, hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new client secret: 32 random bytes, base64url (43 characters). Shown to the caller once. */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256 of a token or opaque id, base64url. What `oidc_payloads.id_digest` stores. */
export function digestToken(value: string): string {
  return hash('sha256', value, 'base64url');
}

/**
 * The `encrypted_client_secret` value of the Genesys client object (genesys-api.md §5.3): an
 * opaque, non-reversible 16-byte fingerprint of the stored hash, base64. It changes when the secret
 * changes and reveals nothing about it; we never keep a reversible copy of a secret.
 */
export function secretFingerprint(secretHash: string): string {
  return createHash('sha256').update(secretHash, 'utf8').digest().subarray(0, 16).toString('base64');
}

/** Constant-time string equality (lengths are compared through digests, so they do not leak). */
export function constantTimeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}
