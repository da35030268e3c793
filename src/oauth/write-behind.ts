/**
 * Write-behind within one grant handler, persisted before the response (docs/performance.md: as few
 * sequential round trips per request as possible).
 *
 * oidc-provider's refresh_token grant saves the new refresh token and only then builds and saves
 * the access token: two inserts, one after the other. Inside {@link persistBeforeResponse} the
 * adapter's `upsert` hands its row to the batched writer and returns at once
 * ({@link deferWrite}); the rows of one handler then leave together in one statement
 * (repositories/payload-writer.ts batches what is queued during one event-loop turn), while the
 * handler goes on (the ID token is signed meanwhile). When the handler returns, every deferred
 * write is awaited: the response is sent only once its tokens are committed (design.md §3), and a
 * failed write fails the request exactly as an awaited one would.
 *
 * Keyed by the request's koa context (oidc-provider's `Provider.ctx`), so nothing crosses requests.
 * Only for handlers that never read back a row they wrote in the same request (a deferred row may
 * not be committed yet): oidc-provider's authorization_code and refresh_token handlers.
 */

/** The writes deferred so far, per request in write-behind mode. */
const deferred = new WeakMap<object, Promise<void>[]>();

/**
 * Defers `write` when `ctx` is in write-behind mode: true when it was taken (the caller returns
 * without awaiting it), false when the caller must await it itself (no request, or not in that mode).
 * A deferred write's rejection is reported by {@link persistBeforeResponse}, never left unhandled.
 */
export function deferWrite(ctx: object | undefined, write: Promise<void>): boolean {
  const writes = ctx ? deferred.get(ctx) : undefined;
  if (!writes) return false;
  write.catch(() => undefined);
  writes.push(write);
  return true;
}

/**
 * Runs `handler` with the writes it makes through the adapter deferred, then waits for all of them.
 * Resolves once every deferred write has committed; rejects with the handler's error, or else with
 * the first failed write's error. When the handler throws, its writes are still waited for (none is
 * left running after the request), and the handler's error is the one reported.
 */
export async function persistBeforeResponse<T>(ctx: object, handler: () => Promise<T>): Promise<T> {
  const writes: Promise<void>[] = [];
  deferred.set(ctx, writes);
  const settle = async () => {
    deferred.delete(ctx);
    const failed = (await Promise.allSettled(writes)).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  };
  let result: T;
  try {
    result = await handler();
  } catch (err) {
    await settle().catch(() => undefined);
    throw err;
  }
  await settle();
  return result;
}
