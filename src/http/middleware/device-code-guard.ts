/**
 * Lockout on the device user code page (RFC 8628 §5.1 "brute forcing the user code": "rate-limit
 * user code submissions"): every POST to `/auth/v3/device` that carries a user code is an attempt
 * of the credential guard (services/rate-limit.service.ts) for the pseudo login name
 * `device-code@<address>`, so the login-name lockout applies per source address
 * (LOGIN_MAX_FAILURES wrong codes lock the address for LOGIN_LOCKOUT_SECONDS, doubling), and the
 * per-address failure limit on top. A refused code counts; an accepted code resets the count.
 * While locked the page answers `429` with `Retry-After`, before oidc-provider looks the code up.
 */
import type { Context, Next } from 'koa';
import type { CredentialGuard } from '../../services/rate-limit.service.ts';
import { DEVICE_PAGE_PATH, userCodeOutcome } from '../device-pages.ts';
import { newCspNonce, setPageSecurityHeaders } from './security-headers.ts';
import { deviceLockedPage } from '../views/device.view.ts';

/** Builds the middleware; a no-op without a guard. */
export function deviceCodeGuard(guard: CredentialGuard | undefined) {
  return async function deviceCodeGuardMiddleware(ctx: Context, next: Next): Promise<void> {
    if (!guard || ctx.path !== DEVICE_PAGE_PATH || ctx.method !== 'POST') return next();
    const attempt = await guard.begin({ kind: 'user', login: `device-code@${ctx.ip}` }, ctx.ip, { surface: 'sign_in', log: ctx.log });
    if (!attempt.ok) {
      const nonce = newCspNonce();
      setPageSecurityHeaders(ctx, { nonce });
      ctx.status = 429;
      ctx.set('Retry-After', String(attempt.retryAfterSeconds));
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = deviceLockedPage({ nonce, retryAfterSeconds: attempt.retryAfterSeconds });
      return;
    }
    try {
      await next();
    } catch (err) {
      await attempt.cancel();
      throw err;
    }
    const outcome = userCodeOutcome(ctx.req);
    if (outcome === 'refused') await attempt.failed();
    else if (outcome === 'accepted') await attempt.succeeded();
    else await attempt.cancel();
  };
}
