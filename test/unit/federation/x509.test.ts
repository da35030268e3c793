/** The self-signed certificate builder of the SAML SP key (src/federation/x509.ts, RFC 5280 §4.1). */
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../../src/federation/x509.ts';

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
