/**
 * The request mixes `npm run bench` drives, each sent the same way to ccauth, the two stock
 * oidc-provider servers (PostgreSQL adapter, in memory) and the bare koa server. Every connection keeps one credential (client, user or
 * token) for the whole run; the refresh_token scenario chains each connection's refresh tokens
 * (every response's `refresh_token` is the next request's), because rotation spends them.
 */
import type autocannon from 'autocannon';
import type { Fixtures } from './setup.ts';

/** The servers measured: ccauth, the stock oidc-provider on PostgreSQL and in memory, bare koa. */
export type TargetKind = 'ccauth' | 'stock-pg' | 'stock' | 'bare';

/** What a scenario needs to know about the server it is prepared for. */
export interface TargetInfo {
  kind: TargetKind;
  url: string;
}

/** autocannon options a scenario sets (url, duration, connections and rates are the runner's). */
export interface LoadOptions {
  method?: autocannon.Request['method'];
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupClient?: (client: autocannon.Client) => void;
}

export interface Scenario {
  id: string;
  title: string;
  /**
   * Builds the request(s) for one run with `connections` connections; may call the server first
   * (tokens to introspect or refresh). @throws when the server's answer is not the expected one.
   */
  prepare(target: TargetInfo, fixtures: Fixtures, connections: number): Promise<LoadOptions>;
}

export const TOKEN_PATH = '/auth/v3/oauth/token';
export const INTROSPECT_PATH = '/auth/v3/oauth/introspect';
export const USERINFO_PATH = '/auth/v3/userinfo';
export const OPENID_USERINFO_PATH = '/auth/v3/openid/userinfo';
export const DISCOVERY_PATH = '/.well-known/openid-configuration';

const FORM = 'application/x-www-form-urlencoded';

/** RFC 6749 §2.3.1: client id and secret form-encoded, then Basic. */
export function basicAuth(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** Per-connection request setup: connection i gets `make(i)` (headers and body). */
function perConnection(make: (i: number) => { headers: Record<string, string>; body?: string }): LoadOptions['setupClient'] {
  let next = 0;
  return (client) => {
    const { headers, body } = make(next++);
    if (body === undefined) client.setHeaders(headers);
    else client.setHeadersAndBody(headers, body);
  };
}

async function post(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': FORM, ...headers }, body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** Password-grant logins, `n` of them (users and clients round robin), two at a time. */
async function loginMany(target: TargetInfo, fx: Fixtures, n: number): Promise<{ accessToken: string; refreshToken: string; client: Fixtures['clients'][number] }[]> {
  if (target.kind === 'bare') {
    return Array.from({ length: n }, (_, i) => ({ accessToken: `bare-access-${i}`.padEnd(43, 'x'), refreshToken: `bare-refresh-${i}`.padEnd(43, 'x'), client: fx.clients[i % fx.clients.length]! }));
  }
  const out: { accessToken: string; refreshToken: string; client: Fixtures['clients'][number] }[] = [];
  for (let i = 0; i < n; i += 2) {
    const batch = Array.from({ length: Math.min(2, n - i) }, async (_, k) => {
      const client = fx.clients[(i + k) % fx.clients.length]!;
      const user = fx.users[(i + k) % fx.users.length]!;
      const r = await post(target.url + TOKEN_PATH, { authorization: basicAuth(client.clientId, client.secret) }, form({ grant_type: 'password', username: user.username, password: user.password, scope: 'openid offline_access' }));
      if (r.status !== 200 || typeof r.json.refresh_token !== 'string') throw new Error(`${target.kind}: password login failed: ${r.status} ${JSON.stringify(r.json)}`);
      return { accessToken: String(r.json.access_token), refreshToken: String(r.json.refresh_token), client };
    });
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

/**
 * GET `path` with a Bearer access token from a password-grant login (one per connection, at most
 * 10 distinct): ccauth's Genesys userinfo (`/auth/v3/userinfo`) or its OpenID Connect userinfo
 * (`/auth/v3/openid/userinfo`); the stock servers answer both with oidc-provider's userinfo.
 */
function userinfoScenario(id: string, path: string): Scenario {
  return {
    id,
    title: path,
    async prepare(t, fx, connections) {
      const logins = await loginMany(t, fx, Math.min(connections, 10));
      if (t.kind !== 'bare') {
        const res = await fetch(t.url + path, { headers: { authorization: `Bearer ${logins[0]!.accessToken}` } });
        const body = await res.text();
        if (res.status !== 200) throw new Error(`${t.kind}: ${path} failed: ${res.status} ${body}`);
      }
      return {
        method: 'GET',
        path,
        setupClient: perConnection((i) => ({ headers: { authorization: `Bearer ${logins[i % logins.length]!.accessToken}` } })),
      };
    },
  };
}

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'client_credentials_basic',
    title: 'client_credentials (Basic)',
    async prepare(_t, fx) {
      return {
        method: 'POST',
        path: TOKEN_PATH,
        setupClient: perConnection((i) => {
          const c = fx.clients[i % fx.clients.length]!;
          return { headers: { 'content-type': FORM, authorization: basicAuth(c.clientId, c.secret) }, body: 'grant_type=client_credentials' };
        }),
      };
    },
  },
  {
    id: 'client_credentials_body',
    title: 'client_credentials (body)',
    async prepare(_t, fx) {
      return {
        method: 'POST',
        path: TOKEN_PATH,
        setupClient: perConnection((i) => {
          const c = fx.clients[i % fx.clients.length]!;
          return { headers: { 'content-type': FORM }, body: form({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.secret }) };
        }),
      };
    },
  },
  {
    id: 'password',
    title: 'password grant',
    async prepare(_t, fx) {
      return {
        method: 'POST',
        path: TOKEN_PATH,
        setupClient: perConnection((i) => {
          const c = fx.clients[i % fx.clients.length]!;
          const u = fx.users[i % fx.users.length]!;
          return {
            headers: { 'content-type': FORM, authorization: basicAuth(c.clientId, c.secret) },
            body: form({ grant_type: 'password', username: u.username, password: u.password, scope: 'openid offline_access' }),
          };
        }),
      };
    },
  },
  {
    id: 'refresh_token',
    title: 'refresh_token',
    async prepare(t, fx, connections) {
      const logins = await loginMany(t, fx, connections);
      let next = 0;
      return {
        method: 'POST',
        path: TOKEN_PATH,
        setupClient: (client) => {
          const login = logins[next++ % logins.length]!;
          const state = { rt: login.refreshToken };
          client.setRequests([
            {
              method: 'POST',
              path: TOKEN_PATH,
              headers: { 'content-type': FORM, authorization: basicAuth(login.client.clientId, login.client.secret) },
              setupRequest(req) {
                req.body = `grant_type=refresh_token&refresh_token=${encodeURIComponent(state.rt)}`;
                return req;
              },
              onResponse(status, body) {
                if (status === 200) {
                  const rt = (JSON.parse(body) as { refresh_token?: string }).refresh_token;
                  if (rt) state.rt = rt;
                }
              },
            },
          ]);
        },
      };
    },
  },
  {
    id: 'introspection',
    title: 'introspection',
    async prepare(t, fx, connections) {
      const logins = await loginMany(t, fx, Math.min(connections, 10));
      if (t.kind !== 'bare') {
        const l = logins[0]!;
        const r = await post(t.url + INTROSPECT_PATH, { authorization: basicAuth(l.client.clientId, l.client.secret) }, form({ token: l.accessToken }));
        if (r.json.active !== true) throw new Error(`${t.kind}: introspection says inactive: ${JSON.stringify(r.json)}`);
      }
      return {
        method: 'POST',
        path: INTROSPECT_PATH,
        setupClient: perConnection((i) => {
          const l = logins[i % logins.length]!;
          return { headers: { 'content-type': FORM, authorization: basicAuth(l.client.clientId, l.client.secret) }, body: form({ token: l.accessToken }) };
        }),
      };
    },
  },
  userinfoScenario('userinfo', USERINFO_PATH),
  userinfoScenario('openid_userinfo', OPENID_USERINFO_PATH),
  {
    id: 'discovery',
    title: 'discovery',
    async prepare() {
      return { method: 'GET', path: DISCOVERY_PATH };
    },
  },
];
