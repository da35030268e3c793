/**
 * CSRF tokens for the login, consent and sign-out forms (OWASP CSRF Prevention Cheat Sheet, "HMAC-based
 * token"). A token is HMAC-SHA256 over a purpose and the interaction uid, under a key derived
 * from the cookie keys; so it is bound to one interaction, and the interaction is bound to the
 * browser by oidc-provider's signed, HttpOnly interaction cookie. Stateless, so any ccauth process
 * holding the same COOKIE_KEYS can check it. Compared in constant time.
 */
import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '../security/tokens.ts';

/**
 * What a form's token is for; a consent token cannot pass as a login token. `sign-out` tokens are
 * bound to the browser session's id instead of an interaction uid; `change-password` tokens to
 * the interaction uid and the user id (the session cookie is signed
 * and HttpOnly, so a page elsewhere can neither read the id nor compute the token).
 */
export type CsrfPurpose = 'sign-in' | 'consent' | 'change-password' | 'sign-out';

export interface CsrfTokens {
  /** The token for `purpose` on interaction `uid` (base64url, 43 characters). */
  issue(purpose: CsrfPurpose, uid: string): string;
  /** True when `presented` is the token for `purpose` on `uid` (under any current cookie key). */
  verify(purpose: CsrfPurpose, uid: string, presented: unknown): boolean;
}

/** Builds the token functions from the cookie keys; the first key issues, every key verifies. */
export function createCsrfTokens(cookieKeys: readonly string[]): CsrfTokens {
  if (!cookieKeys.length) throw new Error('at least one cookie key is required');
  const keys = cookieKeys.map((k) => createHmac('sha256', k).update('ccauth csrf v1').digest());
  const mac = (key: Buffer, purpose: CsrfPurpose, uid: string) => createHmac('sha256', key).update(`${purpose}\n${uid}`).digest('base64url');
  return {
    issue: (purpose, uid) => mac(keys[0]!, purpose, uid),
    verify(purpose, uid, presented) {
      if (typeof presented !== 'string' || presented.length === 0 || presented.length > 128) return false;
      let ok = false;
      for (const key of keys) ok = constantTimeEqual(mac(key, purpose, uid), presented) || ok;
      return ok;
    },
  };
}
