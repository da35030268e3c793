/** persistBeforeResponse / deferWrite (src/oauth/write-behind.ts): which writes are deferred, and which error is reported. */
import { describe, expect, it } from 'vitest';
import { deferWrite, persistBeforeResponse } from '../../../src/oauth/write-behind.ts';

const later = <T>(ms: number, value: T) => new Promise<T>((r) => setTimeout(() => r(value), ms));
const failLater = (ms: number, err: Error) => new Promise<void>((_, reject) => setTimeout(() => reject(err), ms));

describe('write-behind', () => {
  it('defers only inside persistBeforeResponse, for that request only', async () => {
    const ctx = {};
    const other = {};
    expect(deferWrite(ctx, Promise.resolve())).toBe(false);
    expect(deferWrite(undefined, Promise.resolve())).toBe(false);
    await persistBeforeResponse(ctx, async () => {
      expect(deferWrite(ctx, Promise.resolve())).toBe(true);
      expect(deferWrite(other, Promise.resolve())).toBe(false);
    });
    expect(deferWrite(ctx, Promise.resolve())).toBe(false); // the mode ends with the handler
  });

  it('resolves with the handler result only after every deferred write has settled', async () => {
    const ctx = {};
    const done: string[] = [];
    const result = await persistBeforeResponse(ctx, async () => {
      deferWrite(ctx, later(30, undefined).then(() => void done.push('a')));
      deferWrite(ctx, later(10, undefined).then(() => void done.push('b')));
      return 'body';
    });
    expect(result).toBe('body');
    expect(done.sort()).toEqual(['a', 'b']);
  });

  it('rejects with a failed write, after the others settled', async () => {
    const ctx = {};
    const done: string[] = [];
    const run = persistBeforeResponse(ctx, async () => {
      deferWrite(ctx, failLater(5, new Error('write failed')));
      deferWrite(ctx, later(30, undefined).then(() => void done.push('slow')));
    });
    await expect(run).rejects.toThrow('write failed');
    expect(done).toEqual(['slow']);
  });

  it("reports the handler's own error over a failed write, and still waits for the writes", async () => {
    const ctx = {};
    const done: string[] = [];
    const run = persistBeforeResponse(ctx, async () => {
      deferWrite(ctx, failLater(5, new Error('write failed')));
      deferWrite(ctx, later(20, undefined).then(() => void done.push('slow')));
      throw new Error('handler failed');
    });
    await expect(run).rejects.toThrow('handler failed');
    expect(done).toEqual(['slow']);
  });
});
