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
}

/** Verifies presented secrets against stored PHC strings with a success cache and a bound. */
export interface SecretVerifier {
  verify(clientId: string, storedHash: string, presented: string): Promise<boolean>;
  readonly stats: { verifications: number; cacheHits: number };
}

/** Creates a verifier; one per process (or per app in tests). */
export function createSecretVerifier(opts: SecretVerifierOptions = {}): SecretVerifier {
  const key = randomBytes(32);
  const cache = new LRUCache<string, true>({ max: opts.cacheMax ?? 10_000, ttl: opts.cacheTtlMs ?? 60_000 });
  const limit = pLimit(opts.maxConcurrent ?? 4);
  const stats = { verifications: 0, cacheHits: 0 };
  return {
    stats,
    async verify(clientId, storedHash, presented) {
      if (typeof presented !== 'string' || presented.length === 0 || presented.length > 1024) return false;
      const mac = createHmac('sha256', key).update(clientId).update('\0').update(storedHash).update('\0').update(presented).digest('base64url');
      if (cache.get(mac)) {
        stats.cacheHits += 1;
        return true;
      }
      stats.verifications += 1;
      const ok = await limit(() => verifySecret(storedHash, presented));
      if (ok) cache.set(mac, true);
      return ok;
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
  ClientClass.prototype.compareClientSecret = function compareClientSecret(this: { clientId: string; clientSecret?: string }, actual: string) {
    if (!this.clientSecret) return Promise.resolve(false);
    return verifier.verify(this.clientId, this.clientSecret, actual);
  };
}
