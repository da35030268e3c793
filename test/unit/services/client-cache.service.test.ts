import { describe, expect, it } from 'vitest';
import { createClientCache } from '../../../src/services/client-cache.service.ts';

function setup(opts: { ttlMs?: number; settleMs?: number } = {}) {
  let now = 1_000_000;
  const loads: string[] = [];
  const db = new Map<string, string>([['a', 'A1']]);
  let gate: Promise<void> | undefined;
  const cache = createClientCache<string>({
    async load(id) {
      loads.push(id);
      const value = db.get(id);
      if (gate) await gate;
      return value;
    },
    ttlMs: () => opts.ttlMs ?? 5000,
    settleMs: opts.settleMs ?? 1000,
    now: () => now,
  });
  return {
    cache,
    loads,
    db,
    advance: (ms: number) => (now += ms),
    hold() {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

describe('client cache', () => {
  it('loads once, then answers from memory until the lifetime ends', async () => {
    const s = setup();
    expect(await s.cache.get('a')).toBe('A1');
    expect(await s.cache.get('a')).toBe('A1');
    expect(s.loads).toEqual(['a']);
    s.db.set('a', 'A2');
    s.advance(5001);
    expect(await s.cache.get('a')).toBe('A2');
    expect(s.cache.stats).toMatchObject({ hits: 1, misses: 2 });
  });

  it('remembers "no such client" too, until invalidated', async () => {
    const s = setup();
    expect(await s.cache.get('b')).toBeUndefined();
    expect(await s.cache.get('b')).toBeUndefined();
    expect(s.loads).toEqual(['b']);
    s.db.set('b', 'B1');
    s.cache.invalidate('b');
    expect(await s.cache.get('b')).toBe('B1');
  });

  it('shares one load between concurrent misses', async () => {
    const s = setup();
    const release = s.hold();
    const all = Promise.all([s.cache.get('a'), s.cache.get('a'), s.cache.get('a')]);
    release();
    expect(await all).toEqual(['A1', 'A1', 'A1']);
    expect(s.loads).toEqual(['a']);
  });

  it('never stores a load that raced with an invalidation, nor anything during the settle period', async () => {
    const s = setup();
    const release = s.hold();
    const racing = s.cache.get('a');
    s.db.set('a', 'A2');
    s.cache.invalidateAll();
    release();
    expect(await racing).toBe('A1'); // the caller gets what it read...
    expect(await s.cache.get('a')).toBe('A2'); // ...but it was not kept
    expect(await s.cache.get('a')).toBe('A2');
    expect(s.loads).toEqual(['a', 'a', 'a']); // settling: no store for 1 s
    s.advance(1001);
    await s.cache.get('a');
    await s.cache.get('a');
    expect(s.loads).toHaveLength(4);
  });

  it('reads the lifetime at each store (shortened while invalidation from other processes is down)', async () => {
    let ttl = 5000;
    let now = 0;
    let n = 0;
    const cache = createClientCache<number>({ load: async () => ++n, ttlMs: () => ttl, now: () => now });
    await cache.get('x');
    ttl = 1000;
    now = 5001;
    expect(await cache.get('x')).toBe(2);
    now = 6002;
    expect(await cache.get('x')).toBe(3);
  });

  it('drops the oldest entries beyond maxEntries', async () => {
    const cache = createClientCache<string>({ load: async (id) => id, maxEntries: 2 });
    await cache.get('1');
    await cache.get('2');
    await cache.get('3');
    expect(cache.size).toBe(2);
  });
});
