/**
 * Fair bounded concurrency (docs/security-model.md): a semaphore whose waiters queue per *lane* (a client id,
 * a login name) and are served round-robin across lanes, so a flood in one lane waits behind
 * itself and another lane's work waits for at most one turn of the busy lanes, not for the whole
 * flood (a plain FIFO queue such as p-limit would make it wait for everything queued before it).
 * Used for argon2 verifications (oauth/client-auth.ts) and rate-limiter statements
 * (repositories/rate-limits.repository.ts).
 */

/**
 * A counting semaphore of `max` slots whose waiters queue per lane; a freed slot goes to the next
 * lane in round-robin order (a lane with more waiters goes to the back after each turn). Returns
 * `run(lane, fn)`, which resolves or rejects as `fn` does.
 */
export function createFairSlots(max: number): <T>(lane: string, fn: () => Promise<T>) => Promise<T> {
  let running = 0;
  /** lane → waiting starters; Map order is the rotation. */
  const lanes = new Map<string, (() => void)[]>();
  const pump = () => {
    while (running < max && lanes.size > 0) {
      const [lane, waiters] = lanes.entries().next().value as [string, (() => void)[]];
      const start = waiters.shift()!;
      lanes.delete(lane);
      if (waiters.length > 0) lanes.set(lane, waiters);
      running += 1;
      start();
    }
  };
  return <T>(lane: string, fn: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      const start = () => {
        Promise.resolve()
          .then(fn)
          .then(resolve, reject)
          .finally(() => {
            running -= 1;
            pump();
          });
      };
      const waiting = lanes.get(lane);
      if (waiting) waiting.push(start);
      else lanes.set(lane, [start]);
      pump();
    });
}

