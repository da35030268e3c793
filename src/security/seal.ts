/**
 * Sealing of secrets at rest with AES-256-GCM (NIST SP 800-38D): used for the private signing JWKs
 * in `signing_keys` (design.md §3 "Keys").
 *
 * Sealed format (ASCII, dot-separated, every binary part base64url):
 *
 *     v1.<keyId>.<iv: 12 bytes>.<ciphertext>.<tag: 16 bytes>
 *
 * - `v1` is the format version; `keyId` names the key-encryption key (KEK) that sealed the value: the
 *   first 8 bytes of SHA-256("ccauth-kek-id" ‖ KEK), base64url. It reveals nothing about the KEK and
 *   lets {@link Sealer.open} pick the right key from a key ring (so the KEK itself can be rotated) or
 *   say clearly that the value was sealed under another KEK.
 * - The IV is 96 random bits per sealing (never reused under one key for any practical volume).
 * - Optional associated data (e.g. the `kid` of the row) is authenticated but not stored, so a sealed
 *   value copied onto another row fails to open.
 *
 * Nothing here logs, and errors never include plaintext or key bytes.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Bytes of an AES-256 key. */
export const KEY_ENCRYPTION_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';

/** Thrown when a value cannot be sealed or opened (malformed, wrong key, tampered with). */
export class SealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealError';
  }
}

/** Seals and opens values with a key ring; the first key seals, every key may open. */
export interface Sealer {
  /** Id of the sealing key (see module doc). */
  readonly keyId: string;
  /**
   * Encrypts `plaintext` (UTF-8) with a fresh random IV.
   * @param associatedData authenticated context that must be presented again to {@link open}.
   */
  seal(plaintext: string, associatedData?: string): string;
  /**
   * Decrypts a value produced by {@link seal}.
   * @throws SealError when the format is wrong, no key of the ring sealed it, the associated data
   *   differs, or the value was altered (GCM tag mismatch).
   */
  open(sealed: string, associatedData?: string): string;
}

/** The public id of a key-encryption key (first 8 bytes of a domain-separated SHA-256, base64url). */
export function keyEncryptionKeyId(key: Buffer): string {
  return createHash('sha256').update('ccauth-kek-id').update(key).digest().subarray(0, 8).toString('base64url');
}

/**
 * Decodes a 32-byte key given as hex (64 characters), base64 or base64url (43/44 characters).
 * @throws SealError when the text does not decode to exactly 32 bytes (the message never echoes it).
 */
export function parseKeyEncryptionKey(text: string): Buffer {
  const s = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(s)) key = Buffer.from(s, 'hex');
  else if (/^[A-Za-z0-9+/]{43}=?$/.test(s)) key = Buffer.from(s, 'base64');
  else if (/^[A-Za-z0-9_-]{43}$/.test(s)) key = Buffer.from(s, 'base64url');
  if (!key || key.length !== KEY_ENCRYPTION_KEY_BYTES) {
    throw new SealError('a key-encryption key must be 32 bytes written as hex (64 characters), base64 or base64url (43-44 characters)');
  }
  return key;
}

/**
 * Builds a sealer over a key ring.
 * @param keys one or more 32-byte keys; `keys[0]` seals, all of them open.
 * @throws SealError when the ring is empty or a key is not 32 bytes.
 */
export function createSealer(keys: readonly Buffer[]): Sealer {
  if (keys.length === 0) throw new SealError('at least one key-encryption key is required');
  const ring = new Map<string, Buffer>();
  for (const k of keys) {
    if (k.length !== KEY_ENCRYPTION_KEY_BYTES) throw new SealError('a key-encryption key must be 32 bytes');
    const id = keyEncryptionKeyId(k);
    if (!ring.has(id)) ring.set(id, Buffer.from(k));
  }
  const sealingId = keyEncryptionKeyId(keys[0]!);
  const sealingKey = ring.get(sealingId)!;

  return {
    keyId: sealingId,
    seal(plaintext, associatedData) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', sealingKey, iv, { authTagLength: TAG_BYTES });
      if (associatedData !== undefined) cipher.setAAD(Buffer.from(associatedData, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, sealingId, iv.toString('base64url'), ciphertext.toString('base64url'), tag.toString('base64url')].join('.');
    },
    open(sealed, associatedData) {
      const parts = typeof sealed === 'string' ? sealed.split('.') : [];
      if (parts.length !== 5 || parts[0] !== VERSION) throw new SealError('not a sealed value (unknown format or version)');
      const [, id, ivText, ctText, tagText] = parts as [string, string, string, string, string];
      const key = ring.get(id);
      if (!key) throw new SealError(`sealed with another key-encryption key (key id ${id}); configure that key`);
      const iv = Buffer.from(ivText, 'base64url');
      const tag = Buffer.from(tagText, 'base64url');
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SealError('not a sealed value (bad IV or tag length)');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        if (associatedData !== undefined) decipher.setAAD(Buffer.from(associatedData, 'utf8'));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(Buffer.from(ctText, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new SealError('sealed value failed authentication (tampered with, or wrong associated data)');
      }
    },
  };
}

/**
 * Development/test only: reads the key-encryption key kept in `file`, creating it (32 random bytes,
 * base64url, mode 0600, parent directories created) when absent. Production must configure
 * KEY_ENCRYPTION_KEY instead (src/config/config.ts refuses to start without it).
 * @throws SealError when the file exists but does not hold a valid key.
 */
export function loadOrCreateKeyFile(file: string): Buffer {
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text !== undefined) return parseKeyEncryptionKey(text);
  mkdirSync(path.dirname(file), { recursive: true });
  const key = randomBytes(KEY_ENCRYPTION_KEY_BYTES);
  // written whole to a private temporary file, then hard-linked into place: a process starting at
  // the same moment (cluster workers) sees either no file or the complete one, never a partial key,
  // and never overwrites a key another process created a moment ago
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, `${key.toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return parseKeyEncryptionKey(readFileSync(file, 'utf8'));
    throw err;
  } finally {
    unlinkSync(tmp);
  }
  return key;
}
