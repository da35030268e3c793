/**
 * Shared pieces of the hostile-input suites (test/security/hostile-*.test.ts, property-*.test.ts,
 * usernames.test.ts): nasty strings, fast-check arbitraries, response-shape assertions, row counts,
 * and a real HTTP server for what supertest cannot send (huge headers, chunked bodies, raw bytes).
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import fc from 'fast-check';
import type { Knex } from 'knex';
import { expect } from 'vitest';
import { createHttpServer } from '../../src/http/server.ts';
import type { TestApp } from '../helpers/test-app.ts';

/** Strings every field should survive: SQL metacharacters, NUL, lone surrogates, controls, confusables, huge. */
export const NASTY_STRINGS: readonly string[] = Object.freeze([
  "' OR '1'='1",
  "'; DROP TABLE clients; --",
  '"; DROP TABLE users; --',
  "\\'; SELECT pg_sleep(5); --",
  '%_%',
  '$1',
  '${7*7}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  'a\u0000b',
  '\u0000',
  'a\ud800b',
  '\udc00',
  '\ud83d',
  '\r\nX-Injected: 1',
  '\u0007\u001b[31m',
  '\u202eevil',
  'ali\u200bce',
  '\uff41\uff4c\uff49\uff43\uff45',
  '',
  ' ',
  'x'.repeat(5000),
  '__proto__',
  'constructor',
  '\u{1F600}',
  'e\u0301',
]);

/** Tables whose row counts must not change when a write is refused. */
export const DATA_TABLES: readonly string[] = Object.freeze([
  'clients',
  'client_contact_centers',
  'environments',
  'contact_centers',
  'contact_center_domains',
  'data_centers',
  'contact_center_settings',
  'users',
  'integrations',
  'integration_activations',
  'oidc_payloads',
]);

/** Row counts of `tables` (default {@link DATA_TABLES}). */
export async function rowCounts(knex: Knex, tables: readonly string[] = DATA_TABLES): Promise<Record<string, number>> {
  // one round trip: select (select count(*) from "t1") as "t1", ...
  const select = tables.map((table) => knex.raw('(select count(*) from ??) as ??', [table, table]).toQuery()).join(', ');
  const result = (await knex.raw(`select ${select}`)) as { rows: Record<string, string | number>[] };
  const row = result.rows[0]!;
  return Object.fromEntries(tables.map((table) => [table, Number(row[table])]));
}

/** Any UTF-16 code unit sequence, lone surrogates and NUL included. */
export const codeUnitString = (maxLength = 40): fc.Arbitrary<string> =>
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength }).map((units) => String.fromCharCode(...units));

/** A nasty string: a fixed nasty one, arbitrary code units, arbitrary printable Unicode, or a nasty one spliced into text. */
export const nastyString = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom(...NASTY_STRINGS),
    codeUnitString(),
    fc.string({ maxLength: 40, unit: 'grapheme' }),
    fc.tuple(fc.string({ maxLength: 10 }), fc.constantFrom(...NASTY_STRINGS), fc.string({ maxLength: 10 })).map(([a, b, c]) => `${a}${b}${c}`),
    fc.tuple(fc.string({ maxLength: 10 }), fc.constantFrom('\u0000', '\u0001', '\u0008', '\n', '\u001f', '\u007f', '\u0085', '\ud800', '\udfff'), fc.string({ maxLength: 10 })).map(([a, b, c]) => `${a}${b}${c}`),
  );

/** Any JSON value, nasty strings as leaves and keys (prototype keys included), bounded. */
export const nastyJson = (): fc.Arbitrary<unknown> =>
  fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      nastyString(),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(fc.oneof(nastyString(), fc.constantFrom('__proto__', 'constructor', 'prototype', 'data')), tie('value'), { maxKeys: 4 }),
    ),
  })).value;

/** Options for `fc.assert`: `numRuns`, and `FC_SEED` from the environment to replay a failure. */
export function fcOptions(numRuns: number): fc.Parameters<unknown> {
  const seed = process.env.FC_SEED;
  return seed ? { numRuns, seed: Number(seed), verbose: 1 } : { numRuns, verbose: 1 };
}

/**
 * Text that would show a stack trace or source location: a V8 stack frame (`at fn (file:1:2)`,
 * `at file:///x.js:1:2`, `at node:internal/...`), a `.ts:`/`.js:` line reference, `node_modules/`.
 */
export const STACK_TRACE = /\bat (?:[\w.$<>[\]]+ )?\(?(?:file:\/\/|node:|\/|[A-Za-z]:\\)[^)\s]*:\d+:\d+|\bat node:internal|\.[cm]?[tj]s:\d+|node_modules\//;

/** A response as supertest gives it. */
export interface Answer {
  status: number;
  text: string;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/** Asserts a Genesys envelope error: `{"status":{"code":N,"message":"..."}}`, JSON, no stack trace. */
export function expectEnvelopeError(res: Answer, status?: number, code?: number): void {
  if (status !== undefined) expect(res.status, res.text).toBe(status);
  expect(res.status, res.text).toBeGreaterThanOrEqual(400);
  expect(res.status, res.text).toBeLessThan(500);
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  const body = res.body as { status?: { code?: unknown; message?: unknown } };
  expect(typeof body.status?.code, res.text).toBe('number');
  expect(typeof body.status?.message, res.text).toBe('string');
  if (code !== undefined) expect(body.status!.code, res.text).toBe(code);
  expect(res.text).not.toMatch(STACK_TRACE);
}

/**
 * The error codes of RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1, RFC 7009 §2.2.1, OIDC Core §3.1.2.6,
 * oidc-provider's `invalid_redirect_uri`, and this server's 429/503 answers.
 */
const OAUTH_ERRORS = new Set([
  'unsupported_response_type',
  'unsupported_response_mode',
  'request_not_supported',
  'request_uri_not_supported',
  'registration_not_supported',
  'invalid_request_object',
  'invalid_request_uri',
  'invalid_redirect_uri',
  'login_required',
  'consent_required',
  'interaction_required',
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_token',
  'insufficient_scope',
  'unsupported_token_type',
  'invalid_target',
  'temporarily_unavailable',
  'slow_down',
  'access_denied',
  'invalid_dpop_proof',
]);

/** Asserts an RFC 6749 §5.2 error: JSON `{"error":"<registered code>","error_description"?:string}`, no stack trace. */
export function expectOAuthError(res: Answer, status?: number, error?: string): void {
  if (status !== undefined) expect(res.status, res.text).toBe(status);
  expect(res.status, res.text).toBeGreaterThanOrEqual(400);
  expect(res.status, res.text).toBeLessThan(500);
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  const body = res.body as { error?: unknown; error_description?: unknown };
  expect(OAUTH_ERRORS.has(String(body.error)), res.text).toBe(true);
  if (body.error_description !== undefined) expect(typeof body.error_description).toBe('string');
  if (error !== undefined) expect(body.error, res.text).toBe(error);
  expect(res.text).not.toMatch(STACK_TRACE);
}

/**
 * Asserts the HTML page a browser gets for an authorization error that cannot go back to the
 * client (README "Signing in" → "Error pages"): 4xx, `text/html`, the registered error code shown
 * as `<code>`, no script, no stack trace.
 */
export function expectOAuthErrorPage(res: Answer, status?: number, error?: string): void {
  if (status !== undefined) expect(res.status, res.text).toBe(status);
  expect(res.status, res.text).toBeGreaterThanOrEqual(400);
  expect(res.status, res.text).toBeLessThan(500);
  expect(String(res.headers['content-type'])).toBe('text/html; charset=utf-8');
  const text = res.text ?? '';
  const code = /Error code: <code>([a-z_]+)<\/code>/.exec(text)?.[1];
  expect(OAUTH_ERRORS.has(String(code)), text).toBe(true);
  if (error !== undefined) expect(code, text).toBe(error);
  expect(text).not.toContain('<script');
  expect(text).not.toMatch(STACK_TRACE);
}

/** Asserts that nothing polluted `Object.prototype`. */
export function expectNoPrototypePollution(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
  expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
}

/** A real listening server for the test app (through src/http/server.ts, as main.ts builds it). */
export async function listen(t: TestApp): Promise<{ server: http.Server; port: number; close(): Promise<void> }> {
  const server = createHttpServer(t.ccauth.app.callback(), { maxHeaderBytes: t.config.inputLimits.headerBytes });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A raw HTTP exchange: the response head and body, parsed just enough. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Writes `chunks` to a fresh connection (each after the previous, `pauseMs` apart) and reads the
 * response until the server closes the connection or `timeoutMs` passes. Write errors after the
 * server answered (it may close early) are ignored.
 */
export function rawExchange(port: number, chunks: (string | Buffer)[], opts: { timeoutMs?: number; pauseMs?: number } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(received).toString('utf8');
      const headEnd = text.indexOf('\r\n\r\n');
      if (headEnd < 0) return reject(new Error(`no HTTP response: ${JSON.stringify(text.slice(0, 200))}`));
      const [statusLine, ...lines] = text.slice(0, headEnd).split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      let body = text.slice(headEnd + 4);
      if (headers['transfer-encoding'] === 'chunked') {
        let out = '';
        let rest = body;
        for (;;) {
          const nl = rest.indexOf('\r\n');
          const size = parseInt(rest.slice(0, nl), 16);
          if (!size) break;
          out += rest.slice(nl + 2, nl + 2 + size);
          rest = rest.slice(nl + 2 + size + 2);
        }
        body = out;
      } else if (headers['content-length']) {
        body = Buffer.from(body, 'utf8').subarray(0, Number(headers['content-length'])).toString('utf8');
      }
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body });
    };
    const timer = setTimeout(finish, opts.timeoutMs ?? 3000);
    socket.on('data', (d) => {
      received.push(d);
      // one response is enough: stop when its body is complete
      const text = Buffer.concat(received).toString('utf8');
      const headEnd = text.indexOf('\r\n\r\n');
      if (headEnd >= 0) {
        const len = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, headEnd))?.[1];
        if (len !== undefined && Buffer.byteLength(text.slice(headEnd + 4)) >= Number(len)) finish();
        if (/\r\ntransfer-encoding:\s*chunked/i.test(text.slice(0, headEnd)) && text.endsWith('0\r\n\r\n')) finish();
      }
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', () => {
      if (received.length) finish();
    });
    socket.on('connect', async () => {
      for (const c of chunks) {
        if (socket.destroyed) return;
        socket.write(c);
        if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
      }
    });
  });
}

/** One JSON write endpoint of the admin APIs, with a valid body and where its rows can be listed. */
export interface AdminWrite {
  name: string;
  method: 'post' | 'put';
  path: string;
  /** A valid body; `n` makes ids and unique names unique. */
  body(n: number): { data: Record<string, unknown> };
  /** A GET path listing what was stored. */
  list: string;
}

/**
 * The JSON write endpoints of the ops API and the Environment API (create forms, plus one update),
 * for a contact center `ccid`, an environment `environmentId` and an authorization-code integration
 * `codeIntegrationId` that already exist.
 */
export function adminWrites(ids: { ccid: string; environmentId: string; codeIntegrationId: string; clientId: string }): AdminWrite[] {
  return [
    {
      name: 'ops client',
      method: 'post',
      path: '/auth/v3/ops/clients',
      list: '/auth/v3/ops/clients',
      body: (n) => ({
        data: {
          client_id: `hostile_client_${n}`,
          client_secret: `secret-value-${n}`,
          name: `Client ${n}`,
          description: 'a description',
          clientType: 'CONFIDENTIAL',
          authorities: ['ROLE_X'],
          scope: ['a.read'],
          authorizedGrantTypes: ['client_credentials', 'authorization_code'],
          redirectURIs: ['https://app.example.com/cb'],
          contactCenterIds: [ids.ccid],
        },
      }),
    },
    {
      name: 'ops client update',
      method: 'put',
      path: `/auth/v3/ops/clients/${ids.clientId}`,
      list: '/auth/v3/ops/clients',
      body: () => ({ data: { name: 'Renamed', description: 'changed', redirectURIs: ['https://app.example.com/cb2'], scope: ['a.write'] } }),
    },
    {
      name: 'integration',
      method: 'post',
      path: '/auth/v3/ops/integrations',
      list: '/auth/v3/ops/integrations',
      body: (n) => ({ data: { id: `hostile-${n}`, name: `Hostile integration ${n}`, description: 'text', authorizedGrantTypes: ['client_credentials'], scope: ['a.read'], clientAuthMethods: ['client_secret_basic'] } }),
    },
    {
      name: 'activation',
      method: 'post',
      path: `/auth/v3/ops/integrations/${ids.codeIntegrationId}/activations`,
      list: `/auth/v3/ops/integrations/${ids.codeIntegrationId}/activations`,
      body: () => ({ data: { contactCenterId: ids.ccid, redirectURIs: ['https://chat.example.com/cb'] } }),
    },
    {
      name: 'environment',
      method: 'post',
      path: '/environment/v3/environments',
      list: '/environment/v3/environments',
      body: () => ({
        data: {
          username: 'cfg-user',
          password: 'cfg-password',
          appName: 'Cloud',
          tenant: 'Environment',
          connectionProtocol: 'addp',
          configServers: [{ primaryAddress: 'cs1.example.com', primaryPort: 8888, backupAddress: 'cs2.example.com', backupPort: 8888, locations: '/usw1' }],
        },
      }),
    },
    {
      name: 'contact center',
      method: 'post',
      path: '/environment/v3/contact-centers',
      list: '/environment/v3/contact-centers',
      body: (n) => ({ data: { environmentId: ids.environmentId, domains: [`dom${n}`], auth: 'configServer' } }),
    },
    {
      name: 'data center',
      method: 'post',
      path: '/environment/v3/data-centers',
      list: '/environment/v3/data-centers',
      body: (n) => ({ data: { location: `/region${n}`, entryPoint: 'https://gauth.example.com/', readOnly: false } }),
    },
    {
      name: 'setting',
      method: 'post',
      path: `/environment/v3/contact-centers/${ids.ccid}/settings`,
      list: `/environment/v3/contact-centers/${ids.ccid}/settings`,
      body: (n) => ({ data: { name: `setting-${n}`, value: 'some value', location: '/', shared: 'true' } }),
    },
    {
      name: 'user',
      method: 'post',
      path: `/environment/v3/contact-centers/${ids.ccid}/users`,
      list: `/environment/v3/contact-centers/${ids.ccid}/users`,
      body: (n) => ({
        data: {
          username: `user${n}`,
          password: 'User-Password-1',
          firstName: 'First',
          lastName: 'Last',
          email: `user${n}@example.com`,
          authorities: ['ROLE_AGENT'],
          properties: { skill: 'chat', team: 'blue' },
        },
      }),
    },
  ];
}

/** Paths (`data.name`, `data.redirectURIs.0`, `data.properties.skill`) of every string leaf of `value`. */
export function stringLeaves(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === 'string') return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringLeaves(v, [...path, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stringLeaves(v, [...path, k]));
  return [];
}

/** A deep copy of `value` with the leaf at `path` replaced by `replacement`. */
export function withLeaf<T>(value: T, path: (string | number)[], replacement: unknown): T {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let node = copy;
  for (const p of path.slice(0, -1)) node = node[p] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = replacement;
  return copy as T;
}

/** The assertions every Genesys-envelope admin answer must meet: < 500, no stack text, JSON, envelope. */
export function expectAdminAnswer(res: Answer): void {
  expect(res.status, res.text).toBeLessThan(500);
  expect(res.text).not.toMatch(STACK_TRACE);
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  if (res.status >= 400) expectEnvelopeError(res);
  else expect((res.body as { status?: { code?: unknown } }).status?.code).toBe(0);
}

let mutationCounter = 0;

/** A body derived from a valid one: some string leaves and some fields replaced, extra keys added. */
export const mutatedBody = (w: AdminWrite): fc.Arbitrary<{ data: Record<string, unknown> }> =>
  fc
    .tuple(
      fc.array(fc.tuple(fc.nat(), nastyString()), { maxLength: 3 }),
      fc.array(fc.tuple(fc.nat(), nastyJson()), { maxLength: 2 }),
      fc.dictionary(nastyString(), nastyJson(), { maxKeys: 2 }),
    )
    .map(([strings, values, extra]) => {
      let body: { data: Record<string, unknown> } = w.body(++mutationCounter);
      const leaves = stringLeaves(body);
      for (const [i, str] of strings) body = withLeaf(body, leaves[i % leaves.length]!, str);
      const keys = Object.keys(body.data);
      for (const [i, v] of values) body = withLeaf(body, ['data', keys[i % keys.length]!], v);
      return { ...body, data: { ...body.data, ...extra } };
    });
