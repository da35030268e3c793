/**
 * Read-ahead within one oidc-provider request (docs/performance.md: as few statements per request as possible).
 *
 * The adapter's token statement (repositories/payload-reader.ts) also brings the token's grant and,
 * for a user account, the user. oidc-provider then asks for them separately (`Grant.find`,
 * `findAccount`) within the same request; these maps hand over what was read, once, instead of a
 * further statement each. Keyed by the request's koa context (oidc-provider's `Provider.ctx`,
 * AsyncLocalStorage), so nothing outlives the request or crosses to another one. The answer is the
 * one a second read would have given a moment earlier: the reads were never one snapshot anyway.
 */
import Provider from 'oidc-provider';
import type { UserWithContext } from '../domain/user.ts';
import type { PayloadRow } from '../repositories/oidc-payloads.repository.ts';
import type { PayloadRowWithGrant } from '../repositories/payload-reader.ts';

/** The oidc-provider request being served, or undefined outside one. */
export const currentRequest = (): object | undefined => (Provider as unknown as { ctx?: object }).ctx;

/** A per-request, take-once store: `take` answers `{ hit: false }` when nothing was put (or it was taken). */
function takeOnce<V>() {
  const byRequest = new WeakMap<object, Map<string, V>>();
  return {
    put(ctx: object, key: string, value: V): void {
      let m = byRequest.get(ctx);
      if (!m) byRequest.set(ctx, (m = new Map()));
      m.set(key, value);
    },
    take(ctx: object | undefined, key: string): { hit: true; value: V } | { hit: false } {
      const m = ctx ? byRequest.get(ctx) : undefined;
      if (!m?.has(key)) return { hit: false };
      const value = m.get(key) as V;
      m.delete(key);
      return { hit: true, value };
    },
    forget(ctx: object | undefined): void {
      if (ctx) byRequest.delete(ctx);
    },
  };
}

/** Grants read with a token: key = digest of the grant id; null = gone or expired. Dropped when the request writes a grant. */
export const prefetchedGrants = takeOnce<PayloadRow | null>();

/** Rows read ahead on purpose (adapter `prefetch`): key = `model\0digest`; undefined = no live row. */
export const prefetchedRows = takeOnce<PayloadRowWithGrant | undefined>();

/** Users read with a token: key = account id; null = no such user. */
export const prefetchedUsers = takeOnce<UserWithContext | null>();

/** Per-request state of {@link tokenLookups}, on the request's koa context. */
const TOKEN_LOOKUPS = Symbol('ccauth.tokenLookups');
type SharedLookup<R> = { digest: string; pending: Set<string>; answer: Promise<R> };

/**
 * One lookup of a token in several models, shared by those models' lookups within one request
 * (the adapter's introspection/revocation path: oauth/adapter.ts). `take(ctx, digest, model,
 * models, start)` returns the shared answer for `digest`, starting it with `start()` when no
 * lookup of that digest is pending for `model`; each model takes a started lookup once, after
 * which the next lookup of that model starts a fresh one. `forget` drops the request's state (any
 * write in the request). Kept on the context object (a symbol-keyed property), so it dies with the
 * request and never crosses to another one.
 */
export const tokenLookups = {
  take<R>(ctx: object, digest: string, model: string, models: readonly string[], start: () => Promise<R>): Promise<R> {
    const holder = ctx as { [TOKEN_LOOKUPS]?: SharedLookup<R> };
    const current = holder[TOKEN_LOOKUPS];
    if (current && current.digest === digest && current.pending.delete(model)) return current.answer;
    const next: SharedLookup<R> = { digest, pending: new Set(models), answer: start() };
    next.pending.delete(model);
    holder[TOKEN_LOOKUPS] = next;
    return next.answer;
  },
  forget(ctx: object | undefined): void {
    if (ctx) delete (ctx as { [TOKEN_LOOKUPS]?: unknown })[TOKEN_LOOKUPS];
  },
};
