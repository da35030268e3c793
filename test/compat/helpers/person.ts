/**
 * A person at a browser without a browser: a cookie-keeping HTTP client (RFC 6265 cookies, matched
 * by host and path) that follows redirects across origins one hop at a time and fills in ccauth's
 * real login and consent forms (README "Signing in"). The compat suite uses it wherever the
 * library under test is a server-side relying party (openid-client, oauth4webapi, simple-oauth2,
 * passport, the Python libraries): the library builds the authorization URL and redeems the code;
 * this stands in for the person in between.
 */
import { AGENT } from './compat-server.ts';

interface StoredCookie {
  name: string;
  value: string;
  host: string;
  path: string;
}

/** One response as the person saw it. */
export interface Seen {
  url: string;
  status: number;
  location?: string;
  text: string;
}

/** What the person does on ccauth's consent page. */
export type ConsentChoice = 'allow' | 'deny';

/** A cookie-keeping HTTP user agent. */
export class Person {
  private readonly cookies: StoredCookie[] = [];
  /** Every response seen, in order (for failure messages). */
  readonly seen: Seen[] = [];

  private cookieHeader(url: URL): string | undefined {
    const matching = this.cookies.filter((c) => c.host === url.host && (url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)));
    // longer paths first (RFC 6265 §5.4)
    matching.sort((a, b) => b.path.length - a.path.length);
    return matching.length ? matching.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }

  private store(url: URL, setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      let path = url.pathname.replace(/\/[^/]*$/, '') || '/';
      let expired = value === '';
      for (const a of attrs) {
        const [k, v = ''] = a.split('=');
        const key = k!.trim().toLowerCase();
        if (key === 'path') path = v.trim() || '/';
        if (key === 'max-age' && Number(v) <= 0) expired = true;
        if (key === 'expires' && Date.parse(v) < Date.now()) expired = true;
      }
      const i = this.cookies.findIndex((c) => c.name === name && c.host === url.host && c.path === path);
      if (i >= 0) this.cookies.splice(i, 1);
      if (!expired) this.cookies.push({ name, value, host: url.host, path });
    }
  }

  /** One request, no redirect following; cookies sent and stored. */
  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Seen> {
    const u = new URL(url);
    const headers: Record<string, string> = { accept: 'text/html' };
    const cookie = this.cookieHeader(u);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(u, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual', signal: AbortSignal.timeout(15_000) });
    this.store(u, res.headers.getSetCookie());
    const location = res.headers.get('location');
    const seen: Seen = { url: u.toString(), status: res.status, text: await res.text(), ...(location ? { location: new URL(location, u).toString() } : {}) };
    this.seen.push(seen);
    return seen;
  }

  /**
   * Opens `url` and keeps going as a person would until the browser is sent to a URL for which
   * `stop` is true (returned, not fetched): follows redirects, signs in as {@link AGENT} on the
   * login page, and answers the consent page with `consent`.
   * @throws when a page is neither of those, or after 25 steps.
   */
  async browse(url: string, stop: (url: URL) => boolean, opts: { consent?: ConsentChoice; login?: string; password?: string } = {}): Promise<URL> {
    let next: { url: string; form?: Record<string, string> } = { url };
    for (let step = 0; step < 25; step++) {
      if (stop(new URL(next.url))) return new URL(next.url);
      const res = await this.request(next.url, next.form ? { form: next.form } : {});
      if (res.status >= 300 && res.status < 400 && res.location) {
        next = { url: res.location };
        continue;
      }
      if (res.status === 200 && res.text.includes('name="password"')) {
        next = {
          url: new URL(formAction(res.text), res.url).toString(),
          form: { uid: hidden(res.text, 'uid'), csrf: hidden(res.text, 'csrf'), username: opts.login ?? AGENT.login, password: opts.password ?? AGENT.password },
        };
        continue;
      }
      if (res.status === 200 && /<button[^>]*formaction="([^"]+)"/.test(res.text)) {
        const deny = /<button[^>]*formaction="([^"]+)"/.exec(res.text)![1]!;
        const action = (opts.consent ?? 'allow') === 'allow' ? formAction(res.text) : deny;
        next = { url: new URL(decodeEntities(action), res.url).toString(), form: { uid: hidden(res.text, 'uid'), csrf: hidden(res.text, 'csrf') } };
        continue;
      }
      throw new Error(`unexpected page at ${res.url}: ${res.status} ${res.text.slice(0, 600)}`);
    }
    throw new Error(`too many steps: ${this.seen.map((s) => `${s.status} ${s.url}`).join(' → ')}`);
  }
}

const decodeEntities = (s: string) => s.replace(/&amp;/g, '&').replace(/&#x2F;/gi, '/').replace(/&#39;/g, "'").replace(/&quot;/g, '"');

function formAction(html: string): string {
  const m = /<form[^>]*action="([^"]+)"/.exec(html);
  if (!m) throw new Error(`no form on the page: ${html.slice(0, 400)}`);
  return decodeEntities(m[1]!);
}

function hidden(html: string, name: string): string {
  const m = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(html);
  if (!m) throw new Error(`no hidden field ${name} on the page`);
  return decodeEntities(m[1]!);
}

/** A stop predicate: the browser reached a URL starting with `prefix` (a redirect URI). */
export const arrivesAt = (prefix: string) => (u: URL) => u.toString().startsWith(prefix);
