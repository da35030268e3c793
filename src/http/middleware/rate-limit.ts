/**
 * The koa side of the failed-authentication limits (docs/security-model.md "Security model";
 * services/rate-limit.service.ts):
 *
 * - {@link createOpsBasicCheck}: ops HTTP Basic on the ops API and the Environment API as a
 *   limited attempt, with a short in-process success cache so a provisioning script does not pay
 *   the limiter's database round trips on every call.
 * - {@link tooManyAttemptsEnvelope}: the admin APIs' 429 answer (Genesys envelope, `Retry-After`).
 * - {@link attemptScope} + {@link guardedLoginAttempts}: the ops console's sign-in, which speaks the
 *   older {@link LoginAttemptsService} interface without an address, runs as a limited attempt
 *   keyed by the request's address (carried in an AsyncLocalStorage scope opened per console
 *   request).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHmac, randomBytes } from 'node:crypto';
import type { Context, Next } from 'koa';
import { LRUCache } from 'lru-cache';
import type { LoginAttemptsService } from '../../services/login-attempts.service.ts';
import type { OpsCredentials } from '../../services/ops-credentials.service.ts';
import type { Attempt, CredentialGuard, Refusal } from '../../services/rate-limit.service.ts';
import type { AuthSurface } from '../../services/security-events.service.ts';

/** Message of every 429 answer outside the OAuth endpoints. */
export const TOO_MANY_ATTEMPTS_MESSAGE = 'too many failed authentication attempts; retry later';

/**
 * Answers 429 on an admin API: `Retry-After` (seconds), `Cache-Control: no-store`, and the Genesys
 * envelope with code 20 (not authenticated): `{"status":{"code":20,"message":"too many failed
 * authentication attempts; retry later"}}`.
 */
export function tooManyAttemptsEnvelope(ctx: Context, retryAfterSeconds: number): void {
  ctx.status = 429;
  ctx.set('Retry-After', String(Math.max(1, Math.ceil(retryAfterSeconds))));
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { status: { code: 20, message: TOO_MANY_ATTEMPTS_MESSAGE } };
}

/** Outcome of an ops Basic check: right, wrong, or refused by a limit (nothing verified). */
export type OpsBasicOutcome = { ok: true } | { ok: false; refused?: Refusal };

/**
 * Builds the ops Basic check used by the admin guards (http/middleware/admin-auth.ts).
 *
 * Credentials that succeeded through a limited attempt within the last `cacheTtlMs` (default 60 s)
 * are accepted from an in-process cache keyed by an HMAC (random per-process key) of
 * username + password, unless this process knows their (name, address) pair to be blocked; any
 * other check is a limited attempt. Without `guard`, a plain verification.
 */
export function createOpsBasicCheck(deps: { ops: OpsCredentials; guard?: CredentialGuard | undefined; cacheTtlMs?: number }) {
  const key = randomBytes(32);
  const cache = new LRUCache<string, true>({ max: 100, ttl: deps.cacheTtlMs ?? 60_000 });
  return async function checkOpsBasic(ctx: Context, creds: { username: string; password: string }, surface: AuthSurface): Promise<OpsBasicOutcome> {
    const { guard } = deps;
    if (!guard) return { ok: await deps.ops.verify(creds.username, creds.password) };
    const mac = createHmac('sha256', key).update(creds.username).update('\0').update(creds.password).digest('base64url');
    const subject = { kind: 'user', login: creds.username } as const;
    if (cache.get(mac) && guard.pairBlockedForSeconds(subject, ctx.ip) === 0) {
      guard.noteSuccess(subject, ctx.ip);
      return { ok: true };
    }
    const attempt = await guard.begin(subject, ctx.ip, { surface, log: ctx.log });
    if (!attempt.ok) return { ok: false, refused: attempt };
    let ok: boolean;
    try {
      ok = await deps.ops.verify(creds.username, creds.password);
    } catch (err) {
      await attempt.cancel();
      throw err;
    }
    if (ok) {
      cache.set(mac, true);
      await attempt.succeeded();
    } else {
      await attempt.failed();
    }
    return { ok };
  };
}

/** The check built by {@link createOpsBasicCheck}. */
export type OpsBasicCheck = ReturnType<typeof createOpsBasicCheck>;

interface AttemptScope {
  ctx: Context;
  attempt?: Attempt | undefined;
}
const scopes = new AsyncLocalStorage<AttemptScope>();

/** Middleware: opens an attempt scope for requests under `prefix` (the ops console). */
export function attemptScope(prefix: string) {
  return function attemptScopeMiddleware(ctx: Context, next: Next): Promise<unknown> {
    if (ctx.path !== prefix && !ctx.path.startsWith(`${prefix}/`)) return next();
    return scopes.run({ ctx }, next);
  };
}

/**
 * A {@link LoginAttemptsService} for callers that pass no address (the ops console): inside an
 * {@link attemptScope}, `lockedForSeconds` begins a limited attempt for the request's address
 * (a refusal sets `Retry-After` and answers its seconds), and `recordFailure` / `recordSuccess`
 * settle it. Outside a scope it forwards to `fallback` (per-name counting).
 */
export function guardedLoginAttempts(guard: CredentialGuard, fallback: LoginAttemptsService, surface: AuthSurface): LoginAttemptsService {
  return {
    policy: fallback.policy,
    async lockedForSeconds(login, tenant, address) {
      const scope = scopes.getStore();
      if (!scope) return fallback.lockedForSeconds(login, tenant, address);
      const r = await guard.begin({ kind: 'user', login, tenant }, address ?? scope.ctx.ip, { surface, log: scope.ctx.log });
      if (!r.ok) {
        scope.ctx.set('Retry-After', String(r.retryAfterSeconds));
        return r.retryAfterSeconds;
      }
      scope.attempt = r;
      return 0;
    },
    async recordFailure(login, tenant, address) {
      const scope = scopes.getStore();
      const attempt = scope?.attempt;
      if (!attempt) return fallback.recordFailure(login, tenant, address);
      scope.attempt = undefined;
      return (await attempt.failed()).lockedForSeconds;
    },
    async recordSuccess(login, tenant, address) {
      const scope = scopes.getStore();
      const attempt = scope?.attempt;
      if (!attempt) return fallback.recordSuccess(login, tenant, address);
      scope.attempt = undefined;
      await attempt.succeeded();
    },
  };
}

/**
 * Middleware in front of oidc-provider's client-authenticating endpoints (`paths`): a request with
 * HTTP Basic client credentials whose (client id, address) pair this process already knows to be
 * blocked is answered at once, as oidc-provider itself would answer it (429, `Retry-After`,
 * `Cache-Control: no-store`, `{"error":"invalid_request","error_description":"too many failed
 * attempts; retry later"}`), without parsing the body or entering the provider. Keeps a flood
 * from one address cheap. Anything else passes through (the provider decides).
 */
export function refuseBlockedClients(guard: CredentialGuard, paths: ReadonlySet<string>) {
  return async function refuseBlockedClientsMiddleware(ctx: Context, next: Next): Promise<void> {
    if (ctx.method !== 'POST' || !paths.has(ctx.path)) return next();
    const header = ctx.get('authorization');
    if (!/^basic /i.test(header)) return next();
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i <= 0) return next();
    let clientId: string;
    try {
      clientId = decodeURIComponent(decoded.slice(0, i).replace(/\+/g, '%20'));
    } catch {
      return next();
    }
    const seconds = guard.pairBlockedForSeconds({ kind: 'client', clientId }, ctx.ip);
    if (seconds === 0) return next();
    guard.noteRefused?.('client_addr');
    ctx.status = 429;
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Retry-After', String(seconds));
    ctx.body = { error: 'invalid_request', error_description: 'too many failed attempts; retry later' };
  };
}
