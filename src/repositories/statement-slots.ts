/**
 * Admission of batched statements (payload-writer.ts, payload-reader.ts): how many may be in
 * flight, and when one more may join them (docs/performance.md).
 *
 * Rows queue while a statement is out and leave together in the next one, so the fewer statements
 * overlap, the more rows each carries. Every statement costs the same fixed price whatever its size
 * (on this 2-core machine ~50 µs of socket write and PostgreSQL wake-up, plus the driver's work):
 * measured with client_credentials at full load, one statement at a time instead of two overlapping
 * cut ccauth's CPU per request by 12-15 % (bench/ab A/B, 6 rounds). A second statement still starts
 * when the oldest in flight has been out `overlapAfterMs` — it is slow (a lock wait, a busy server)
 * — so one slow statement cannot hold up everything queued behind it; at most `max` are out at once.
 */

export interface StatementSlotsOptions {
  /** Most statements in flight at once (≥ 1). */
  max: number;
  /** Milliseconds the oldest in-flight statement must have been out before another may start. */
  overlapAfterMs: number;
  /** Called (from a timer) when a statement refused for `overlapAfterMs` may start now. */
  retry: () => void;
  /** Clock in milliseconds (default `performance.now`); for tests. */
  now?: () => number;
}

export interface StatementSlots {
  /**
   * A slot for a statement about to start (pass it to {@link release} when it settles), or
   * undefined: none free now. When the refusal is only the overlap delay, `retry` is called once it
   * ends; when all `max` are busy, the caller tries again on its next release.
   */
  tryAcquire(): number | undefined;
  /** Frees the slot `tryAcquire` gave. */
  release(slot: number): void;
  /** Statements in flight now. */
  readonly inFlight: number;
}

/** Creates the admission state of one batching queue. */
export function createStatementSlots(opts: StatementSlotsOptions): StatementSlots {
  const now = opts.now ?? (() => performance.now());
  /** Start times of the statements in flight, by slot id. */
  const started = new Map<number, number>();
  let nextId = 1;
  let timer: NodeJS.Timeout | undefined;

  return {
    get inFlight() {
      return started.size;
    },
    tryAcquire() {
      if (started.size >= opts.max) return undefined;
      const t = now();
      if (started.size > 0) {
        let oldest = Number.POSITIVE_INFINITY;
        for (const s of started.values()) oldest = Math.min(oldest, s);
        const waited = t - oldest;
        if (waited < opts.overlapAfterMs) {
          timer ??= setTimeout(() => {
            timer = undefined;
            opts.retry();
          }, Math.ceil(opts.overlapAfterMs - waited)).unref();
          return undefined;
        }
      }
      const id = nextId++;
      started.set(id, t);
      return id;
    },
    release(slot) {
      started.delete(slot);
    },
  };
}
