/**
 * `/auth/v3/sign-out` (genesys-api.md §2 A7, A8).
 *
 * - `POST ?global=true|false` with `Authorization: Bearer <access token>` (scheme matched
 *   case-insensitively): revokes this token's grant (every token issued with it), or with
 *   `global=true` every grant, token and session of the token's account → `{"status":{"code":0}}`.
 *   A client-credentials token has no grant and no account: only that token is revoked.
 * - `GET ?redirectUri=...&global=...` with a Bearer token: does the same for the token, ends the
 *   browser session if its cookie came too (oidc-provider's Session; its grants are revoked, its
 *   cookie cleared), then redirects (303) to `redirectUri` only when its origin is a registered
 *   redirect origin of the token's or the session's client; otherwise, or without `redirectUri`,
 *   it answers the envelope (never an open redirect).
 * - `GET` with only the session cookie changes nothing: SameSite=Lax cookies go along on a
 *   top-level cross-site navigation, so a link on any page could otherwise sign a person (or ops,
 *   and with `global=true` every token of the account) out everywhere. It answers a confirmation
 *   page whose "Yes" button posts `csrf`, `global`, `redirectUri` to `POST /auth/v3/sign-out/confirm`
 *   (as oidc-provider's own logout confirmation does). The token is an HMAC of the session id
 *   (http/csrf.ts), checked in constant time; a missing or wrong one, or no live session, is a 403
 *   page. Confirmed: the session ends as above (with `global=true`, everything of the account),
 *   then the 303 to an allowed `redirectUri` or the "signed out" page. Without `logout=yes` ("No"):
 *   nothing changes, "still signed in" page. A GET with no session and no token has nothing to end:
 *   the envelope.
 *
 * No token → 401 with `WWW-Authenticate: Bearer realm="ccauth"` (RFC 6750 §3.1: no error code
 * when no credentials were sent); a bad, expired or revoked token → 401 with
 * `error="invalid_token"`; body `{"status":{"code":20,...}}`. `global` other than true/false →
 * 400 code 2. A DPoP-bound token signs out only as `Authorization: DPoP` with its proof; as Bearer
 * it is refused with a `DPoP` challenge (RFC 9449 §7.1; http/middleware/access-token.ts).
 */
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { AppError } from '../../errors/app-error.ts';
import type { ResolvedToken } from '../../oauth/token-lookup.ts';
import type { SignOutService } from '../../services/sign-out.service.ts';
import { ok } from '../envelope.ts';
import { envelopeErrors } from '../middleware/error-handler.ts';
import { parseAuthorization } from '../middleware/access-token.ts';
import type { AccessTokenVerifier } from '../middleware/access-token.ts';
import { refusedTokenForm } from '../token-refusals.ts';
import { REALM } from '../middleware/admin-auth.ts';
import { formActionSource, securityHeaders, setPageSecurityHeaders } from '../middleware/security-headers.ts';
import type { CsrfTokens } from '../csrf.ts';
import { nonceOf, pageErrors, seeOther, sendPage } from '../interaction-pages.ts';
import { messagePage } from '../views/message.view.ts';
import { loggedOutPage, signOutConfirmPage, stillSignedInPage } from '../views/logout.view.ts';

export const SIGN_OUT_PATH = '/auth/v3/sign-out';
/** Where the sign-out confirmation form posts. */
export const SIGN_OUT_CONFIRM_PATH = '/auth/v3/sign-out/confirm';

/** What the sign-out routes need; `verifyAccessToken` resolves Bearer and DPoP tokens (http/middleware/access-token.ts). */
export interface SignOutDeps {
  /** The live provider (it is rebuilt when signing keys change; read it per request). */
  getProvider: () => Provider;
  verifyAccessToken: AccessTokenVerifier;
  signOut: SignOutService;
  /** Issues and checks the confirmation form's token (purpose `sign-out`, bound to the session id). */
  csrf: CsrfTokens;
}

type Session = Awaited<ReturnType<Provider['Session']['get']>>;

/** Reads a form field as a string ('' when absent or repeated). */
const field = (body: unknown, name: string): string => {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : '';
};

/** `global` query parameter: absent → false. @throws AppError invalid_parameter */
function globalParam(ctx: Context): boolean {
  const raw = ctx.query.global;
  if (raw === undefined) return false;
  if (typeof raw === 'string' && /^(true|false)$/i.test(raw)) return raw.toLowerCase() === 'true';
  throw new AppError('invalid_parameter', "parameter 'global' must be true or false");
}

/**
 * 401 with the Bearer challenge (or `challenge`, a DPoP one). Without a usable token the message
 * says what was refused when a token came in a form these routes refuse (query string, another
 * scheme; http/token-refusals.ts).
 */
function unauthorized(ctx: Context, tokenSent: boolean, challenge?: string): void {
  ctx.status = 401;
  ctx.set('WWW-Authenticate', challenge ?? (tokenSent ? `Bearer realm="${REALM}", error="invalid_token"` : `Bearer realm="${REALM}"`));
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { status: { code: 20, message: tokenSent ? 'the access token is invalid, expired or revoked' : (refusedTokenForm(ctx, ['bearer', 'dpop']) ?? 'a Bearer access token is required') } };
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
    const presented = parseAuthorization(ctx.get('authorization'));
    if (!presented || 'malformed' in presented) return unauthorized(ctx, false);
    const outcome = await deps.verifyAccessToken(ctx, presented);
    if (!outcome.ok) return unauthorized(ctx, true, outcome.challenge);
    const { token } = presented;
    const resolved = outcome.token;
    await revokeToken(token, resolved, global);
    ctx.log.info({ event: 'sign_out', global, client_id: resolved.clientId, account_id: resolved.accountId }, 'signed out (token)');
    ok(ctx);
  });

  /**
   * Ends the browser session (its grants revoked, with `global` everything of its account; the
   * row destroyed, the cookie cleared) and adds its clients to `clientIds`.
   */
  async function endSession(ctx: Context, provider: Provider, session: Session, global: boolean, clientIds: Set<string>): Promise<void> {
    for (const [clientId, { grantId }] of Object.entries(session.authorizations ?? {})) {
      clientIds.add(clientId);
      if (grantId) await deps.signOut.revokeGrant(grantId);
    }
    if (global && session.accountId) await deps.signOut.revokeAccount(session.accountId);
    if (session.exp) await session.destroy();
    const sessionCookie = provider.cookieName('session');
    if (ctx.cookies.get(sessionCookie, { signed: false })) {
      // cleared through oidc-provider's context, so its Secure flag matches the one it set
      provider.createContext(ctx.req, ctx.res).cookies.set(sessionCookie, null, { httpOnly: true, sameSite: 'lax', path: '/', signed: true });
    }
  }

  /** The registered redirect URIs of `clientIds`, against which a `redirectUri` is checked. */
  async function registeredRedirects(provider: Provider, clientIds: Iterable<string>): Promise<string[]> {
    const registered: string[] = [];
    for (const id of clientIds) {
      const c = await provider.Client.find(id);
      if (c?.redirectUris) registered.push(...c.redirectUris);
    }
    return registered;
  }

  router.get(SIGN_OUT_PATH, securityHeaders(), envelopeErrors, async (ctx) => {
    const provider = deps.getProvider();
    const global = globalParam(ctx);
    const redirectUri = typeof ctx.query.redirectUri === 'string' ? ctx.query.redirectUri : undefined;
    const header = ctx.get('authorization');
    const presented = parseAuthorization(header);
    if ((header || ctx.query.access_token !== undefined) && (!presented || 'malformed' in presented)) return unauthorized(ctx, false);
    const token = presented && !('malformed' in presented) ? presented.token : undefined;
    let resolved: ResolvedToken | undefined;
    if (presented && !('malformed' in presented)) {
      const outcome = await deps.verifyAccessToken(ctx, presented);
      if (!outcome.ok) return unauthorized(ctx, true, outcome.challenge);
      resolved = outcome.token;
    }

    // the browser session (oidc-provider's Session, found by its signed cookie)
    const session = await provider.Session.get(ctx as never);
    if (!token && session.accountId) {
      // only the cookie: ask first (module comment)
      const allowed = redirectUri && redirectAllowed(redirectUri, await registeredRedirects(provider, Object.keys(session.authorizations ?? {}))) ? redirectUri : undefined;
      const nonce = nonceOf(ctx);
      setPageSecurityHeaders(ctx, { nonce, formActions: [formActionSource(allowed)] });
      const page = signOutConfirmPage({ nonce, action: SIGN_OUT_CONFIRM_PATH, csrf: deps.csrf.issue('sign-out', session.jti), global, redirectUri: redirectUri ?? '' });
      return sendPage(ctx, 200, page);
    }

    const clientIds = new Set<string>();
    if (token && resolved) {
      clientIds.add(resolved.clientId);
      await revokeToken(token, resolved, global);
    }
    const hadSession = Boolean(session.accountId);
    await endSession(ctx, provider, session, global, clientIds);
    ctx.log.info({ event: 'sign_out', global, session: hadSession, token: Boolean(token) }, 'signed out (browser)');

    if (redirectUri) {
      if (redirectAllowed(redirectUri, await registeredRedirects(provider, clientIds))) {
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

  const parseForm = bodyParser({
    enableTypes: ['form'],
    formLimit: '16kb',
    encoding: 'utf-8',
    onError(_err, ctx) {
      (ctx as Context).request.body = {};
    },
  });

  router.post(SIGN_OUT_CONFIRM_PATH, pageErrors, securityHeaders(), parseForm, async (ctx) => {
    const provider = deps.getProvider();
    const body = ctx.request.body;
    const session = await provider.Session.get(ctx as never);
    if (!session.accountId || !deps.csrf.verify('sign-out', session.jti, field(body, 'csrf'))) {
      ctx.log.warn({ event: 'csrf_refused', form: 'sign-out' }, 'sign-out confirmation refused: no session, or a missing or wrong CSRF token');
      const message = 'This sign-out request could not be accepted: it did not come from the sign-out page of this browser, or you are already signed out.';
      return sendPage(ctx, 403, messagePage({ nonce: nonceOf(ctx), title: 'Request refused', message }));
    }
    if (field(body, 'logout') !== 'yes') return sendPage(ctx, 200, stillSignedInPage({ nonce: nonceOf(ctx) }));
    const global = field(body, 'global') === 'true';
    const redirectUri = field(body, 'redirectUri');
    const clientIds = new Set<string>();
    await endSession(ctx, provider, session, global, clientIds);
    ctx.log.info({ event: 'sign_out', global, session: true, token: false, confirmed: true }, 'signed out (browser, confirmed)');
    if (redirectUri && redirectAllowed(redirectUri, await registeredRedirects(provider, clientIds))) {
      setPageSecurityHeaders(ctx, { nonce: nonceOf(ctx), formActions: [formActionSource(redirectUri)] });
      return seeOther(ctx, redirectUri);
    }
    sendPage(ctx, 200, loggedOutPage({ nonce: nonceOf(ctx) }));
  });

  return router;
}
