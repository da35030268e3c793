/**
 * Client-secret verification for oidc-provider (design.md §3): overrides
 * `provider.Client.prototype.compareClientSecret`, which oidc-provider awaits during
 * `client_secret_basic` / `client_secret_post` authentication (RFC 6749 §2.3.1).
 *
 * - The stored `client_secret` is an argon2id PHC string; the presented secret is verified with
 *   argon2 (constant-time inside the library).
 * - Successful verifications are cached for `cacheTtlMs` under an HMAC (random per-process key) of
 *   client id + stored hash + presented secret: a rotated or deleted secret changes the stored
 *   hash (or removes the client), so it stops working at once. Failures are never cached.
 * - At most `maxConcurrent` argon2 verifications run at once; the rest queue.
 * - Secret rotation with a grace period (issue 4): when the current secret does not match, the
 *   previous secret (`ccauth_previous_secret_hash`) is tried while its expiry
 *   (`ccauth_previous_secret_expires_at`, epoch ms) is in the future. The expiry is part of the
 *   decision on every call, before and after the cache and the argon2 check, and is also mixed
 *   into the cache key and caps the cache entry's lifetime; an expired previous secret never
 *   authenticates, cached or not.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import pLimit from 'p-limit';
import { verifySecret } from '../security/passwords.ts';

export interface SecretVerifierOptions {
  /** How long a successful verification is remembered, in milliseconds. */
  cacheTtlMs?: number;
  /** Most cached verifications kept. */
  cacheMax?: number;
  /** Most argon2 verifications running at once. */
  maxConcurrent?: number;
  /**
   * Metrics hooks (observability/metrics.ts `secretVerifierObserver`): `cacheHit()` per answer from
   * the cache; `verified(ok, seconds)` per argon2 verification computed (seconds include the wait
   * for a slot).
   */
  observer?: { cacheHit(): void; verified(ok: boolean, seconds: number): void };
}

/** Verifies presented secrets against stored PHC strings with a success cache and a bound. */
export interface SecretVerifier {
  /**
   * True when `presented` matches `storedHash`. With `notAfterMs` (epoch ms) the hash is only
   * valid before that instant: at or after it the answer is false whatever the cache holds.
   */
  verify(clientId: string, storedHash: string, presented: string, notAfterMs?: number): Promise<boolean>;
  readonly stats: { verifications: number; cacheHits: number };
}

/** Creates a verifier; one per process (or per app in tests). */
export function createSecretVerifier(opts: SecretVerifierOptions = {}): SecretVerifier {
  const key = randomBytes(32);
  const cacheTtlMs = opts.cacheTtlMs ?? 60_000;
  const cache = new LRUCache<string, true>({ max: opts.cacheMax ?? 10_000, ttl: cacheTtlMs });
  const limit = pLimit(opts.maxConcurrent ?? 4);
  const stats = { verifications: 0, cacheHits: 0 };
  return {
    stats,
    async verify(clientId, storedHash, presented, notAfterMs) {
      if (typeof presented !== 'string' || presented.length === 0 || presented.length > 1024) return false;
      const expired = () => notAfterMs !== undefined && Date.now() >= notAfterMs;
      if (expired()) return false;
      const mac = createHmac('sha256', key)
        .update(clientId)
        .update('\0')
        .update(storedHash)
        .update('\0')
        .update(presented)
        .update('\0')
        .update(notAfterMs === undefined ? '' : String(notAfterMs))
        .digest('base64url');
      if (cache.get(mac)) {
        stats.cacheHits += 1;
        opts.observer?.cacheHit();
        return !expired();
      }
      stats.verifications += 1;
      const started = performance.now();
      const ok = await limit(() => verifySecret(storedHash, presented));
      opts.observer?.verified(ok, (performance.now() - started) / 1000);
      if (!ok || expired()) return false;
      const remainingMs = notAfterMs === undefined ? undefined : notAfterMs - Date.now();
      cache.set(mac, true, remainingMs === undefined ? undefined : { ttl: Math.max(1, Math.min(remainingMs, cacheTtlMs)) });
      return true;
    },
  };
}

/**
 * Installs the verifier on a provider's Client class.
 * @param ClientClass `provider.Client`
 */
export function installClientSecretVerifier(
  ClientClass: { prototype: { compareClientSecret(actual: string): Promise<boolean> | boolean } },
  verifier: SecretVerifier,
): void {
  ClientClass.prototype.compareClientSecret = async function compareClientSecret(
    this: { clientId: string; clientSecret?: string; ccauth_previous_secret_hash?: string; ccauth_previous_secret_expires_at?: number },
    actual: string,
  ) {
    if (!this.clientSecret) return false;
    if (await verifier.verify(this.clientId, this.clientSecret, actual)) return true;
    const previous = this.ccauth_previous_secret_hash;
    const notAfterMs = this.ccauth_previous_secret_expires_at;
    if (typeof previous !== 'string' || typeof notAfterMs !== 'number' || Date.now() >= notAfterMs) return false;
    return verifier.verify(this.clientId, previous, actual, notAfterMs);
  };
}
