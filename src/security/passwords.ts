/**
 * Password and client-secret hashing: argon2id for everything we store; bcrypt is accepted only
 * for verifying an operator-supplied OPS_PASSWORD_HASH (Genesys values.yaml keeps bcrypt).
 *
 * Parameters: OWASP's argon2id minimum (m = 19 MiB, t = 2, p = 1), about 30 ms per hash here.
 */
import argon2 from 'argon2';
import bcrypt from 'bcryptjs';

/** argon2id cost parameters (memoryCost in KiB). */
export const ARGON2_OPTIONS = Object.freeze({
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
});

/** Hashes a secret or password; returns an argon2id PHC string (`$argon2id$v=19$...`). */
export function hashSecret(plain: string): Promise<string> {
  return argon2.hash(plain, ARGON2_OPTIONS);
}

/**
 * Verifies `plain` against a stored PHC string (argon2id/argon2i/argon2d or bcrypt `$2a/$2b/$2y`).
 * Returns false (never throws) for a malformed hash or a mismatch. The comparison inside both
 * libraries is constant-time.
 */
export async function verifySecret(phc: string, plain: string): Promise<boolean> {
  try {
    if (phc.startsWith('$argon2')) return await argon2.verify(phc, plain);
    if (/^\$2[aby]\$/.test(phc)) return await bcrypt.compare(plain, phc);
    return false;
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Burns the same work as a real verification against a fixed dummy hash, so that "unknown user"
 * and "wrong password" take about the same time. Always resolves to false.
 */
export async function verifyAgainstDummy(plain: string): Promise<false> {
  dummyHash ??= hashSecret('ccauth-dummy-password-for-timing');
  await verifySecret(await dummyHash, plain);
  return false;
}
