/**
 * What a registered redirect URI may be (RFC 6749 §3.1.2, §3.1.2.1; RFC 9700 §2.1, §4.1.3;
 * RFC 8252 §7.3, §8.3; OWASP ASVS 5.0 V10.4). One rule set for every way a redirect URI is stored:
 * the ops clients API, integration activations and the ops console (the edge schemas call
 * {@link redirectUriProblem} with `allowPlainHttp: true`; the clients service calls it again with
 * the deployment's policy, so plain `http` to a non-loopback host is refused in production).
 *
 * A registered redirect URI is matched as an exact string (src/oauth/redirect-uris.ts), so it is
 * checked as written, not as a URL parser would rewrite it.
 */

/** Longest redirect URI accepted, in characters. */
export const REDIRECT_URI_MAX_LENGTH = 2048;

/** Hosts to which plain `http` is allowed in production (RFC 8252 §7.3 loopback redirection). */
export const LOOPBACK_HOSTS: readonly string[] = Object.freeze(['127.0.0.1', '[::1]', 'localhost']);

/** Deployment policy for {@link redirectUriProblem}. */
export interface RedirectUriPolicy {
  /**
   * Whether plain `http` is allowed to any host. False in production (NODE_ENV=production): then
   * only the loopback hosts of {@link LOOPBACK_HOSTS} may use `http`.
   */
  allowPlainHttp: boolean;
}

/** The message used when the scheme is neither https nor http. */
export const REDIRECT_URI_SCHEME_MESSAGE = 'must use https (or http)';
/** The message used when plain http to a non-loopback host is refused (production). */
export const REDIRECT_URI_HTTP_MESSAGE = 'must use https: plain http is allowed only for a loopback host (127.0.0.1, [::1] or localhost; RFC 8252 §7.3)';

/**
 * Why `uri` cannot be registered as a redirect URI, or undefined when it can. Refused:
 * anything but a string of 1-{@link REDIRECT_URI_MAX_LENGTH} printable ASCII characters (no
 * spaces, control characters, non-ASCII or `\`), a relative URI, any scheme but `https`/`http`
 * (`javascript:`, `data:`, `vbscript:`, `file:`, private-use schemes), a fragment (`#`, RFC 6749
 * §3.1.2), a wildcard (`*`, RFC 9700 §4.1.3 exact matching), user information (`user@host`), and
 * — unless `policy.allowPlainHttp` — `http` to a host other than 127.0.0.1, [::1] or localhost.
 * Pure; never throws.
 */
export function redirectUriProblem(uri: unknown, policy: RedirectUriPolicy): string | undefined {
  if (typeof uri !== 'string') return 'must be a string';
  if (uri.length === 0) return 'must not be empty';
  if (uri.length > REDIRECT_URI_MAX_LENGTH) return `must be at most ${REDIRECT_URI_MAX_LENGTH} characters`;
  if (!/^[\x21-\x7e]+$/.test(uri)) return 'must be an ASCII URI without spaces or control characters (percent-encode other characters)';
  if (uri.includes('\\')) return 'must not contain a backslash';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return REDIRECT_URI_SCHEME_MESSAGE;
  if (uri.includes('#')) return 'must not contain a fragment';
  if (uri.includes('*')) return 'must not contain wildcards';
  // the authority is what follows `scheme://` up to the first `/`, `?` or `#`
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(uri)?.[1];
  if (authority === undefined) return 'must be an absolute URL (scheme://host/...)';
  if (authority.includes('@') || url.username || url.password) return 'must not contain user information';
  if (url.hostname === '') return 'must name a host';
  if (url.protocol === 'http:' && !policy.allowPlainHttp && !LOOPBACK_HOSTS.includes(url.hostname)) return REDIRECT_URI_HTTP_MESSAGE;
  return undefined;
}
