/**
 * AES-256-GCM sealing for the refresh-token grace window (src/oauth/grants/refresh-token.ts): the
 * key is derived with HKDF-SHA256 from the first cookie key, which every process shares, so a
 * response sealed by one process opens on another. Sealed form: base64url(iv[12] | tag[16] | ct).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Sealer } from '../oauth/grants/refresh-token.ts';

/**
 * Creates a sealer keyed from `secret` (e.g. the first COOKIE_KEYS entry). `purpose` is the HKDF
 * info string: sealers for different purposes get independent keys (default: the refresh-token
 * grace window's).
 */
export function createGraceSealer(secret: string, purpose = 'ccauth refresh-token grace v1'): Sealer {
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), purpose, 32));
  return {
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url');
    },
    open(sealed) {
      try {
        const raw = Buffer.from(sealed, 'base64url');
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        decipher.setAuthTag(raw.subarray(12, 28));
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      } catch {
        return undefined;
      }
    },
  };
}
