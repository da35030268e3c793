import { describe, expect, it, vi } from 'vitest';
import { createStatementSlots } from '../../../src/repositories/statement-slots.ts';

describe('statement slots (batched writer/reader admission)', () => {
  it('admits one statement, refuses a second until the first has been out overlapAfterMs, then admits up to max', () => {
    let t = 1000;
    const retry = vi.fn();
    const slots = createStatementSlots({ max: 2, overlapAfterMs: 5, retry, now: () => t });
    const a = slots.tryAcquire();
    expect(a).toBeTypeOf('number');
    t += 4.9;
    expect(slots.tryAcquire()).toBeUndefined(); // the first is still young: rows keep queueing
    t += 0.1;
    const b = slots.tryAcquire();
    expect(b).toBeTypeOf('number');
    expect(b).not.toBe(a);
    t += 100;
    expect(slots.tryAcquire()).toBeUndefined(); // max reached, however long they have been out
    expect(slots.inFlight).toBe(2);
    slots.release(a!);
    expect(slots.inFlight).toBe(1);
    // the oldest in flight is now b (out 100 ms): a new one may overlap it
    expect(slots.tryAcquire()).toBeTypeOf('number');
  });

  it('measures the overlap from the oldest statement still in flight', () => {
    let t = 0;
    const slots = createStatementSlots({ max: 3, overlapAfterMs: 5, retry: () => {}, now: () => t });
    const a = slots.tryAcquire()!;
    t = 6;
    slots.tryAcquire(); // b at 6 ms
    slots.release(a);
    t = 8; // b has been out 2 ms only
    expect(slots.tryAcquire()).toBeUndefined();
    t = 11;
    expect(slots.tryAcquire()).toBeTypeOf('number');
  });

  it('calls retry once the overlap delay has passed (one timer however often it is refused)', async () => {
    const retry = vi.fn();
    const slots = createStatementSlots({ max: 2, overlapAfterMs: 20, retry });
    slots.tryAcquire();
    expect(slots.tryAcquire()).toBeUndefined();
    expect(slots.tryAcquire()).toBeUndefined();
    expect(retry).not.toHaveBeenCalled();
    await new Promise((r) => setTimeout(r, 60));
    expect(retry).toHaveBeenCalledTimes(1);
    expect(slots.tryAcquire()).toBeTypeOf('number');
  });

  it('with max 1 never overlaps', () => {
    let t = 0;
    const slots = createStatementSlots({ max: 1, overlapAfterMs: 0, retry: () => {}, now: () => t });
    const a = slots.tryAcquire()!;
    t = 1e6;
    expect(slots.tryAcquire()).toBeUndefined();
    slots.release(a);
    expect(slots.tryAcquire()).toBeTypeOf('number');
  });
});
