/**
 * Client-secret verification for oidc-provider (design.md §3): overrides
 * `provider.Client.prototype.compareClientSecret`, which oidc-provider awaits during
 * `client_secret_basic` / `client_secret_post` authentication (RFC 6749 §2.3.1).
 *
 * - The stored `client_secret` is an argon2id PHC string; the presented secret is verified with
 *   argon2 (constant-time inside the library).
 * - Successful verifications are cached for `cacheTtlMs` (default 1 hour) under a keyed SHA-256 (random per-process key) of
 *   client id + stored hash + presented secret: a rotated or deleted secret changes the stored
 *   hash (or removes the client), so it stops working at once. Failures are never cached.
 *   Concurrent verifications of the same inputs share one argon2 run.
 * - At most `maxConcurrent` argon2 verifications run at once; the rest wait in fair queues, one
 *   lane per client id (and per login name for user passwords, {@link SecretVerifier.withSlot}),
 *   served round-robin: a flood of wrong secrets for one client queues behind itself, and a
 *   client whose secret is right waits for at most one turn of the lanes, not for the flood.
 * - Secret rotation with a grace period (docs/integrations.md): when the current secret does not match, the
 *   previous secret (`ccauth_previous_secret_hash`) is tried while its expiry
 *   (`ccauth_previous_secret_expires_at`, epoch ms) is in the future. The expiry is part of the
 *   decision on every call, before and after the cache and the argon2 check, and is also mixed
 *   into the cache key and caps the cache entry's lifetime; an expired previous secret never
 *   authenticates, cached or not.
 * - Failed-authentication limits (docs/security-model.md; services/rate-limit.service.ts), when a guard is given to
 *   {@link installClientSecretVerifier}: a secret answered from the success cache goes through
 *   unless this process knows its (client, address) pair to be blocked; every other check is an
 *   attempt (reserved before argon2, counted only when it fails), and over a limit the endpoint
 *   answers 429 `{"error":"invalid_request","error_description":"too many failed attempts; retry
 *   later"}` with `Retry-After` (RFC 6749 §5.2 JSON; RFC 6585 §4).
 * - Unknown clients (RFC 6819 §4.3.2; OWASP ASVS 5.0 V6.3): on the client-authenticating endpoints
 *   a presented secret for a client id that does not exist is verified against a dummy hash in a
 *   slot and counted as a failure, so "no such client" and "wrong secret" get the same 401 body,
 *   take the same time and meet the same limits.
 */
import { hash, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import Provider, { errors } from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { verifyAgainstDummy, verifySecret } from '../security/passwords.ts';
import { createFairSlots } from '../security/fair-slots.ts';
import type { AuthSurface } from '../services/security-events.service.ts';
import type { CredentialGuard } from '../services/rate-limit.service.ts';

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

/**
 * Default lifetime of a cached successful verification, milliseconds (1 hour). The cache key holds
 * the stored hash, so rotating, deleting or disabling a client takes effect at once whatever the
 * lifetime; it only bounds how long a verified secret stays in memory. (It was 60 s: every busy
 * client then paid an argon2 run each minute on the request path, docs/performance.md's p99.)
 */
export const DEFAULT_SECRET_CACHE_TTL_MS = 3_600_000;

/** Verifies presented secrets against stored PHC strings with a success cache and a bound. */
export interface SecretVerifier {
  /**
   * True when `presented` matches `storedHash`. With `notAfterMs` (epoch ms) the hash is only
   * valid before that instant: at or after it the answer is false whatever the cache holds.
   */
  verify(clientId: string, storedHash: string, presented: string, notAfterMs?: number): Promise<boolean>;
  /**
   * True when a successful verification of exactly these inputs is cached and still valid (no
   * argon2, no I/O); a true answer counts as a cache hit (it is an authentication).
   */
  cached(clientId: string, storedHash: string, presented: string, notAfterMs?: number): boolean;
  /** Runs `fn` in one of the `maxConcurrent` hash slots, in the fair-queue lane `lane` (other argon2 work: user passwords). */
  withSlot<T>(fn: () => Promise<T>, lane?: string): Promise<T>;
  /** One verification against a dummy hash, in the client's slot lane (unknown clients); always false. */
  verifyDummy(presented: string, clientId?: string): Promise<false>;
  readonly stats: { verifications: number; cacheHits: number };
}

/** Creates a verifier; one per process (or per app in tests). */
export function createSecretVerifier(opts: SecretVerifierOptions = {}): SecretVerifier {
  const key = randomBytes(32);
  const cacheTtlMs = opts.cacheTtlMs ?? DEFAULT_SECRET_CACHE_TTL_MS;
  /** Verifications running now, by cache key: concurrent identical ones wait for the first. */
  const inFlight = new Map<string, Promise<boolean>>();
  const cache = new LRUCache<string, true>({ max: opts.cacheMax ?? 10_000, ttl: cacheTtlMs });
  const slots = createFairSlots(opts.maxConcurrent ?? 4);
  const stats = { verifications: 0, cacheHits: 0 };
  // Cache key: SHA-256 over a random per-process key and the inputs (the presented secret last, so
  // no two input tuples share a key: the other parts come from the database or are digits). A keyed
  // one-shot hash, not createHmac: the key is never shown and only equality lookups use it, and the
  // one-shot call costs a fraction of an HMAC object per request (docs/performance.md).
  const keyHex = key.toString('hex');
  const macOf = (clientId: string, storedHash: string, presented: string, notAfterMs?: number) =>
    hash('sha256', `${keyHex}\0${clientId}\0${storedHash}\0${notAfterMs === undefined ? '' : String(notAfterMs)}\0${presented}`, 'base64url');
  const usable = (presented: unknown): presented is string => typeof presented === 'string' && presented.length > 0 && presented.length <= 1024;
  return {
    stats,
    cached(clientId, storedHash, presented, notAfterMs) {
      if (!usable(presented) || (notAfterMs !== undefined && Date.now() >= notAfterMs)) return false;
      if (cache.get(macOf(clientId, storedHash, presented, notAfterMs)) !== true) return false;
      stats.cacheHits += 1;
      opts.observer?.cacheHit();
      return true;
    },
    withSlot: (fn, lane = 'other') => slots(`o:${lane}`, fn),
    async verifyDummy(presented, clientId = '') {
      const started = performance.now();
      await slots(`c:${clientId}`, () => verifyAgainstDummy(usable(presented) ? presented : 'x'));
      opts.observer?.verified(false, (performance.now() - started) / 1000);
      return false;
    },
    async verify(clientId, storedHash, presented, notAfterMs) {
      if (!usable(presented)) return false;
      const expired = () => notAfterMs !== undefined && Date.now() >= notAfterMs;
      if (expired()) return false;
      const mac = macOf(clientId, storedHash, presented, notAfterMs);
      if (cache.get(mac)) {
        stats.cacheHits += 1;
        opts.observer?.cacheHit();
        return !expired();
      }
      // concurrent requests presenting the same secret share one argon2 run (single flight)
      let running = inFlight.get(mac);
      if (!running) {
        stats.verifications += 1;
        const started = performance.now();
        running = slots(`c:${clientId}`, () => verifySecret(storedHash, presented))
          .then((ok) => {
            opts.observer?.verified(ok, (performance.now() - started) / 1000);
            if (ok && !expired()) {
              const remainingMs = notAfterMs === undefined ? undefined : notAfterMs - Date.now();
              cache.set(mac, true, remainingMs === undefined ? undefined : { ttl: Math.max(1, Math.min(remainingMs, cacheTtlMs)) });
            }
            return ok;
          })
          .finally(() => inFlight.delete(mac));
        inFlight.set(mac, running);
      }
      const ok = await running;
      return ok && !expired();
    },
  };
}

/** oidc-provider routes that authenticate clients (their 429 answer and the unknown-client dummy hash). */
const CLIENT_AUTH_ROUTES: ReadonlyMap<string, AuthSurface> = new Map([
  ['token', 'token'],
  ['introspection', 'introspection'],
  ['revocation', 'revocation'],
  ['pushed_authorization_request', 'token'],
  ['device_authorization', 'token'],
  ['backchannel_authentication', 'token'],
] as const);

/** Error text of a refused (rate-limited) client authentication or password grant. */
export const TOO_MANY_ATTEMPTS = 'too many failed attempts; retry later';

/**
 * The 429 answer of an OAuth endpoint over a failed-authentication limit: sets `Retry-After`
 * (seconds) on `ctx` and returns the error to throw (`invalid_request`: RFC 6749 §5.2 defines no
 * rate-limit code for the token endpoint; `slow_down` is device-flow only, RFC 8628 §3.5).
 */
export function tooManyAttempts(ctx: { set(name: string, value: string): void }, retryAfterSeconds: number): Error {
  ctx.set('Retry-After', String(Math.max(1, Math.ceil(retryAfterSeconds))));
  return new errors.InvalidRequest(TOO_MANY_ATTEMPTS, 429);
}

/** The secret presented on this request (body or Basic), or undefined (oidc-provider decodes it the same way). */
function presentedSecret(ctx: KoaContextWithOIDC): string | undefined {
  const posted = (ctx.oidc.params as { client_secret?: unknown } | undefined)?.client_secret;
  if (typeof posted === 'string' && posted) return posted;
  const header = ctx.headers.authorization;
  if (typeof header !== 'string' || !/^basic /i.test(header)) return undefined;
  const basic = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const i = basic.indexOf(':');
  if (i === -1) return undefined;
  try {
    return decodeURIComponent(basic.slice(i + 1).replace(/\+/g, '%20')) || undefined;
  } catch {
    return basic.slice(i + 1) || undefined;
  }
}

/** The current oidc-provider request when it is one of the client-authenticating routes. */
function clientAuthContext(): { ctx: KoaContextWithOIDC; surface: AuthSurface } | undefined {
  const ctx = Provider.ctx;
  const surface = ctx?.oidc?.route ? CLIENT_AUTH_ROUTES.get(ctx.oidc.route) : undefined;
  return ctx && surface ? { ctx, surface } : undefined;
}

/**
 * Installs the verifier on a provider's Client class: `compareClientSecret` (argon2 with the
 * success cache, the grace-period previous secret and, with `guard`, the failed-attempt limits)
 * and a `Client.find` that burns a dummy verification for unknown clients (see the module comment).
 * @param ClientClass `provider.Client`
 * @param guard the failed-authentication limits; without it (unit tests) no limit applies
 * @throws from `compareClientSecret` / `find`: a 429 `invalid_request` (with `Retry-After` set) over a limit
 */
export function installClientSecretVerifier(
  ClientClass: {
    prototype: { compareClientSecret(actual: string): Promise<boolean> | boolean };
    /** oidc-provider's static lookup; wrapped when present. */
    find?(id: string, ...rest: never[]): Promise<unknown>;
    /** oidc-provider's Client adapter (ours: metadata objects reused while the client is unchanged). */
    adapter?: { find(id: string): Promise<object | undefined> };
  },
  verifier: SecretVerifier,
  guard?: CredentialGuard,
): void {
  ClientClass.prototype.compareClientSecret = async function compareClientSecret(
    this: { clientId: string; clientSecret?: string; ccauth_previous_secret_hash?: string; ccauth_previous_secret_expires_at?: number },
    actual: string,
  ) {
    if (!this.clientSecret) return false;
    const current = this.clientSecret;
    const previous = this.ccauth_previous_secret_hash;
    const notAfterMs = this.ccauth_previous_secret_expires_at;
    const previousValid = () => typeof previous === 'string' && typeof notAfterMs === 'number' && Date.now() < notAfterMs;
    const check = async () => {
      if (await verifier.verify(this.clientId, current, actual)) return true;
      if (!previousValid()) return false;
      return verifier.verify(this.clientId, previous!, actual, notAfterMs);
    };
    const request = guard ? clientAuthContext() : undefined;
    if (!guard || !request) return check();

    const subject = { kind: 'client', clientId: this.clientId } as const;
    const isCached = verifier.cached(this.clientId, current, actual) || (previousValid() && verifier.cached(this.clientId, previous!, actual, notAfterMs));
    if (isCached && guard.pairBlockedForSeconds(subject, request.ctx.ip) === 0) {
      // answered from the success cache (expiry included in the decision): no argon2, no second lookup
      guard.noteSuccess(subject, request.ctx.ip);
      return true;
    }

    const attempt = await guard.begin(subject, request.ctx.ip, { surface: request.surface, log: request.ctx.log });
    if (!attempt.ok) throw tooManyAttempts(request.ctx, attempt.retryAfterSeconds);
    let ok: boolean;
    try {
      ok = await check();
    } catch (err) {
      await attempt.cancel();
      throw err;
    }
    if (ok) await attempt.succeeded();
    else await attempt.failed();
    return ok;
  };

  if (!ClientClass.find) return;
  const find = ClientClass.find.bind(ClientClass);
  const adapter = ClientClass.adapter;
  /**
   * Client instances by the metadata object they were built from. The metadata source returns the
   * same (immutable) object while a client is unchanged, so an identity lookup replaces
   * oidc-provider's per-request JSON.stringify + SHA-256 of the metadata (docs/performance.md); a changed client
   * comes back as a new object and builds a new instance.
   */
  const byMetadata = new WeakMap<object, unknown>();
  ClientClass.find = async function findClient(id: string, ...rest: never[]) {
    const metadata = adapter && typeof id === 'string' && id.length > 0 ? await adapter.find(id) : undefined;
    if (metadata) {
      const known = byMetadata.get(metadata);
      if (known) return known;
    }
    const client = await find(id, ...rest);
    if (client && metadata) byMetadata.set(metadata, client);
    if (client) return client;
    const request = clientAuthContext();
    const secret = request ? presentedSecret(request.ctx) : undefined;
    if (!request || secret === undefined || typeof id !== 'string') return client;
    // "no such client" must look like "wrong secret": same limits, same argon2 work, same 401
    if (guard) {
      const attempt = await guard.begin({ kind: 'client', clientId: id }, request.ctx.ip, { surface: request.surface, log: request.ctx.log });
      if (!attempt.ok) throw tooManyAttempts(request.ctx, attempt.retryAfterSeconds);
      await verifier.verifyDummy(secret, id);
      await attempt.failed();
    } else {
      await verifier.verifyDummy(secret, id);
    }
    return client;
  };
}
