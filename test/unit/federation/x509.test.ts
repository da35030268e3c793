/** The self-signed certificate builder of the SAML SP key (src/federation/x509.ts, RFC 5280 §4.1). */
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { certificateSerial, selfSignedCertificate } from '../../../src/federation/x509.ts';

describe('selfSignedCertificate', () => {
  it('is a v3 certificate node:crypto reads, signed by its own key, with the CN and validity asked for', () => {
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = selfSignedCertificate(keys, 'ccauth SAML service provider', 3650);
    const cert = new X509Certificate(pem);
    expect(cert.subject).toBe('CN=ccauth SAML service provider');
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.verify(keys.publicKey)).toBe(true);
    expect(cert.publicKey.export({ type: 'spki', format: 'der' }).equals(keys.publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    expect(Math.round(days)).toBe(3650);
    expect(Date.parse(cert.validFrom)).toBeLessThanOrEqual(Date.now());
  });

  it('does not verify under another key, and uses GeneralizedTime past 2049', () => {
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const cert = new X509Certificate(selfSignedCertificate(keys, 'long', 40 * 365));
    expect(cert.verify(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey)).toBe(false);
    expect(new Date(cert.validTo).getUTCFullYear()).toBeGreaterThanOrEqual(2065);
  });
});

describe('certificateSerial', () => {
  it('keeps the serial a minimal positive DER INTEGER: the first byte is 0x01-0x7f whatever the random bytes', () => {
    // before: 0x00 followed by a byte below 0x80 stayed, and about 1 certificate in 300 was unparseable
    expect([...certificateSerial(Buffer.from([0x00, 0x05, 0xaa]))]).toEqual([0x01, 0x05, 0xaa]);
    expect([...certificateSerial(Buffer.from([0x80, 0x00]))]).toEqual([0x01, 0x00]);
    expect([...certificateSerial(Buffer.from([0xff, 0x10]))]).toEqual([0x7f, 0x10]);
    expect([...certificateSerial(Buffer.from([0x42]))]).toEqual([0x43]);
  });

  it('gives certificates node:crypto always reads (200 serials under one key)', () => {
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    for (let i = 0; i < 200; i++) expect(() => new X509Certificate(selfSignedCertificate(keys, 'many', 30))).not.toThrow();
  });
});
