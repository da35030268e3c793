/**
 * The DPoP proof checks of ccauth's resource routes (src/oauth/dpop.ts; RFC 9449 §4.3, §7.1) and
 * the Authorization header parsing shared by those routes (src/http/middleware/access-token.ts),
 * without a database: the replay record is an in-memory set here (PostgreSQL in
 * test/security/dpop-replay.test.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { errors } from 'oidc-provider';
import { asDpopProofError, checkProofBinding, verifyResourceProof } from '../../../src/oauth/dpop.ts';
import { dpopChallenge, parseAuthorization } from '../../../src/http/middleware/access-token.ts';

const HTU = 'https://auth.example.com/auth/v3/userinfo';
const TOKEN = 'an-access-token-value-0123456789';

async function keyAndProof(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  const payload = { htm: 'GET', htu: HTU, iat: Math.floor(Date.now() / 1000), jti: randomUUID(), ath: createHash('sha256').update(TOKEN).digest('base64url'), ...claims };
  const proof = await new SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk, ...header }).sign(privateKey);
  return { proof, jkt: await calculateJwkThumbprint(jwk), privateJwk: await exportJWK(privateKey) };
}

const check = (proof: string | undefined, method = 'GET', htu = HTU) => verifyResourceProof({ proof, method, expectedHtu: htu, accessToken: TOKEN });

describe('verifyResourceProof', () => {
  it('accepts a good proof and returns its key thumbprint', async () => {
    const { proof, jkt } = await keyAndProof();
    expect(await check(proof)).toMatchObject({ jkt });
  });

  it('normalises htu (default port, host case) and ignores query and fragment', async () => {
    const { proof } = await keyAndProof({ htu: 'https://AUTH.example.com:443/auth/v3/userinfo?x=1#f' });
    expect(await check(proof)).toHaveProperty('jkt');
  });

  it.each([
    ['no proof', undefined],
    ['not a JWT', 'abc.def.ghi'],
  ])('refuses %s', async (_n, proof) => {
    expect(await check(proof)).toMatchObject({ error: 'invalid_dpop_proof' });
  });

  it('refuses a private key in the header, an HMAC algorithm, and a wrong typ', async () => {
    const { privateJwk } = await keyAndProof();
    const withPrivate = await new SignJWT({ htm: 'GET', htu: HTU, iat: Math.floor(Date.now() / 1000), jti: 'x' })
      .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: privateJwk })
      .sign(new TextEncoder().encode('0123456789abcdef0123456789abcdef'));
    expect(await check(withPrivate)).toMatchObject({ error: 'invalid_dpop_proof' });
    const { proof } = await keyAndProof({}, { typ: 'JWT' });
    expect(await check(proof)).toMatchObject({ error: 'invalid_dpop_proof' });
  });

  it.each([
    ['htm', { htm: 'POST' }, 'htm mismatch'],
    ['htu path', { htu: 'https://auth.example.com/auth/v3/other' }, 'htu mismatch'],
    ['htu scheme', { htu: 'http://auth.example.com/auth/v3/userinfo' }, 'htu mismatch'],
    ['htu not a string', { htu: 5 }, 'htu mismatch'],
    ['stale iat', { iat: Math.floor(Date.now() / 1000) - 3600 }, 'not recent'],
    ['future iat', { iat: Math.floor(Date.now() / 1000) + 3600 }, 'not recent'],
    ['iat a string', { iat: 'now' }, 'DPoP proof'], // jose refuses a non-numeric iat itself
    ['no jti', { jti: undefined }, 'jti'],
    ['long jti', { jti: 'j'.repeat(257) }, 'jti'],
    ['nonce', { nonce: 'n' }, 'nonces are not supported'],
    ['ath', { ath: 'wrong' }, 'ath mismatch'],
  ])('refuses a proof with a bad %s', async (_n, claims, description) => {
    const { proof } = await keyAndProof(claims);
    const out = await check(proof);
    expect(out).toMatchObject({ error: 'invalid_dpop_proof' });
    expect((out as { description: string }).description).toContain(description);
  });
});

describe('checkProofBinding', () => {
  const proof = { jkt: 'thumb', jti: 'jti-1', iat: Math.floor(Date.now() / 1000) };
  const memory = () => {
    const seen = new Set<string>();
    return async (iss: string, jti: string) => (seen.has(`${iss}\0${jti}`) ? false : (seen.add(`${iss}\0${jti}`), true));
  };

  it('accepts the bound key once, then refuses the replay', async () => {
    const replay = memory();
    expect(await checkProofBinding(proof, { clientId: 'c', jkt: 'thumb' }, replay)).toBeUndefined();
    expect(await checkProofBinding(proof, { clientId: 'c', jkt: 'thumb' }, replay)).toMatchObject({ error: 'invalid_dpop_proof' });
  });

  it('refuses an unbound token and another key with invalid_token', async () => {
    expect(await checkProofBinding(proof, { clientId: 'c', jkt: undefined }, memory())).toMatchObject({ error: 'invalid_token' });
    expect(await checkProofBinding(proof, { clientId: 'c', jkt: 'other' }, memory())).toMatchObject({ error: 'invalid_token' });
  });
});

describe('parseAuthorization and the DPoP challenge', () => {
  it('parses Bearer and DPoP in any case, and flags malformed values', () => {
    expect(parseAuthorization('bearer abc')).toEqual({ scheme: 'bearer', token: 'abc' });
    expect(parseAuthorization('DPoP abc.def')).toEqual({ scheme: 'dpop', token: 'abc.def' });
    expect(parseAuthorization('dpop   abc  ')).toEqual({ scheme: 'dpop', token: 'abc' });
    expect(parseAuthorization('DPoP a b')).toEqual({ malformed: 'dpop' });
    expect(parseAuthorization('Bearer')).toEqual({ malformed: 'bearer' });
    expect(parseAuthorization('Basic dXNlcjpw')).toBeUndefined();
    expect(parseAuthorization('DPoPx abc')).toBeUndefined();
    expect(parseAuthorization(undefined)).toBeUndefined();
  });

  it('builds an RFC 9449 §7.1 challenge without quotes leaking from the description', () => {
    expect(dpopChallenge('invalid_token', 'say "hi"')).toBe('DPoP realm="ccauth", error="invalid_token", error_description="say hi", algs="ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 Ed25519 EdDSA"');
  });
});

describe('asDpopProofError', () => {
  it('turns oidc-provider proof-related invalid_grant into invalid_dpop_proof and leaves others alone', () => {
    const replay = asDpopProofError(new errors.InvalidGrant('DPoP proof JWT Replay detected')) as { error: string; error_description: string };
    expect(replay.error).toBe('invalid_dpop_proof');
    expect((asDpopProofError(new errors.InvalidGrant('DPoP proof JWT not provided')) as { error: string }).error).toBe('invalid_dpop_proof');
    const other = new errors.InvalidGrant('failed jkt verification');
    expect(asDpopProofError(other)).toBe(other);
  });
});
