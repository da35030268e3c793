import { describe, expect, it } from 'vitest';
import { hashSecret, verifyAgainstDummy, verifySecret } from '../../../src/security/passwords.ts';
import { constantTimeEqual, digestToken, generateSecret, secretFingerprint } from '../../../src/security/tokens.ts';

describe('security primitives', () => {
  it('generates 32-byte base64url secrets that differ', () => {
    const a = generateSecret();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(generateSecret()).not.toBe(a);
  });
  it('digests tokens with SHA-256 (base64url) and never returns the input', () => {
    expect(digestToken('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });
  it('hashes with argon2id and verifies argon2id and bcrypt', async () => {
    const h = await hashSecret('pw');
    expect(h).toMatch(/^\$argon2id\$/);
    expect(await verifySecret(h, 'pw')).toBe(true);
    expect(await verifySecret(h, 'nope')).toBe(false);
    // bcrypt("ops", cost 4)
    const bcrypt = (await import('bcryptjs')).default;
    const b = await bcrypt.hash('ops', 4);
    expect(await verifySecret(b, 'ops')).toBe(true);
    expect(await verifySecret('garbage', 'ops')).toBe(false);
    expect(await verifyAgainstDummy('x')).toBe(false);
  });
  it('compares strings in constant time and fingerprints hashes opaquely', () => {
    expect(constantTimeEqual('a', 'a')).toBe(true);
    expect(constantTimeEqual('a', 'ab')).toBe(false);
    const fp = secretFingerprint('$argon2id$whatever');
    expect(fp).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(fp).not.toContain('argon');
  });
});
