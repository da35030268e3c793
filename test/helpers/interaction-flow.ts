/**
 * A browser-like walk through the authorization code flow with supertest: an agent that keeps
 * cookies (per path, as a browser does), PKCE values, and helpers that follow one redirect at a
 * time so each step's status and headers can be asserted.
 */
import { createHash, randomBytes } from 'node:crypto';
import supertest from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import type { TestApp } from './test-app.ts';

/** A cookie-keeping client ("browser"). */
export type Browser = TestAgent;

/** A new browser with an empty cookie jar. */
export function newBrowser(t: TestApp): Browser {
  return supertest.agent(t.ccauth.app.callback());
}

/** PKCE (RFC 7636) S256 values. */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The path + query of a Location (absolute or relative). */
export function pathOf(location: string): string {
  const u = new URL(location, 'http://ccauth.test');
  return `${u.pathname}${u.search}`;
}

/** The authorize URL for a code flow (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core §3.1.2.1). */
export function authorizeUrl(p: {
  clientId: string;
  redirectUri: string;
  state: string;
  challenge: string;
  scope?: string;
  extra?: Record<string, string>;
}): string {
  const q = new URLSearchParams({
    client_id: p.clientId,
    redirect_uri: p.redirectUri,
    response_type: 'code',
    scope: p.scope ?? 'openid *',
    state: p.state,
    nonce: randomBytes(8).toString('hex'),
    code_challenge: p.challenge,
    code_challenge_method: 'S256',
    ...p.extra,
  });
  return `/auth/v3/oauth/authorize?${q.toString()}`;
}

/** The value of a hidden input in an HTML page. */
export function hiddenField(html: string, name: string): string {
  const m = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(html);
  if (!m) throw new Error(`no hidden field ${name}`);
  return m[1]!;
}

/**
 * Starts a flow: authorize → interaction entry → sign-in page. Returns the uid and the page.
 * Throws when a step does not answer as expected.
 */
export async function startSignIn(browser: Browser, url: string): Promise<{ uid: string; page: string; signInPath: string }> {
  const a = await browser.get(url);
  if (a.status !== 303) throw new Error(`authorize answered ${a.status} ${a.text}`);
  const entry = await browser.get(pathOf(a.headers.location!));
  if (entry.status !== 303) throw new Error(`interaction entry answered ${entry.status} ${entry.text}`);
  const signInPath = pathOf(entry.headers.location!);
  const page = await browser.get(signInPath);
  if (page.status !== 200) throw new Error(`sign-in page answered ${page.status} ${page.text}`);
  return { uid: hiddenField(page.text, 'uid'), page: page.text, signInPath };
}

/** Posts the sign-in form with the page's uid and CSRF token. */
export function postSignIn(browser: Browser, page: string, fields: Record<string, string>) {
  return browser
    .post('/auth/v3/sign-in')
    .type('form')
    .send({ uid: hiddenField(page, 'uid'), csrf: hiddenField(page, 'csrf'), ...fields });
}

/** Follows 303/302 redirects inside ccauth until one leaves it (Location outside PUBLIC_URL) or a page answers. */
export async function followInside(browser: Browser, location: string, publicUrl = 'http://ccauth.test') {
  let loc = location;
  for (let i = 0; i < 10; i++) {
    const abs = new URL(loc, publicUrl);
    if (abs.origin !== new URL(publicUrl).origin) return { location: abs.toString(), res: undefined };
    const res = await browser.get(`${abs.pathname}${abs.search}`);
    if (res.status !== 302 && res.status !== 303) return { location: undefined, res };
    loc = res.headers.location!;
  }
  throw new Error('too many redirects');
}

/**
 * Where an accepted single sign-on answer (ACS or OIDC callback) moves the browser on to: the
 * `url=` of its meta refresh (http/sso-redirect.ts `continueToSignIn`); throws when the response is
 * not that page.
 */
export function continuedTo(res: { status: number; text: string }): string {
  const m = /<meta http-equiv="refresh" content="0;url=([^"]+)">/.exec(res.text);
  if (res.status !== 200 || !m) throw new Error(`not a continue page: ${res.status} ${res.text.slice(0, 300)}`);
  return m[1]!.replace(/&amp;/g, '&');
}
