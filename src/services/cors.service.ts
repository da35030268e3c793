/**
 * Which browser origins may call the OAuth endpoints (token, introspection, revocation, userinfo)
 * — genesys-api.md §6, design.md §3 "CORS".
 *
 * An origin is allowed for a request when it is in the global list (`CORS_ORIGINS`) or in the
 * `cors-origins` setting of one of the contact centers the request is about (the client's bound
 * contact centers; for userinfo also the token user's contact center). A preflight carries no
 * credentials, so it is answered from the union of every contact center's list plus the global one.
 *
 * Cache: one in-process snapshot of every contact center's `cors-origins` value, reloaded (one
 * SELECT) when it is older than `maxAgeMs` (default 1000 ms) and someone asks. A settings change is
 * therefore in force on every process within one second, with no LISTEN/NOTIFY and no per-request
 * query while traffic is steady. oidc-provider's `clientBasedCORS` hook is synchronous, so the
 * HTTP edge awaits {@link CorsPolicy.refresh} before the provider runs and the hook reads the
 * snapshot with {@link CorsPolicy.allowedFor}.
 *
 * Failure: a snapshot that cannot be loaded counts as empty (only global origins allowed) and the
 * next request tries again — the allow-list fails closed.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { normalizeOrigin, parseCorsOrigins } from '../domain/environment.ts';
import { createCorsOriginsRepository } from '../repositories/cors-origins.repository.ts';

/** Default age, in milliseconds, after which the snapshot is reloaded. */
export const CORS_CACHE_MAX_AGE_MS = 1000;

export interface CorsPolicy {
  /**
   * Makes the snapshot at most `maxAgeMs` old (one shared load when several requests ask at once).
   * Never rejects: a failed load leaves an empty snapshot and is logged.
   */
  refresh(): Promise<void>;
  /**
   * True when `origin` (an `Origin` header value) is global or listed by one of `ccids`. Reads the
   * current snapshot synchronously: call {@link refresh} first in the same request.
   */
  allowedFor(origin: string, ccids: readonly string[]): boolean;
  /** True when `origin` is global or listed by any contact center (preflights, errors without a client). */
  allowedAnywhere(origin: string): boolean;
}

export interface CorsPolicyDeps {
  knex: Knex;
  /** `CORS_ORIGINS`: origins allowed for every client, already normalized. */
  globalOrigins: readonly string[];
  logger?: Logger;
  /** Snapshot lifetime in ms; default {@link CORS_CACHE_MAX_AGE_MS}. */
  maxAgeMs?: number;
  /** Clock in epoch ms (tests). */
  now?: () => number;
}

interface Snapshot {
  /** When the load that produced it started (epoch ms); -Infinity before the first load. */
  loadedAt: number;
  byContactCenter: Map<string, Set<string>>;
  union: Set<string>;
}

/** The serialized form of an `Origin` header value, or undefined for `null`, garbage or non-http(s). */
export function canonicalRequestOrigin(origin: string | undefined): string | undefined {
  if (!origin || origin.length > 512) return undefined;
  const r = normalizeOrigin(origin);
  return 'origin' in r ? r.origin : undefined;
}

/** Builds the policy over the settings table. */
export function createCorsPolicy(deps: CorsPolicyDeps): CorsPolicy {
  const repo = createCorsOriginsRepository(deps.knex);
  const maxAgeMs = deps.maxAgeMs ?? CORS_CACHE_MAX_AGE_MS;
  const now = deps.now ?? Date.now;
  const global = new Set(deps.globalOrigins.map((o) => canonicalRequestOrigin(o)).filter((o): o is string => !!o));
  let snapshot: Snapshot = { loadedAt: -Infinity, byContactCenter: new Map(), union: new Set() };
  let inFlight: Promise<void> | undefined;

  async function load(): Promise<void> {
    const startedAt = now();
    try {
      const rows = await repo.listAll();
      const byContactCenter = new Map<string, Set<string>>();
      const union = new Set<string>();
      for (const row of rows) {
        const origins = new Set<string>();
        // Values are normalized when written; parse item by item anyway and skip what is not an origin.
        for (const item of row.value.split(',')) {
          const parsed = parseCorsOrigins(item);
          if ('origins' in parsed) for (const o of parsed.origins) origins.add(o);
        }
        byContactCenter.set(row.ccid.toLowerCase(), origins);
        for (const o of origins) union.add(o);
      }
      snapshot = { loadedAt: startedAt, byContactCenter, union };
    } catch (err) {
      deps.logger?.warn({ err }, 'could not load the CORS allow-list; only global origins are allowed');
      snapshot = { loadedAt: -Infinity, byContactCenter: new Map(), union: new Set() };
    }
  }

  return {
    async refresh() {
      if (now() - snapshot.loadedAt < maxAgeMs) return;
      inFlight ??= load().finally(() => {
        inFlight = undefined;
      });
      await inFlight;
    },

    allowedFor(origin, ccids) {
      const o = canonicalRequestOrigin(origin);
      if (!o) return false;
      if (global.has(o)) return true;
      return ccids.some((ccid) => snapshot.byContactCenter.get(ccid.toLowerCase())?.has(o) === true);
    },

    allowedAnywhere(origin) {
      const o = canonicalRequestOrigin(origin);
      if (!o) return false;
      return global.has(o) || snapshot.union.has(o);
    },
  };
}
