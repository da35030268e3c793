/**
 * oidc-provider's device flow pages (`features.deviceFlow.userCodeInputSource`,
 * `userCodeConfirmSource`, `successSource`; RFC 8628 §3.3) in ccauth's look, with the same
 * security headers as every other page. oidc-provider hands each renderer its own form; ccauth
 * renders its own form instead and carries over oidc-provider's session-bound `xsrf` token, so the
 * page has no inline script (the CSP allows none).
 *
 * Each render records on the request whether a user code was refused or accepted
 * ({@link userCodeOutcome}), which the lockout middleware (http/middleware/device-code-guard.ts)
 * counts.
 */
import type { IncomingMessage } from 'node:http';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { newCspNonce, setPageSecurityHeaders } from './middleware/security-headers.ts';
import { confirmDevicePage, deviceSuccessPage, userCodePage } from './views/device.view.ts';

/** Path of the user code page (RFC 8628 §3.2 `verification_uri`). */
export const DEVICE_PAGE_PATH = '/auth/v3/device';

/** What the last user code page of a request did with the code the user typed. */
export type UserCodeOutcome = 'refused' | 'accepted';
const outcomes = new WeakMap<IncomingMessage, UserCodeOutcome>();

/** The outcome recorded for this request, if a code was checked. */
export function userCodeOutcome(req: IncomingMessage): UserCodeOutcome | undefined {
  return outcomes.get(req);
}

const xsrfOf = (form: string): string => /name="xsrf" value="([^"]*)"/.exec(form)?.[1] ?? '';
const clientNameOf = (ctx: KoaContextWithOIDC): string => ctx.oidc.client?.clientName || ctx.oidc.client?.clientId || 'An application';

function send(ctx: KoaContextWithOIDC, render: (nonce: string) => string): void {
  const nonce = newCspNonce();
  setPageSecurityHeaders(ctx, { nonce });
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = render(nonce);
}

/** The three renderers, for `createProvider({ deviceFlowPages })`. */
export const deviceFlowPages = {
  /** The code entry page; `err` after a refused code, an aborted or a failed request. */
  userCodeInputSource(ctx: KoaContextWithOIDC, form: string, _out?: unknown, err?: Error & { userCode?: string }): void {
    let error: string | undefined;
    if (err && (err.userCode || err.name === 'NoCodeError')) {
      error = 'That code is not valid or has expired. Check the code on your device and try again.';
      if (err.userCode) outcomes.set(ctx.req, 'refused');
    } else if (err?.name === 'AbortedError') {
      error = 'The sign-in was cancelled.';
    } else if (err) {
      error = 'The request could not be completed. Start again on your device.';
    }
    if (error) ctx.status = err?.name === 'AbortedError' ? 200 : 400;
    const action = /action="([^"]*)"/.exec(form)?.[1] ?? DEVICE_PAGE_PATH;
    send(ctx, (nonce) => userCodePage({ nonce, action, xsrf: xsrfOf(form), error, userCode: err?.userCode ?? (ctx.oidc.params as { user_code?: string } | undefined)?.user_code }));
  },
  /** "Sign in to this device?" after a valid code. */
  userCodeConfirmSource(ctx: KoaContextWithOIDC, form: string, client: { clientName?: string; clientId: string }, _deviceInfo: unknown, userCode: string): void {
    outcomes.set(ctx.req, 'accepted');
    const action = /action="([^"]*)"/.exec(form)?.[1] ?? DEVICE_PAGE_PATH;
    send(ctx, (nonce) => confirmDevicePage({ nonce, action, xsrf: xsrfOf(form), userCode, clientName: client.clientName || client.clientId }));
  },
  /** After the user signed in and consented. */
  successSource(ctx: KoaContextWithOIDC): void {
    send(ctx, (nonce) => deviceSuccessPage({ nonce, clientName: clientNameOf(ctx) }));
  },
};
