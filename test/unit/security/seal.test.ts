/**
 * AES-256-GCM sealing of private signing keys (src/security/seal.ts): round trip, tamper
 * detection, wrong key, associated data, key ring, key parsing and the development key file.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSealer, keyEncryptionKeyId, loadOrCreateKeyFile, parseKeyEncryptionKey, SealError } from '../../../src/security/seal.ts';

const key = () => randomBytes(32);

/** Flips one bit of the base64url part `index` of a sealed value. */
function flip(sealed: string, index: number): string {
  const parts = sealed.split('.');
  const raw = Buffer.from(parts[index]!, 'base64url');
  raw[0] = raw[0]! ^ 1;
  parts[index] = raw.toString('base64url');
  return parts.join('.');
}

describe('createSealer', () => {
  it('round-trips, with a fresh 96-bit IV every time and a versioned, key-id-prefixed format', () => {
    const k = key();
    const s = createSealer([k]);
    const plaintext = JSON.stringify({ kty: 'EC', d: 'secret-private-member' });
    const a = s.seal(plaintext, 'kid-1');
    const b = s.seal(plaintext, 'kid-1');
    expect(a).not.toBe(b);
    const parts = a.split('.');
    expect(parts).toHaveLength(5);
    expect(parts[0]).toBe('v1');
    expect(parts[1]).toBe(keyEncryptionKeyId(k));
    expect(s.keyId).toBe(keyEncryptionKeyId(k));
    expect(Buffer.from(parts[2]!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(parts[4]!, 'base64url')).toHaveLength(16);
    expect(a).not.toContain('secret-private-member');
    expect(s.open(a, 'kid-1')).toBe(plaintext);
    expect(s.open(b, 'kid-1')).toBe(plaintext);
  });

  it('detects tampering with the ciphertext, the IV or the tag', () => {
    const s = createSealer([key()]);
    const sealed = s.seal('hello world', 'kid');
    for (const i of [2, 3, 4]) expect(() => s.open(flip(sealed, i), 'kid')).toThrow(SealError);
    // truncated tag
    const parts = sealed.split('.');
    parts[4] = parts[4]!.slice(0, 10);
    expect(() => s.open(parts.join('.'), 'kid')).toThrow(SealError);
  });

  it('refuses other associated data (a sealed key copied onto another row)', () => {
    const s = createSealer([key()]);
    const sealed = s.seal('x', 'kid-a');
    expect(() => s.open(sealed, 'kid-b')).toThrow(/failed authentication/);
    expect(() => s.open(sealed)).toThrow(SealError);
  });

  it('refuses a value sealed with another key, naming only the key id', () => {
    const k1 = key();
    const k2 = key();
    const sealed = createSealer([k1]).seal('x');
    expect(() => createSealer([k2]).open(sealed)).toThrow(/another key-encryption key/);
    try {
      createSealer([k2]).open(sealed);
    } catch (err) {
      expect((err as Error).message).not.toContain(k1.toString('base64url'));
      expect((err as Error).message).not.toContain(k2.toString('base64url'));
    }
    // the same key id but different bytes cannot happen; a forged key id with the wrong key fails the tag
    const forged = sealed.split('.');
    forged[1] = keyEncryptionKeyId(k2);
    expect(() => createSealer([k2]).open(forged.join('.'))).toThrow(/failed authentication/);
  });

  it('opens with any key of the ring and seals with the first', () => {
    const old = key();
    const fresh = key();
    const sealedOld = createSealer([old]).seal('x');
    const ring = createSealer([fresh, old]);
    expect(ring.open(sealedOld)).toBe('x');
    expect(ring.seal('y').split('.')[1]).toBe(keyEncryptionKeyId(fresh));
  });

  it('refuses malformed input and bad keys', () => {
    const s = createSealer([key()]);
    for (const bad of ['', 'abc', 'v2.a.b.c.d', 'v1.a.b.c', 'v1.a.b.c.d.e']) expect(() => s.open(bad)).toThrow(SealError);
    expect(() => createSealer([])).toThrow(SealError);
    expect(() => createSealer([randomBytes(16)])).toThrow(SealError);
  });
});

describe('parseKeyEncryptionKey', () => {
  it('accepts 32 bytes as hex, base64 and base64url', () => {
    const k = key();
    expect(parseKeyEncryptionKey(k.toString('hex'))).toEqual(k);
    expect(parseKeyEncryptionKey(k.toString('base64'))).toEqual(k);
    expect(parseKeyEncryptionKey(k.toString('base64url'))).toEqual(k);
    expect(parseKeyEncryptionKey(` ${k.toString('base64url')}\n`)).toEqual(k);
  });
  it('refuses other lengths without echoing the value', () => {
    for (const bad of ['secret', randomBytes(16).toString('hex'), randomBytes(31).toString('base64'), randomBytes(33).toString('base64url')]) {
      expect(() => parseKeyEncryptionKey(bad)).toThrow(SealError);
      try {
        parseKeyEncryptionKey(bad);
      } catch (err) {
        expect((err as Error).message).not.toContain(bad);
      }
    }
  });
});

describe('loadOrCreateKeyFile', () => {
  it('creates a 0600 key file once and reads it back', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ccauth-kek-'));
    const file = path.join(dir, 'nested', 'key-encryption-key');
    const k = loadOrCreateKeyFile(file);
    expect(k).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateKeyFile(file)).toEqual(k);
    expect(parseKeyEncryptionKey(readFileSync(file, 'utf8'))).toEqual(k);
  });
  it('refuses a file that does not hold a key', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ccauth-kek-'));
    const file = path.join(dir, 'key-encryption-key');
    writeFileSync(file, 'not a key');
    expect(() => loadOrCreateKeyFile(file)).toThrow(SealError);
  });
});
