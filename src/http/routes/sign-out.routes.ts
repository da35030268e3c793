/**
 * `/auth/v3/sign-out` (genesys-api.md §2 A7, A8).
 *
 * - `POST ?global=true|false` with `Authorization: Bearer <access token>` (scheme matched
 *   case-insensitively): revokes this token's grant (every token issued with it), or with
 *   `global=true` every grant, token and session of the token's account → `{"status":{"code":0}}`.
 *   A client-credentials token has no grant and no account: only that token is revoked.
 * - `GET ?redirectUri=...&global=...` with a Bearer token and/or the browser session cookie: does
 *   the same for the token, ends the browser session (oidc-provider's Session; its grants are
 *   revoked, its cookie cleared), then redirects (303) to `redirectUri` only when its origin is a
 *   registered redirect origin of the token's or the session's client; otherwise, or without
 *   `redirectUri`, it answers the envelope (never an open redirect).
 *
 * No token → 401 with `WWW-Authenticate: Bearer realm="ccauth"` (RFC 6750 §3.1: no error code
 * when no credentials were sent); a bad, expired or revoked token → 401 with
 * `error="invalid_token"`; body `{"status":{"code":20,...}}`. `global` other than true/false →
 * 400 code 2.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { AppError } from '../../errors/app-error.ts';
import type { ResolvedToken, TokenLookup } from '../../oauth/token-lookup.ts';
import type { SignOutService } from '../../services/sign-out.service.ts';
import { ok } from '../envelope.ts';
import { envelopeErrors } from '../middleware/error-handler.ts';
import { parseBearer } from '../middleware/credentials.ts';
import { refusedTokenForm } from '../token-refusals.ts';
import { REALM } from '../middleware/admin-auth.ts';
import { securityHeaders } from '../middleware/security-headers.ts';

export const SIGN_OUT_PATH = '/auth/v3/sign-out';

/** What the sign-out routes need; `lookupToken` resolves Bearer tokens (src/oauth/token-lookup.ts). */
export interface SignOutDeps {
  /** The live provider (it is rebuilt when signing keys change; read it per request). */
  getProvider: () => Provider;
  lookupToken: TokenLookup;
  signOut: SignOutService;
}

/** `global` query parameter: absent → false. @throws AppError invalid_parameter */
function globalParam(ctx: Context): boolean {
  const raw = ctx.query.global;
  if (raw === undefined) return false;
  if (typeof raw === 'string' && /^(true|false)$/i.test(raw)) return raw.toLowerCase() === 'true';
  throw new AppError('invalid_parameter', "parameter 'global' must be true or false");
}

/**
 * 401 with the Bearer challenge. Without a usable token the message says what was refused when a
 * token came in a form these routes refuse (query string, another scheme; http/token-refusals.ts).
 */
function unauthorized(ctx: Context, tokenSent: boolean): void {
  ctx.status = 401;
  ctx.set('WWW-Authenticate', tokenSent ? `Bearer realm="${REALM}", error="invalid_token"` : `Bearer realm="${REALM}"`);
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { status: { code: 20, message: tokenSent ? 'the access token is invalid, expired or revoked' : (refusedTokenForm(ctx) ?? 'a Bearer access token is required') } };
}

/**
 * Whether `uri` may be redirected to: an http(s) URI whose origin equals the origin of one of
 * the clients' registered redirect URIs, or (other schemes, e.g. native apps) one of them exactly.
 */
export function redirectAllowed(uri: string, registered: readonly string[]): boolean {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return false;
  }
  if (u.username || u.password) return false;
  const web = u.protocol === 'http:' || u.protocol === 'https:';
  return registered.some((r) => {
    if (!web) return r === uri;
    try {
      const ru = new URL(r);
      return (ru.protocol === 'http:' || ru.protocol === 'https:') && ru.origin === u.origin;
    } catch {
      return false;
    }
  });
}

/** Routes of sign-out. */
export function createSignOutRouter(deps: SignOutDeps): Router {
  const router = new Router();

  /** Revokes what `token` stands for. */
  async function revokeToken(token: string, resolved: ResolvedToken, global: boolean): Promise<void> {
    if (resolved.kind === 'client_credentials') return deps.signOut.revokeToken('ClientCredentials', token);
    if (global && resolved.accountId) return deps.signOut.revokeAccount(resolved.accountId);
    if (resolved.grantId) return deps.signOut.revokeGrant(resolved.grantId);
    return deps.signOut.revokeToken('AccessToken', token);
  }

  router.post(SIGN_OUT_PATH, securityHeaders(), envelopeErrors, async (ctx) => {
    const global = globalParam(ctx);
    const token = parseBearer(ctx.get('authorization'));
    if (!token) return unauthorized(ctx, false);
    const resolved = await deps.lookupToken(token);
    if (!resolved) return unauthorized(ctx, true);
    await revokeToken(token, resolved, global);
    ctx.log.info({ event: 'sign_out', global, client_id: resolved.clientId, account_id: resolved.accountId }, 'signed out (token)');
    ok(ctx);
  });

  router.get(SIGN_OUT_PATH, securityHeaders(), envelopeErrors, async (ctx) => {
    const provider = deps.getProvider();
    const global = globalParam(ctx);
    const redirectUri = typeof ctx.query.redirectUri === 'string' ? ctx.query.redirectUri : undefined;
    const header = ctx.get('authorization');
    const token = parseBearer(header);
    if ((header || ctx.query.access_token !== undefined) && !token) return unauthorized(ctx, false);
    const resolved = token ? await deps.lookupToken(token) : undefined;
    if (token && !resolved) return unauthorized(ctx, true);

    const clientIds = new Set<string>();
    if (token && resolved) {
      clientIds.add(resolved.clientId);
      await revokeToken(token, resolved, global);
    }

    // the browser session (oidc-provider's Session, found by its signed cookie)
    const session = await provider.Session.get(ctx as never);
    const authorizations = session.authorizations ?? {};
    for (const [clientId, { grantId }] of Object.entries(authorizations)) {
      clientIds.add(clientId);
      if (grantId) await deps.signOut.revokeGrant(grantId);
    }
    if (global && session.accountId) await deps.signOut.revokeAccount(session.accountId);
    const hadSession = Boolean(session.accountId);
    if (session.exp) await session.destroy();
    const sessionCookie = provider.cookieName('session');
    if (ctx.cookies.get(sessionCookie, { signed: false })) {
      // cleared through oidc-provider's context, so its Secure flag matches the one it set
      provider.createContext(ctx.req, ctx.res).cookies.set(sessionCookie, null, { httpOnly: true, sameSite: 'lax', path: '/', signed: true });
    }
    ctx.log.info({ event: 'sign_out', global, session: hadSession, token: Boolean(token) }, 'signed out (browser)');

    if (redirectUri) {
      const registered: string[] = [];
      for (const id of clientIds) {
        const c = await provider.Client.find(id);
        if (c?.redirectUris) registered.push(...c.redirectUris);
      }
      if (redirectAllowed(redirectUri, registered)) {
        ctx.redirect(redirectUri);
        ctx.status = 303;
        return;
      }
      ctx.log.info({ event: 'sign_out_redirect_refused' }, 'redirectUri is not a registered redirect origin; answered without redirect');
      ok(ctx);
      ctx.body = { status: { code: 0, message: 'signed out; redirectUri was not followed: its origin is not a registered redirect origin of the client' } };
      return;
    }
    ok(ctx);
  });

  return router;
}
