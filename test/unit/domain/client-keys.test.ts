/**
 * What a client may register as keys (src/domain/client-keys.ts; RFC 7517, RFC 7523 §2.2): public
 * asymmetric signing keys only, and an https `jwks_uri` in production.
 */
import { exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { MAX_CLIENT_JWKS_KEYS, clientJwksProblem, jwksUriProblem } from '../../../src/domain/client-keys.ts';

const publicJwk = async (alg: string, opts: Record<string, unknown> = {}) => {
  const { publicKey } = await generateKeyPair(alg, { extractable: true, ...opts });
  return { ...(await exportJWK(publicKey)), kid: `${alg}-1`, alg };
};

describe('clientJwksProblem', () => {
  it('accepts public RSA, EC and Ed25519 signing keys', async () => {
    const keys = [await publicJwk('RS256'), await publicJwk('PS256'), await publicJwk('ES256'), await publicJwk('ES384'), { ...(await publicJwk('EdDSA', { crv: 'Ed25519' })), kid: 'ed' }];
    expect(clientJwksProblem({ keys })).toBeUndefined();
  });

  it('refuses private and symmetric keys, none/HS algorithms, encryption keys and repeated kids', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const priv = await exportJWK(privateKey);
    const ec = await publicJwk('ES256');
    expect(clientJwksProblem({ keys: [priv] })).toMatch(/must be a public key/);
    expect(clientJwksProblem({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] })).toMatch(/must be a public key/);
    expect(clientJwksProblem({ keys: [{ ...ec, alg: 'HS256' }] })).toMatch(/alg must be one of/);
    expect(clientJwksProblem({ keys: [{ ...ec, alg: 'none' }] })).toMatch(/alg must be one of/);
    expect(clientJwksProblem({ keys: [{ ...ec, use: 'enc' }] })).toMatch(/use "sig"/);
    expect(clientJwksProblem({ keys: [ec, ec] })).toMatch(/repeats kid/);
    expect(clientJwksProblem({ keys: [{ ...ec, crv: 'secp256k1' }] })).toMatch(/crv must be/);
  });

  it('refuses what is not a JWK Set, an empty set and too many keys', async () => {
    expect(clientJwksProblem(null)).toMatch(/JWK Set/);
    expect(clientJwksProblem([])).toMatch(/JWK Set/);
    expect(clientJwksProblem({ keys: [] })).toMatch(/at least one key/);
    const ec = await publicJwk('ES256');
    const many = Array.from({ length: MAX_CLIENT_JWKS_KEYS + 1 }, (_, i) => ({ ...ec, kid: `k${i}` }));
    expect(clientJwksProblem({ keys: many })).toMatch(/at most/);
  });
});

describe('jwksUriProblem', () => {
  const prod = { allowPlainHttp: false };
  it('accepts https, and http only outside production', () => {
    expect(jwksUriProblem('https://keys.example.com/jwks.json', prod)).toBeUndefined();
    expect(jwksUriProblem('http://127.0.0.1:8081/jwks.json', prod)).toBe('must use https in production');
    expect(jwksUriProblem('http://127.0.0.1:8081/jwks.json', { allowPlainHttp: true })).toBeUndefined();
  });
  it('refuses other schemes, user information, fragments and non-URLs', () => {
    expect(jwksUriProblem('ftp://keys.example.com/jwks', prod)).toBe('must use https');
    expect(jwksUriProblem('https://user:pw@keys.example.com/jwks', prod)).toBe('must not contain user information');
    expect(jwksUriProblem('https://keys.example.com/jwks#x', prod)).toBe('must not contain a fragment');
    expect(jwksUriProblem('not a url', prod)).toMatch(/ASCII URL|absolute URL/);
    expect(jwksUriProblem('', prod)).toBe('must be a non-empty string');
  });
});
