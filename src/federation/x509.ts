/**
 * A minimal self-signed X.509 v3 certificate builder (RFC 5280 §4.1) for the SAML service
 * provider's signing key: node:crypto can read certificates but not write them, and SAML metadata
 * carries keys as certificates (SAML 2.0 Metadata §2.4.1.1, `ds:X509Certificate`). Only what a SAML
 * peer needs: RSA key, sha256WithRSAEncryption, a CN subject = issuer, a validity window. No
 * extensions (SAML peers pin the certificate; they do not build a chain).
 */
import { createSign, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** DER length octets (X.690 §8.1.3). */
function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One DER TLV. */
function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

const seq = (...parts: Buffer[]): Buffer => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]): Buffer => tlv(0x31, Buffer.concat(parts));
const NULL = Buffer.from([0x05, 0x00]);

/** An OBJECT IDENTIFIER from dotted form (X.690 §8.19). */
function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [arcs[0]! * 40 + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [];
    let v = arc;
    do {
      chunk.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i]! |= 0x80;
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime `YYMMDDHHMMSSZ` (RFC 5280 §4.1.2.5.1: dates through 2049). */
function utcTime(d: Date): Buffer {
  const iso = d.toISOString(); // 2026-01-02T03:04:05.000Z
  const s = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return tlv(0x17, Buffer.from(s, 'ascii'));
}

/** GeneralizedTime `YYYYMMDDHHMMSSZ` (RFC 5280 §4.1.2.5.2: dates from 2050). */
function generalizedTime(d: Date): Buffer {
  const iso = d.toISOString();
  const s = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return tlv(0x18, Buffer.from(s, 'ascii'));
}

const time = (d: Date): Buffer => (d.getUTCFullYear() < 2050 ? utcTime(d) : generalizedTime(d));

/** A Name of one RDN: `CN=<commonName>` (UTF8String). */
function commonNameOf(commonName: string): Buffer {
  return seq(set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(commonName, 'utf8')))));
}

/**
 * A certificate serial number (RFC 5280 §4.1.2.2: a positive INTEGER) from random bytes, DER-valid:
 * the first byte is cleared of its sign bit and never 0, because DER's INTEGER must be minimal — a
 * leading 0x00 before a byte below 0x80 makes the certificate unparseable (about 1 in 256 random
 * serials before this rule).
 * @param random 1-20 random bytes (changed in place and returned)
 */
export function certificateSerial(random: Buffer): Buffer {
  random[0] = (random[0]! & 0x7f) | 0x01;
  return random;
}

/**
 * Builds a self-signed certificate for an RSA key pair.
 * @param keys the RSA key pair (the public key is certified, the private key signs)
 * @param commonName subject and issuer CN
 * @param validDays validity from now, in days
 * @returns the certificate as PEM (`-----BEGIN CERTIFICATE-----`)
 */
export function selfSignedCertificate(keys: { publicKey: KeyObject; privateKey: KeyObject }, commonName: string, validDays: number): string {
  const sha256WithRsa = seq(oid('1.2.840.113549.1.1.11'), NULL);
  const serial = certificateSerial(randomBytes(16));
  const now = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
  const notAfter = new Date(now.getTime() + validDays * 86_400_000);
  const name = commonNameOf(commonName);
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))), // [0] EXPLICIT version v3
    tlv(0x02, serial),
    sha256WithRsa,
    name,
    seq(time(now), time(notAfter)),
    name,
    keys.publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = createSign('sha256').update(tbs).sign(keys.privateKey);
  const der = seq(tbs, sha256WithRsa, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}
