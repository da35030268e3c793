/**
 * Redirect URI matching (RFC 6749 §3.1.2.2, OAuth 2.0 Security BCP §4.1.3: exact string match)
 * with one Genesys rule (genesys-api.md §5.3): a redirect URI registered as a bare origin
 * (`https://wwe.example.com` or `https://wwe.example.com/`) matches any path on exactly that
 * origin — same scheme, host and port. Nothing else is loosened: no subdomains, no other scheme
 * or port, no query string and no fragment under the origin rule, no user information.
 *
 * Installed on oidc-provider's Client model by {@link installRedirectUriRules}; the provider's own
 * exact match (and its loopback-port rule for native clients, RFC 8252 §7.3) still applies first.
 */

/** The origin (`scheme://host[:port]`) a registered URI stands for, when it is a bare http(s) origin. */
export function bareOrigin(registered: string): string | undefined {
  // Only `scheme://authority` with nothing after it, or a single `/`.
  if (!/^https?:\/\/[^/?#\\@\s]+\/?$/i.test(registered)) return undefined;
  let url: URL;
  try {
    url = new URL(registered);
  } catch {
    return undefined;
  }
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) return undefined;
  return url.origin;
}

/**
 * True when `presented` (a `redirect_uri` or `post_logout_redirect_uri` request parameter) is
 * allowed by the `registered` list: an exact string match, or a path under a registered bare
 * origin (see the module comment). Pure; never throws.
 */
export function redirectUriMatches(presented: unknown, registered: readonly string[]): boolean {
  if (typeof presented !== 'string' || presented.length === 0 || presented.length > 2048) return false;
  if (registered.includes(presented)) return true;
  const origins = registered.map(bareOrigin).filter((o): o is string => o !== undefined);
  if (origins.length === 0) return false;
  // The presented URI must itself be a plain absolute http(s) URL without query or fragment.
  if (!/^https?:\/\/[^/?#\\@\s]+(\/[^?#\\\s]*)?$/i.test(presented)) return false;
  let url: URL;
  try {
    url = new URL(presented);
  } catch {
    return false;
  }
  if (url.username || url.password || url.search || url.hash) return false;
  return origins.includes(url.origin);
}

/** The part of oidc-provider's Client model this module overrides. */
interface ClientPrototype {
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  redirectUriAllowed(value: string): boolean;
  postLogoutRedirectUriAllowed(value: string): boolean;
}

/**
 * Overrides `redirectUriAllowed` and `postLogoutRedirectUriAllowed` on `provider.Client.prototype`
 * (node_modules/oidc-provider/lib/models/client.js). Both keep oidc-provider's own answer when it
 * allows the URI and add the bare-origin rule. A post-logout URI is matched against the client's
 * `post_logout_redirect_uris` and its `redirect_uris` (Genesys clients register only
 * `redirectURIs`; genesys-api.md §2 A8 signs out to a `redirectUri`).
 */
export function installRedirectUriRules(ClientClass: { prototype: unknown }): void {
  const proto = ClientClass.prototype as ClientPrototype;
  const exactRedirect = proto.redirectUriAllowed;
  const exactPostLogout = proto.postLogoutRedirectUriAllowed;
  proto.redirectUriAllowed = function redirectUriAllowed(this: ClientPrototype, value: string): boolean {
    return exactRedirect.call(this, value) || redirectUriMatches(value, this.redirectUris ?? []);
  };
  proto.postLogoutRedirectUriAllowed = function postLogoutRedirectUriAllowed(this: ClientPrototype, value: string): boolean {
    return (
      exactPostLogout.call(this, value) ||
      redirectUriMatches(value, [...(this.postLogoutRedirectUris ?? []), ...(this.redirectUris ?? [])])
    );
  };
}
