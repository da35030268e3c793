/**
 * The page a person sees when an OAuth request from their browser fails and cannot be sent back
 * to the client (RFC 6749 §4.1.2.1: an unregistered or invalid redirect URI, an unknown or missing
 * client): what went wrong, what to tell the site that sent them, and the error code for that
 * site's developers. Every value is HTML-escaped.
 */
import { html } from './html.ts';
import { renderPage } from './layout.ts';

/** What the page shows. */
export interface OAuthErrorView {
  nonce: string;
  /** The RFC 6749 / oidc-provider error code (`invalid_redirect_uri`, `invalid_client`, ...). */
  error: string;
  /** oidc-provider's `error_description` (library text, never a secret). */
  description?: string | undefined;
  /** Display name of the client, when the request named a registered one. */
  clientName?: string | undefined;
  /** False for endpoints other than the authorization endpoint (logout, ...): neutral wording. */
  signIn?: boolean;
}

interface Wording {
  title: string;
  /** What went wrong; `{client}` is replaced with the client's name, or "The site that sent you here". */
  message: string;
  /** What to tell the site, or nothing (the fault is ccauth's). */
  advice?: string;
}

const WORDING: Record<string, Wording> = {
  invalid_redirect_uri: {
    title: 'This sign-in link cannot be used',
    message:
      'asked to send you back to an address it has not registered with this sign-in service. To protect your account, you were not signed in and not sent anywhere.',
    advice: 'Tell the site that sent you that its sign-in link uses a redirect address (redirect_uri) that is not registered for it.',
  },
  invalid_client: {
    title: 'Unknown application',
    message: 'is not registered with this sign-in service, or its access has been turned off, so you cannot sign in to it here.',
    advice: 'Tell the site that sent you that its client ID is unknown or disabled.',
  },
  server_error: {
    title: 'Something went wrong',
    message: 'could not be signed in because of a problem on our side. Go back and try again in a moment.',
  },
  temporarily_unavailable: {
    title: 'Sign-in unavailable',
    message: 'could not be signed in because the service is temporarily unavailable. Go back and try again in a moment.',
  },
};

const DEFAULT_WORDING: Wording = {
  title: 'This sign-in request is not valid',
  message: 'made a sign-in request that this service cannot accept, so you were not signed in.',
  advice: 'Tell the site that sent you, and pass on the details below.',
};

/** Any error outside the authorization endpoint (e.g. RP-initiated logout). */
const OTHER_WORDING: Wording = {
  title: 'This request cannot be completed',
  message: 'made a request that this service cannot accept.',
  advice: 'Tell the site that sent you, and pass on the details below.',
};

const wordingOf = (v: Pick<OAuthErrorView, 'error' | 'signIn'>): Wording =>
  v.signIn === false ? (v.error === 'server_error' ? WORDING.server_error! : OTHER_WORDING) : (WORDING[v.error] ?? DEFAULT_WORDING);

/** Renders the complete page. */
export function oauthErrorPage(v: OAuthErrorView): string {
  const w = wordingOf(v);
  const who = v.clientName ? html`The application <strong>${v.clientName}</strong>` : 'The site that sent you here';
  const body = html`<p>${who} ${w.message}</p>
${w.advice ? html`<p>${w.advice}</p>` : ''}
<p class="muted">Error code: <code>${v.error}</code>${v.description ? html`<br>Details: ${v.description}` : ''}</p>`;
  return renderPage({ title: w.title, nonce: v.nonce, body });
}
