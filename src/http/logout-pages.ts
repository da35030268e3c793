/**
 * oidc-provider's RP-initiated logout pages (`features.rpInitiatedLogout.logoutSource` and
 * `postLogoutSuccessSource`; OpenID Connect RP-Initiated Logout 1.0) in ccauth's look, with the
 * same security headers as every other page. The confirmation form's redirect may end at the
 * client's `post_logout_redirect_uri`, so its origin is allowed in `form-action`.
 */
import type { KoaContextWithOIDC } from 'oidc-provider';
import { formActionSource, newCspNonce, setPageSecurityHeaders } from './middleware/security-headers.ts';
import { trustedHtml } from './views/html.ts';
import { loggedOutPage, logoutConfirmPage } from './views/logout.view.ts';

const clientNameOf = (ctx: KoaContextWithOIDC): string | undefined => ctx.oidc.client?.clientName || ctx.oidc.client?.clientId;

/** The two logout page renderers, for `createProvider({ logoutPages })`. */
export const logoutPages = {
  /** "Sign out?" confirmation; `form` is oidc-provider's own hidden form (trusted markup). */
  logoutSource(ctx: KoaContextWithOIDC, form: string): void {
    const nonce = newCspNonce();
    const state = (ctx.oidc.session?.state ?? {}) as { postLogoutRedirectUri?: string };
    setPageSecurityHeaders(ctx, { nonce, formActions: [formActionSource(state.postLogoutRedirectUri)] });
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = logoutConfirmPage({ nonce, form: trustedHtml(form), clientName: clientNameOf(ctx) });
  },
  /** Shown after a logout without a post-logout redirect. */
  postLogoutSuccessSource(ctx: KoaContextWithOIDC): void {
    const nonce = newCspNonce();
    setPageSecurityHeaders(ctx, { nonce });
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = loggedOutPage({ nonce, clientName: clientNameOf(ctx) });
  },
};
