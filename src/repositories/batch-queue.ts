/**
 * The queue behind the batched statements of the token path (payload-writer.ts, payload-reader.ts,
 * payload-updater.ts; docs/performance.md): calls made during one event-loop turn, and while the previous statement is out, leave
 * together in one statement of at most `maxBatch` items, admitted by statement-slots.ts. A batch
 * refused for one item's values (SQLSTATE 22/23) or by a deadlock (40P01) is sent again one item at
 * a time, so only the caller whose own item fails gets the error.
 */
import { createStatementSlots } from './statement-slots.ts';

/** True for an error one row can cause (22 data exception, 23 integrity) or a deadlock (40P01). */
export function retryAlone(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && (/^2[23]/.test(code) || code === '40P01');
}

export interface Pending<I, R> {
  item: I;
  resolve(r: R): void;
  reject(err: unknown): void;
}

/**
 * A queue whose items leave in batches of at most `maxBatch`, admitted by statement slots.
 * `send` settles every pending item of its batch (or throws: then every one gets the error, or
 * with a {@link retryAlone} error each is sent again alone).
 */
export function createBatchQueue<I, R>(
  send: (batch: Pending<I, R>[]) => Promise<void>,
  opts: { maxBatch: number; maxInFlight: number; overlapAfterMs: number },
): (item: I) => Promise<R> {
  let queue: Pending<I, R>[] = [];
  const slots = createStatementSlots({ max: opts.maxInFlight, overlapAfterMs: opts.overlapAfterMs, retry: () => pump() });
  let scheduled = false;

  async function sendOneByOne(batch: Pending<I, R>[]): Promise<void> {
    for (const b of batch) await send([b]).catch((err: unknown) => b.reject(err));
  }

  function pump(): void {
    scheduled = false;
    while (queue.length > 0) {
      const slot = slots.tryAcquire();
      if (slot === undefined) return;
      const batch = queue.length <= opts.maxBatch ? queue : queue.slice(0, opts.maxBatch);
      queue = queue.length <= opts.maxBatch ? [] : queue.slice(opts.maxBatch);
      send(batch)
        .catch((err: unknown) => (batch.length > 1 && retryAlone(err) ? sendOneByOne(batch) : batch.forEach((b) => b.reject(err))))
        .finally(() => {
          slots.release(slot);
          pump();
        });
    }
  }

  return (item) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(pump);
      }
    });
}
