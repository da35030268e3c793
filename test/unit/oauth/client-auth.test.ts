/**
 * Client-secret verification with a rotation grace period (issue 4; src/oauth/client-auth.ts):
 * the previous secret authenticates only before its expiry, even when a success for it is cached.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SECRET_CACHE_TTL_MS, createSecretVerifier, installClientSecretVerifier } from '../../../src/oauth/client-auth.ts';
import { toClientMetadata } from '../../../src/oauth/client-metadata.ts';
import type { Client } from '../../../src/domain/client.ts';
import { hashSecret } from '../../../src/security/passwords.ts';

let oldHash: string;
let newHash: string;
beforeAll(async () => {
  [oldHash, newHash] = await Promise.all([hashSecret('old-secret'), hashSecret('new-secret')]);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('SecretVerifier.verify with notAfterMs', () => {
  it('a cached success stops counting the moment the hash expires', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 1_000_000 });
    const v = createSecretVerifier({ cacheTtlMs: 60_000 });
    expect(await v.verify('c1', oldHash, 'old-secret', 1_005_000)).toBe(true);
    expect(await v.verify('c1', oldHash, 'old-secret', 1_005_000)).toBe(true);
    expect(v.stats.cacheHits).toBe(1);
    vi.setSystemTime(1_005_000);
    expect(await v.verify('c1', oldHash, 'old-secret', 1_005_000)).toBe(false);
    expect(v.stats.verifications).toBe(1); // refused before the cache or argon2 were consulted
  });

  it('the expiry is part of the cache key: a success without expiry does not serve one with it', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 2_000_000 });
    const v = createSecretVerifier();
    expect(await v.verify('c1', oldHash, 'old-secret')).toBe(true);
    expect(await v.verify('c1', oldHash, 'old-secret', 2_010_000)).toBe(true);
    expect(v.stats).toEqual({ verifications: 2, cacheHits: 0 });
  });
});

describe('SecretVerifier single flight and cache lifetime (issue 6)', () => {
  it('concurrent verifications of one secret share one argon2 run; a wrong secret is its own run and never cached', async () => {
    const v = createSecretVerifier();
    const answers = await Promise.all([
      ...Array.from({ length: 8 }, () => v.verify('c1', newHash, 'new-secret')),
      v.verify('c1', newHash, 'wrong-secret'),
      v.verify('c1', newHash, 'wrong-secret'),
    ]);
    expect(answers).toEqual([true, true, true, true, true, true, true, true, false, false]);
    expect(v.stats).toEqual({ verifications: 2, cacheHits: 0 });
    expect(await v.verify('c1', newHash, 'new-secret')).toBe(true);
    expect(await v.verify('c1', newHash, 'wrong-secret')).toBe(false);
    expect(v.stats).toEqual({ verifications: 3, cacheHits: 1 });
  });

  it('a verified secret is served from the cache for an hour by default, then verified again', async () => {
    expect(DEFAULT_SECRET_CACHE_TTL_MS).toBe(3_600_000);
    vi.useFakeTimers({ toFake: ['Date'], now: 3_000_000 });
    const v = createSecretVerifier();
    expect(await v.verify('c1', newHash, 'new-secret')).toBe(true);
    vi.setSystemTime(3_000_000 + 59 * 60_000); // (lru-cache keeps its own clock: only the expiry checks move)
    expect(v.cached('c1', newHash, 'new-secret')).toBe(true);
    expect(v.cached('c1', newHash + 'x', 'new-secret')).toBe(false); // another stored hash (rotation): not cached
    vi.useRealTimers();
    const short = createSecretVerifier({ cacheTtlMs: 30 });
    expect(await short.verify('c1', newHash, 'new-secret')).toBe(true);
    await new Promise((r) => setTimeout(r, 60));
    expect(short.cached('c1', newHash, 'new-secret')).toBe(false);
  });
});

describe('compareClientSecret with a previous secret', () => {
  class FakeClient {
    clientId = 'rotating';
    clientSecret = newHash;
    ccauth_previous_secret_hash: string | undefined = oldHash;
    ccauth_previous_secret_expires_at: number | undefined;
    compareClientSecret(_actual: string): Promise<boolean> | boolean {
      return false;
    }
  }

  it('accepts the current secret, the previous one until it expires, and nothing else', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 3_000_000 });
    installClientSecretVerifier(FakeClient, createSecretVerifier());
    const c = new FakeClient();
    c.ccauth_previous_secret_expires_at = 3_002_000;
    expect(await c.compareClientSecret('new-secret')).toBe(true);
    expect(await c.compareClientSecret('old-secret')).toBe(true);
    expect(await c.compareClientSecret('other')).toBe(false);
    vi.setSystemTime(3_002_000);
    expect(await c.compareClientSecret('old-secret')).toBe(false);
    expect(await c.compareClientSecret('new-secret')).toBe(true);
    c.ccauth_previous_secret_hash = undefined;
    vi.setSystemTime(3_000_000);
    expect(await c.compareClientSecret('old-secret')).toBe(false);
  });
});

describe('toClientMetadata', () => {
  const client = (): Client => ({
    clientId: 'c',
    name: 'c',
    description: null,
    clientType: 'CONFIDENTIAL',
    internalClient: false,
    secretHash: newHash,
    previousSecretHash: oldHash,
    previousSecretExpiresAt: 5_000,
    authorities: [],
    scope: ['*'],
    authorizedGrantTypes: ['client_credentials'],
    redirectUris: [],
    accessTokenTtlSeconds: 60,
    refreshTokenTtlSeconds: 60,
    contactCenterIds: [],
    pkceRequired: false,
    accessTokenFormat: 'opaque',
    dpopBoundAccessTokens: false,
    enabled: true,
    createdAt: 0,
  });

  it('carries the previous secret only while it is valid, and nothing for a disabled client', () => {
    expect(toClientMetadata(client(), 4_999)).toMatchObject({ ccauth_previous_secret_hash: oldHash, ccauth_previous_secret_expires_at: 5_000 });
    expect(toClientMetadata(client(), 5_000)).not.toHaveProperty('ccauth_previous_secret_hash');
    expect(toClientMetadata({ ...client(), enabled: false }, 0)).toBeUndefined();
  });
});
