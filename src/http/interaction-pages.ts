/**
 * What the browser routes (sign-in, interaction/consent, sign-out) share: paths, loading the
 * interaction bound to this browser, finishing it with a 303, the page answers, and a wrapper that
 * turns unexpected errors into a plain error page.
 *
 * How the interaction reaches `/auth/v3/sign-in`: oidc-provider binds an interaction to the browser
 * with a signed, HttpOnly cookie whose path is the interaction URL (`/auth/v3/interaction/<uid>`),
 * so the browser would not send it to `/auth/v3/sign-in`. The interaction entry therefore sets the
 * same cookie (same name, signature and lifetime) for the path `/auth/v3/sign-in` too, and the
 * sign-in routes use oidc-provider's own `interactionDetails` / `interactionResult` as is.
 */
import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import { errors } from 'oidc-provider';
import type { CcauthClientExtras } from '../oauth/client-metadata.ts';
import { messagePage } from './views/message.view.ts';
import { setPageSecurityHeaders, newCspNonce } from './middleware/security-headers.ts';

/** The login form (genesys-api.md §2 A11). */
export const SIGN_IN_PATH = '/auth/v3/sign-in';
/** Prefix of interaction URLs (oidc-provider `interactions.url`). */
export const INTERACTION_PREFIX = '/auth/v3/interaction';

/** The interaction entry URL of `uid`. */
export const interactionPath = (uid: string): string => `${INTERACTION_PREFIX}/${encodeURIComponent(uid)}`;
/** Where the consent form posts. */
export const consentPath = (uid: string): string => `${interactionPath(uid)}/consent`;
/** Cancels the interaction: `access_denied` back to the client (RFC 6749 §4.1.2.1). */
export const abortPath = (uid: string): string => `${interactionPath(uid)}/abort`;
/** The sign-in page of `uid`, optionally with an error code to show. */
export const signInPath = (uid: string, error?: string): string =>
  `${SIGN_IN_PATH}?uid=${encodeURIComponent(uid)}${error ? `&error=${encodeURIComponent(error)}` : ''}`;

/** The oidc-provider interaction as our routes read it. */
export type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

/** The client an interaction is for, as the pages need it. */
export interface InteractionClient {
  clientId: string;
  /** `client_name`, else the id. */
  name: string;
  /** Genesys `internalClient`: consent is implied (auto-approve). */
  internal: boolean;
  redirectUris: string[];
  contactCenterIds: string[];
}

/** Loads the client of an interaction; undefined when it is gone or disabled. */
export async function interactionClient(provider: Provider, clientId: unknown): Promise<InteractionClient | undefined> {
  if (typeof clientId !== 'string' || !clientId) return undefined;
  const c = await provider.Client.find(clientId);
  if (!c) return undefined;
  const x = c as unknown as CcauthClientExtras;
  return {
    clientId: c.clientId,
    name: c.clientName || c.clientId,
    internal: x.ccauth_internal === true,
    redirectUris: [...(c.redirectUris ?? [])],
    contactCenterIds: x.ccauth_contact_center_ids ?? [],
  };
}

/**
 * The interaction bound to this browser (by its interaction cookie), or undefined when there is
 * none, it expired, or its session changed. Other errors propagate.
 */
export async function loadInteraction(provider: Provider, ctx: Context): Promise<Interaction | undefined> {
  try {
    return await provider.interactionDetails(ctx.req, ctx.res);
  } catch (err) {
    if (err instanceof errors.SessionNotFound) return undefined;
    throw err;
  }
}

/**
 * Makes the interaction cookie of `interaction` visible to `/auth/v3/sign-in` as well (see the
 * module comment). Set through oidc-provider's own context, so the name, signature key and
 * `Secure` flag are the provider's; it lives as long as the interaction.
 */
export function shareInteractionWithSignIn(provider: Provider, ctx: Context, interaction: Interaction): void {
  const pctx = provider.createContext(ctx.req, ctx.res);
  const maxAge = Math.max(1, interaction.exp - Math.floor(Date.now() / 1000)) * 1000;
  pctx.cookies.set(provider.cookieName('interaction'), interaction.uid, {
    path: SIGN_IN_PATH,
    httpOnly: true,
    sameSite: 'lax',
    signed: true,
    overwrite: true,
    maxAge,
  });
}

/**
 * Stores the interaction result and answers 303 to oidc-provider's resume URL (the same as
 * `provider.interactionFinished`, written through koa). `mergeWithLastSubmission` is false: every
 * result we store is complete.
 */
export async function finishInteraction(provider: Provider, ctx: Context, result: InteractionResults): Promise<void> {
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  ctx.redirect(returnTo);
  ctx.status = 303;
}

/** Redirects with 303 See Other (form posts are never answered 307/308). */
export function seeOther(ctx: Context, location: string): void {
  ctx.redirect(location);
  ctx.status = 303;
}

/** Answers an HTML page with `status`; the security headers were set by the middleware. */
export function sendPage(ctx: Context, status: number, page: string): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = page;
}

/** The CSP nonce of this response (set by the security-headers middleware, or a new one). */
export function nonceOf(ctx: Context): string {
  if (!ctx.state.cspNonce) {
    ctx.state.cspNonce = newCspNonce();
    setPageSecurityHeaders(ctx, { nonce: ctx.state.cspNonce });
  }
  return ctx.state.cspNonce;
}

/** 400: the sign-in request is unknown to this browser, expired or already finished. */
export function expiredPage(ctx: Context): void {
  sendPage(
    ctx,
    400,
    messagePage({
      nonce: nonceOf(ctx),
      title: 'Sign-in expired',
      message: 'This sign-in request has expired, was already completed, or was opened in another window. Go back to the application and sign in again.',
    }),
  );
}

/** 403: a form arrived without its valid CSRF token. */
export function forbiddenPage(ctx: Context): void {
  sendPage(
    ctx,
    403,
    messagePage({
      nonce: nonceOf(ctx),
      title: 'Request refused',
      message: 'This form could not be accepted because it did not come from this sign-in page. Go back to the application and sign in again.',
    }),
  );
}

/**
 * Outermost middleware of the browser routes: an unexpected error becomes a plain 500 page (503
 * with Retry-After when the database is unreachable), logged with its stack, never shown.
 */
export async function pageErrors(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (err) {
    // the interaction expired or was finished between loading it and storing its result
    if (err instanceof errors.SessionNotFound) return expiredPage(ctx);
    const e = err as { code?: string; name?: string; message?: string };
    const unavailable = e?.name === 'KnexTimeoutError' || e?.code === 'ECONNREFUSED' || e?.code === '57P01' || e?.code === '57P03';
    if (unavailable) {
      ctx.log?.warn({ err }, 'database unavailable');
      ctx.set('Retry-After', '5');
    } else {
      ctx.log?.error({ err }, 'unhandled error on a browser page');
    }
    sendPage(
      ctx,
      unavailable ? 503 : 500,
      messagePage({
        nonce: nonceOf(ctx),
        title: 'Something went wrong',
        message: unavailable ? 'The service is temporarily unavailable. Try again in a moment.' : 'The request could not be completed. Go back to the application and try again.',
      }),
    );
  }
}

/** The consent-related details oidc-provider puts on a `consent` prompt. */
interface ConsentDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

/** Whether the authorize request said `hideTenant=true` (any case; genesys-api.md §2 A1). */
export function hideTenantOf(interaction: Interaction): boolean {
  const v = interaction.params.hideTenant;
  return typeof v === 'string' && v.toLowerCase() === 'true';
}

/** Requested scopes of an interaction (the authorize request's `scope`, split on spaces). */
export function requestedScopes(interaction: Interaction): string[] {
  const s = interaction.params.scope;
  return typeof s === 'string' ? s.split(' ').filter(Boolean) : [];
}

/**
 * Creates or extends the oidc-provider Grant of `accountId` for the interaction's client with what
 * the request asks for: the prompt's missing OIDC scopes / claims / resource scopes, or (on a
 * login prompt, which lists none) every requested scope. Reuses the session's grant when it belongs
 * to the same account and client. Returns the grant id.
 */
export async function approveGrant(provider: Provider, interaction: Interaction, accountId: string, clientId: string): Promise<string> {
  const existing =
    interaction.grantId && interaction.session?.accountId === accountId ? await provider.Grant.find(interaction.grantId) : undefined;
  const grant = existing && existing.clientId === clientId && existing.accountId === accountId ? existing : new provider.Grant({ accountId, clientId });
  const details = (interaction.prompt.name === 'consent' ? interaction.prompt.details : {}) as ConsentDetails;
  const scopes = details.missingOIDCScope ?? requestedScopes(interaction);
  if (scopes.length) grant.addOIDCScope(scopes.join(' '));
  if (details.missingOIDCClaims?.length) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [indicator, s] of Object.entries(details.missingResourceScopes ?? {})) grant.addResourceScope(indicator, s.join(' '));
  return grant.save();
}

/**
 * Finishes a sign-in of `accountId` on `interaction`: consent is implied for internal clients
 * (Genesys `internalClient`: a grant approving what was asked), then the login result is stored
 * and the browser is sent (303) to oidc-provider's resume URL.
 */
export async function completeSignIn(provider: Provider, ctx: Context, interaction: Interaction, client: InteractionClient, accountId: string): Promise<void> {
  const consent = client.internal ? { consent: { grantId: await approveGrant(provider, interaction, accountId, client.clientId) } } : {};
  ctx.log.info({ event: 'login', account_id: accountId, client_id: client.clientId, consent_implied: client.internal }, 'signed in');
  await finishInteraction(provider, ctx, { login: { accountId }, ...consent });
}
