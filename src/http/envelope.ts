/**
 * The Genesys response envelope (genesys-api.md §4.1): `{"status":{"code":0}, "data"?, "path"?}`
 * on success, `{"status":{"code":N,"message":"..."}}` on failure.
 */
import type { Context } from 'koa';

/**
 * Writes a success envelope with optional `data`, `path` and, on a paged list, `nextCursor` (the
 * opaque position of the next page). HTTP 200, like Genesys.
 */
export function ok(ctx: Context, extra: { data?: unknown; path?: string; nextCursor?: string } = {}): void {
  ctx.status = 200;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { status: { code: 0 }, ...extra };
}
