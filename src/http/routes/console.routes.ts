/**
 * The ops console at `/console` (issue 4): server-rendered pages, no framework, no external assets.
 *
 * Every response carries the shared page security headers (middleware/security-headers.ts:
 * no-store, nosniff, `frame-ancestors 'none'`, Referrer-Policy no-referrer, nonce'd styles) with
 * the console's CSP adding a nonce'd `script-src` for the copy buttons.
 *
 * - Sign-in with the ops credentials (services/console-auth.service.ts): a random session id in an
 *   HttpOnly, SameSite=Strict cookie (Secure when PUBLIC_URL is https), stored server-side by
 *   its SHA-256. The sign-in form is CSRF-protected too (login CSRF), by a pre-session cookie.
 * - Every POST: the session's CSRF token (constant-time check), an `Origin` equal to PUBLIC_URL's
 *   when the browser sends a non-null one, `Sec-Fetch-Site: same-origin` when it sends that header,
 *   and a 303 answer (success and refused changes alike; the outcome is shown on the next page,
 *   once). A missing or wrong token, or a cross-site post → 403 page.
 * - Pages: Integrations, Clients, Contact centers, Audit (console-*.routes.ts); they call the same
 *   services as the APIs.
 */
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context, Next } from 'koa';
import { AppError } from '../../errors/app-error.ts';
import type { ActivationsService } from '../../services/activations.service.ts';
import type { AuditService } from '../../services/audit.service.ts';
import type { ClientsService } from '../../services/clients.service.ts';
import type { ConsoleAuthService } from '../../services/console-auth.service.ts';
import type { ContactCentersService } from '../../services/contact-centers.service.ts';
import type { IntegrationsService } from '../../services/integrations.service.ts';
import type { SettingsService } from '../../services/settings.service.ts';
import type { UsersService } from '../../services/users.service.ts';
import { securityHeaders } from '../middleware/security-headers.ts';
import { auditPage } from '../views/console/audit.view.ts';
import { consoleMessagePage } from '../views/console/message.view.ts';
import { consoleSignInPage } from '../views/console/sign-in.view.ts';
import { registerClientPages } from './console-clients.routes.ts';
import { registerContactCenterPages } from './console-contact-centers.routes.ts';
import { registerSsoPages } from './console-sso.routes.ts';
import type { SingleSignOnService } from '../../federation/single-sign-on.service.ts';
import { registerIntegrationPages } from './console-integrations.routes.ts';
import {
  CONSOLE_PREFIX,
  PRE_SESSION_COOKIE,
  PRE_SESSION_MAX_AGE_SECONDS,
  SESSION_COOKIE,
  clearCookie,
  consoleCsp,
  consoleState,
  field,
  nonceOf,
  pageContext,
  readCookie,
  seeOther,
  sendPage,
  setCookie,
} from './console-support.ts';
import type { ConsoleRequestState } from './console-support.ts';

export interface ConsoleDeps {
  auth: ConsoleAuthService;
  integrations: IntegrationsService;
  activations: ActivationsService;
  clients: ClientsService;
  contactCenters: ContactCentersService;
  settings: SettingsService;
  users: UsersService;
  audit: AuditService;
  /** PUBLIC_URL: its origin is the only one POSTs may come from; https makes the cookies Secure. */
  publicUrl: string;
  /** Absolute URL of the token endpoint, shown with new credentials. */
  tokenEndpoint: string;
  /** Single sign-on (Contact centers → Single sign-on); the pages are absent without it. */
  sso?: SingleSignOnService;
}

/** Fixed messages of the sign-in page (`?error=`, `?notice=`): nothing from the URL is echoed. */
export const CONSOLE_SIGN_IN_ERRORS = {
  credentials: 'The username or password is incorrect.',
  locked: 'Too many failed sign-in attempts. Wait a few minutes, then try again.',
  missing: 'Enter your username and password.',
  expired: 'The sign-in form expired. Please try again.',
  session: 'Your session ended. Sign in again to continue.',
} as const;
/** Fixed notices of the sign-in page (`?notice=`). */
export const CONSOLE_SIGN_IN_NOTICES = { 'signed-out': 'You have signed out.' } as const;

const SIGN_IN_PATH = `${CONSOLE_PREFIX}/sign-in`;
const HOME = `${CONSOLE_PREFIX}/integrations`;
// pasted SAML IdP metadata (Contact centers → Single sign-on) can be several hundred KiB
const FORM_LIMIT = '1mb';
const AUDIT_PAGE_SIZE = 50;

/** A `next` target after sign-in: a console path only (no other origin, no `//`, no `\`). */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > 512) return HOME;
  if (!/^\/console(\/[A-Za-z0-9\-._~%/?=&+]*)?$/.test(next) || next.includes('//') || next.startsWith(SIGN_IN_PATH)) return HOME;
  return next;
}

const pick = <T extends Record<string, string>>(table: T, key: unknown): string | undefined =>
  typeof key === 'string' && Object.hasOwn(table, key) ? table[key as keyof T] : undefined;

/** Builds the console middleware; mount it on the app (it answers only paths under `/console`). */
export function createConsole(deps: ConsoleDeps) {
  const secure = new URL(deps.publicUrl).protocol === 'https:';
  const publicOrigin = new URL(deps.publicUrl).origin;
  const headers = securityHeaders();
  const parseForm = bodyParser({
    enableTypes: ['form'],
    formLimit: FORM_LIMIT,
    encoding: 'utf-8',
    onError(_err, ctx) {
      (ctx as Context).request.body = {};
    },
  });

  const message = (ctx: Context, status: number, title: string, text: string) => {
    const state = (ctx.state as { console?: ConsoleRequestState }).console;
    sendPage(
      ctx,
      status,
      consoleMessagePage({
        nonce: nonceOf(ctx),
        title,
        message: text,
        back: state ? { href: HOME, label: 'Back to the console' } : { href: SIGN_IN_PATH, label: 'Sign in' },
        username: state?.session.username,
        csrf: state?.session.csrfToken,
        section: state ? 'integrations' : undefined,
      }),
    );
  };

  // Public routes: sign-in.
  const publicRouter = new Router();
  publicRouter.get(SIGN_IN_PATH, async (ctx) => {
    const existing = readCookie(ctx, SESSION_COOKIE);
    if (existing && (await deps.auth.resolve(existing))) return seeOther(ctx, safeNext(ctx.query.next));
    const preId = deps.auth.newPreSessionId();
    setCookie(ctx, PRE_SESSION_COOKIE, preId, { maxAgeSeconds: PRE_SESSION_MAX_AGE_SECONDS, secure });
    sendPage(
      ctx,
      200,
      consoleSignInPage({
        nonce: nonceOf(ctx),
        csrf: deps.auth.csrfToken(preId),
        next: safeNext(ctx.query.next),
        error: pick(CONSOLE_SIGN_IN_ERRORS, ctx.query.error),
        notice: pick(CONSOLE_SIGN_IN_NOTICES, ctx.query.notice),
      }),
    );
  });
  publicRouter.post(SIGN_IN_PATH, async (ctx) => {
    const body = ctx.request.body;
    const next = safeNext(field(body, 'next'));
    const retry = (error: keyof typeof CONSOLE_SIGN_IN_ERRORS) => seeOther(ctx, `${SIGN_IN_PATH}?error=${error}&next=${encodeURIComponent(next)}`);
    const preId = readCookie(ctx, PRE_SESSION_COOKIE) ?? '';
    if (!deps.auth.verifyCsrf(preId, field(body, 'csrf'))) {
      ctx.log.warn({ event: 'csrf_refused', form: 'console-sign-in' }, 'console sign-in refused: missing or wrong CSRF token');
      return retry('expired');
    }
    const username = field(body, 'username').trim();
    const password = field(body, 'password');
    if (!username || !password) return retry('missing');
    const result = await deps.auth.signIn(username, password, ctx.ip || null);
    if (!result.ok) {
      ctx.log.warn({ event: 'console_sign_in_failed', reason: result.reason, ip: ctx.ip }, 'console sign-in failed');
      return retry(result.reason);
    }
    clearCookie(ctx, PRE_SESSION_COOKIE, secure);
    setCookie(ctx, SESSION_COOKIE, result.sessionId, { maxAgeSeconds: result.maxAgeSeconds, secure });
    ctx.log.info({ event: 'console_signed_in', admin: username, ip: ctx.ip }, 'console sign-in');
    seeOther(ctx, next);
  });

  // Signed-in routes.
  const router = new Router();
  router.get(CONSOLE_PREFIX, (ctx) => seeOther(ctx, HOME));
  router.post(`${CONSOLE_PREFIX}/sign-out`, async (ctx) => {
    const { sessionId, session } = consoleState(ctx);
    await deps.auth.signOut(sessionId, { actor: session.username, sourceIp: ctx.ip || null });
    clearCookie(ctx, SESSION_COOKIE, secure);
    seeOther(ctx, `${SIGN_IN_PATH}?notice=signed-out`);
  });
  router.get(`${CONSOLE_PREFIX}/audit`, async (ctx) => {
    const raw = typeof ctx.query.before === 'string' ? ctx.query.before : '';
    const before = /^[0-9]{1,15}$/.test(raw) ? Number(raw) : undefined;
    const events = await deps.audit.list({ limit: AUDIT_PAGE_SIZE, before });
    const olderBefore = events.length === AUDIT_PAGE_SIZE ? events[events.length - 1]!.id : undefined;
    sendPage(ctx, 200, auditPage(pageContext(ctx), { events, olderBefore, paged: before !== undefined }));
  });
  registerIntegrationPages(router, deps);
  registerClientPages(router, deps);
  registerContactCenterPages(router, deps);
  if (deps.sso) registerSsoPages(router, { ...deps, sso: deps.sso });

  const publicRoutes = publicRouter.routes();
  const routes = router.routes();

  return async function consoleMiddleware(ctx: Context, next: Next): Promise<void> {
    if (ctx.path !== CONSOLE_PREFIX && !ctx.path.startsWith(`${CONSOLE_PREFIX}/`)) return next();
    await headers(ctx, async () => {
      ctx.set('Content-Security-Policy', consoleCsp(nonceOf(ctx)));
      try {
        if (ctx.method === 'POST') {
          // Browsers send `Origin: null` under Referrer-Policy no-referrer; Sec-Fetch-Site still tells a cross-site post
          const origin = ctx.get('origin');
          const site = ctx.get('sec-fetch-site');
          if ((origin && origin !== 'null' && origin !== publicOrigin) || (site && site !== 'same-origin' && site !== 'none')) {
            ctx.log.warn({ event: 'csrf_refused', form: 'console', reason: 'origin' }, 'console form refused: foreign Origin');
            return message(ctx, 403, 'Form refused', 'This form was sent from another site and was refused.');
          }
          await parseForm(ctx, async () => undefined);
        }
        if (ctx.path === SIGN_IN_PATH) {
          let served = true;
          await publicRoutes(ctx as never, async () => {
            served = false;
          });
          if (!served) message(ctx, 405, 'Not available', 'This page cannot be used that way.');
          return;
        }

        const sessionId = readCookie(ctx, SESSION_COOKIE) ?? '';
        const session = sessionId ? await deps.auth.resolve(sessionId, { takeFlash: ctx.method === 'GET' && ctx.path !== CONSOLE_PREFIX }) : undefined;
        if (!session) {
          if (sessionId) clearCookie(ctx, SESSION_COOKIE, secure);
          if (ctx.method === 'GET') return seeOther(ctx, `${SIGN_IN_PATH}?next=${encodeURIComponent(safeNext(ctx.originalUrl))}`);
          return seeOther(ctx, `${SIGN_IN_PATH}?error=session`);
        }
        (ctx.state as { console?: ConsoleRequestState }).console = { sessionId, session };
        if (ctx.method === 'POST' && !deps.auth.verifyCsrf(sessionId, field(ctx.request.body, 'csrf'))) {
          ctx.log.warn({ event: 'csrf_refused', form: 'console' }, 'console form refused: missing or wrong CSRF token');
          return message(ctx, 403, 'Form refused', 'The form could not be verified (it may have expired). Go back, reload the page and try again.');
        }
        let matched = true;
        await routes(ctx as never, async () => {
          matched = false;
        });
        if (!matched) message(ctx, 404, 'Page not found', 'There is no console page at this address.');
      } catch (err) {
        if (err instanceof AppError && err.code === 'not_found') return message(ctx, 404, 'Not found', err.message.charAt(0).toUpperCase() + err.message.slice(1) + '.');
        if (err instanceof AppError && err.httpStatus < 500) return message(ctx, err.httpStatus, 'Request refused', err.message);
        ctx.log.error({ err }, 'console error');
        message(ctx, 500, 'Something went wrong', 'The console could not complete this request. Try again; if it keeps failing, check the server log.');
      }
    });
  };
}
