/** The admin APIs' envelope error middleware (src/http/middleware/error-handler.ts): data exceptions from PostgreSQL. */
import { describe, expect, it, vi } from 'vitest';
import type { Context } from 'koa';
import { envelopeErrors } from '../../../src/http/middleware/error-handler.ts';

function fakeContext() {
  const headers: Record<string, string> = {};
  const log = { error: vi.fn(), warn: vi.fn() };
  const ctx = { status: 200, body: undefined as unknown, set: (k: string, v: string) => void (headers[k] = v), log } as unknown as Context;
  return { ctx, headers, log };
}

describe('envelopeErrors', () => {
  it.each([
    ['22021', 'invalid byte sequence for encoding "UTF8": 0x00'],
    ['22P05', 'unsupported Unicode escape sequence'],
    ['22001', 'value too long for type character varying(10)'],
    ['54000', 'index row size 3000 exceeds btree version 4 maximum 2704'],
  ])('turns SQLSTATE %s into 400 code 2 without showing the database message', async (code, message) => {
    const { ctx, headers, log } = fakeContext();
    await envelopeErrors(ctx, async () => {
      throw Object.assign(new Error(message), { code });
    });
    expect(ctx.status).toBe(400);
    expect(ctx.body).toEqual({ status: { code: 2, message: 'a value in the request cannot be stored (invalid characters or too large)' } });
    expect(JSON.stringify(ctx.body)).not.toContain(message);
    expect(headers['Cache-Control']).toBe('no-store');
    expect(log.warn).toHaveBeenCalledOnce();
  });

  it('keeps other errors a 500 with code 4 and a generic message', async () => {
    const { ctx, log } = fakeContext();
    await envelopeErrors(ctx, async () => {
      throw Object.assign(new Error('syntax error at or near "x"'), { code: '42601' });
    });
    expect(ctx.status).toBe(500);
    expect(ctx.body).toEqual({ status: { code: 4, message: 'internal error' } });
    expect(log.error).toHaveBeenCalledOnce();
  });
});
