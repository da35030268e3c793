/**
 * In-process cache of clients for the token path (docs/performance.md, design.md §1 "in-memory caches are
 * invalidated across processes with Postgres LISTEN/NOTIFY").
 *
 * oidc-provider asks its Client adapter for the client's metadata on every token, introspection and
 * revocation request; without a cache that is one SELECT per request. Entries (including "no such
 * client", so unknown ids do not reach the database on every try) live for `ttlMs()`.
 *
 * Invalidation — who calls {@link ClientCache.invalidate}:
 * - this process, when it writes the clients tables (repositories/client-changes.repository.ts
 *   watches every statement it sends, whichever service sends it), right when the write commits;
 * - the other processes, through a NOTIFY that this process sends after the commit and they LISTEN
 *   for (same file).
 * After an invalidation the cache is bypassed for `settleMs` (default 1000 ms): a load that races
 * with a commit still in flight must not store the old row. A load that started before an
 * invalidation never stores its result (generation check). When the listener is down, the app
 * shortens `ttlMs()` to 1 s, so a change is in force everywhere within a second in every case.
 */

/** What {@link createClientCache} needs. */
export interface ClientCacheOptions<T> {
  /** Reads one client from the database; undefined when there is none. */
  load(clientId: string): Promise<T | undefined>;
  /** Entry lifetime in milliseconds, read at each store (it may change while running). Default 5000. */
  ttlMs?: () => number;
  /** Milliseconds after an invalidation during which nothing is stored. Default 1000. */
  settleMs?: number;
  /** Most entries kept (oldest dropped first). Default 10,000. */
  maxEntries?: number;
  /** Clock, epoch ms (tests). */
  now?: () => number;
}

/** Counters since start (also exported as metrics). */
export interface ClientCacheStats {
  hits: number;
  misses: number;
  invalidations: number;
}

export interface ClientCache<T> {
  /** The client (cached or loaded; concurrent misses for one id share one load). Rejects when the load does. */
  get(clientId: string): Promise<T | undefined>;
  /** Forgets one client (and starts the settle period for it). */
  invalidate(clientId: string): void;
  /** Forgets every client (and starts the settle period for all). */
  invalidateAll(): void;
  readonly stats: ClientCacheStats;
  /** Entries held now. */
  readonly size: number;
}

interface Entry<T> {
  value: T | undefined;
  expiresAt: number;
}

/** Default entry lifetime while cross-process invalidation works, milliseconds. */
export const CLIENT_CACHE_TTL_MS = 5000;
/** Entry lifetime when cross-process invalidation is unavailable, milliseconds. */
export const CLIENT_CACHE_DEGRADED_TTL_MS = 1000;

/** Creates a cache; one per app. */
export function createClientCache<T>(opts: ClientCacheOptions<T>): ClientCache<T> {
  const ttlMs = opts.ttlMs ?? (() => CLIENT_CACHE_TTL_MS);
  const settleMs = opts.settleMs ?? 1000;
  const maxEntries = opts.maxEntries ?? 10_000;
  const now = opts.now ?? Date.now;
  const entries = new Map<string, Entry<T>>();
  const loading = new Map<string, Promise<T | undefined>>();
  /** Per-id settle deadlines; `allSettleUntil` covers every id. */
  const settling = new Map<string, number>();
  let allSettleUntil = 0;
  let generation = 0;
  const stats: ClientCacheStats = { hits: 0, misses: 0, invalidations: 0 };

  const unsettled = (id: string, t: number) => t >= allSettleUntil && t >= (settling.get(id) ?? 0);

  async function loadAndStore(clientId: string): Promise<T | undefined> {
    const startedGen = generation;
    const value = await opts.load(clientId);
    const t = now();
    if (generation === startedGen && unsettled(clientId, t)) {
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(clientId, { value, expiresAt: t + ttlMs() });
    }
    return value;
  }

  return {
    stats,
    get size() {
      return entries.size;
    },
    get(clientId) {
      const t = now();
      const e = entries.get(clientId);
      if (e && e.expiresAt > t) {
        stats.hits += 1;
        return Promise.resolve(e.value);
      }
      if (e) entries.delete(clientId);
      stats.misses += 1;
      let p = loading.get(clientId);
      if (!p) {
        p = loadAndStore(clientId).finally(() => loading.delete(clientId));
        loading.set(clientId, p);
      }
      return p;
    },
    invalidate(clientId) {
      generation += 1;
      stats.invalidations += 1;
      entries.delete(clientId);
      loading.delete(clientId);
      const t = now();
      settling.set(clientId, t + settleMs);
      if (settling.size > 1000) for (const [id, until] of settling) if (until <= t) settling.delete(id);
    },
    invalidateAll() {
      generation += 1;
      stats.invalidations += 1;
      entries.clear();
      loading.clear();
      allSettleUntil = now() + settleMs;
    },
  };
}
