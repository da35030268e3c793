/**
 * SIGTERM under load (docs/security-model.md "Security model" → "Concurrency and faults"): the real
 * server (`node src/main.ts`, test/helpers/spawn-server.ts) answers a bounded load of password
 * grants — each verifying an argon2id password, so requests are in flight for a while — and gets
 * SIGTERM midway. Then:
 * - every request whose connection the server had accepted gets a complete `200` token response
 *   (none is cut: no ECONNRESET, no truncated body);
 * - connections opened after the shutdown began are refused (ECONNREFUSED) while in-flight
 *   requests are still being answered;
 * - the process exits by itself with code 0 after logging "stopped".
 *
 * "Accepted" is made observable with `Expect: 100-continue` (RFC 9110 §10.1.1): each request (on a
 * connection of its own) sends its headers and waits; the server answers `100 Continue` once it has
 * accepted the connection and read the request, and only then is the body sent. A request that saw
 * `100 Continue` must get its complete response. One that did not was never received: it must
 * have been refused, or reset without a byte of response (a connection the kernel completed in its
 * accept queue just before the listening socket closed, or while the server's event loop was busy —
 * the client cannot tell those from accepted ones by timing alone).
 *
 * Against a throwaway PostgreSQL database (DATABASE_URL) or, without it, PGlite in a temporary
 * DATA_DIR.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { basic } from '../helpers/test-app.ts';
import { createTestDatabase } from '../helpers/test-db.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import { call, spawnServer } from '../helpers/spawn-server.ts';
import type { SpawnedServer } from '../helpers/spawn-server.ts';

const TOTAL = 200;
const CONCURRENCY = 20;
/** Responses received before SIGTERM is sent. */
const SIGNAL_AFTER = 60;
const OPS = { user: 'ops', secret: 'ops' };
const PASSWORD = 'Sigterm-Password-1';

let db: TestDatabase | undefined;
let server: SpawnedServer | undefined;
let client: { clientId: string; secret: string };

interface Outcome {
  i: number;
  startedAt: number;
  connectedAt?: number;
  /** When the server acknowledged the request (`100 Continue`): it was accepted. */
  acceptedAt?: number;
  finishedAt?: number;
  status?: number;
  headers?: http.IncomingHttpHeaders;
  body?: string;
  complete?: boolean;
  /** Client-side error code (ECONNREFUSED, ECONNRESET, ...). */
  error?: string;
  /** Response bytes received before an error. */
  bytes: number;
}

const now = () => performance.now();

/** One password grant on a connection of its own. Never rejects. */
function passwordGrant(port: number, i: number): Promise<Outcome> {
  const form = new URLSearchParams({ grant_type: 'password', username: 't100\\agent', password: PASSWORD }).toString();
  return new Promise((resolve) => {
    const o: Outcome = { i, startedAt: now(), bytes: 0 };
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      o.finishedAt = now();
      resolve(o);
    };
    const req = http.request({
      host: '127.0.0.1',
      port,
      path: '/auth/v3/oauth/token',
      method: 'POST',
      agent: false,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': Buffer.byteLength(form),
        authorization: basic(client.clientId, client.secret),
        'x-request-id': `sigterm-load-${i}`,
        expect: '100-continue',
      },
    });
    req.on('socket', (socket) => socket.once('connect', () => (o.connectedAt = now())));
    req.on('continue', () => {
      o.acceptedAt = now();
      req.end(form);
    });
    req.on('response', (res) => {
      if (o.acceptedAt === undefined) req.end(); // answered without reading the body
      o.status = res.statusCode;
      o.headers = res.headers;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        o.bytes += c.length;
        chunks.push(c);
      });
      res.on('end', () => {
        o.body = Buffer.concat(chunks).toString('utf8');
        o.complete = res.complete;
        done();
      });
      res.on('error', (err: NodeJS.ErrnoException) => {
        o.error = err.code ?? err.message;
        done();
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      o.error = err.code ?? err.message;
      done();
    });
    req.setTimeout(30_000, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    req.flushHeaders(); // the body follows the server's 100 Continue
  });
}

/** Tries a new TCP connection; resolves with the error code, or 'connected'. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe('SIGTERM during load', () => {
  beforeAll(async () => {
    const env: Record<string, string> = {};
    if (process.env.DATABASE_URL) {
      db = await createTestDatabase();
      env.DATABASE_URL = db.url!;
    }
    server = await spawnServer(env);
    const base = server.url;
    const created = await call(base, '/auth/v3/ops/clients', {
      basicAuth: OPS,
      json: { data: { client_id: 'sigterm_client', scope: ['*'], internalClient: true, authorities: ['ROLE_INTERNAL_CLIENT'], authorizedGrantTypes: ['password', 'refresh_token'] } },
    });
    if (created.status !== 200) throw new Error(`client create failed: ${created.status} ${created.text}`);
    client = { clientId: 'sigterm_client', secret: created.body.data.client_secret };
    const env1 = await call(base, '/environment/v3/environments', { basicAuth: OPS, json: { data: { username: 'default', password: 'cs-password' } } });
    if (env1.status !== 200) throw new Error(`environment create failed: ${env1.status} ${env1.text}`);
    const cc = await call(base, '/environment/v3/contact-centers', { basicAuth: OPS, json: { data: { environmentId: env1.body.path.split('/')[2], domains: ['t100'] } } });
    if (cc.status !== 200) throw new Error(`contact center create failed: ${cc.status} ${cc.text}`);
    const user = await call(base, `/environment/v3/contact-centers/${cc.body.path.split('/')[2]}/users`, { basicAuth: OPS, json: { data: { username: 'agent', password: PASSWORD } } });
    if (user.status !== 200) throw new Error(`user create failed: ${user.status} ${user.text}`);
    const warm = await passwordGrant(server.port, -1);
    if (warm.status !== 200) throw new Error(`password grant failed: ${warm.status} ${warm.body} ${warm.error}`);
  }, 90_000);

  afterAll(async () => {
    await server?.destroy();
    await db?.close();
  });

  it('answers every accepted request completely, refuses new connections, and exits 0', async () => {
    const srv = server!;
    const outcomes: Outcome[] = [];
    let next = 0;
    let answered = 0;
    let signalledAt: number | undefined;
    let refusedProbe: Promise<{ result: string; serverAlive: boolean }> | undefined;

    const worker = async () => {
      while (next < TOTAL) {
        const o = await passwordGrant(srv.port, next++);
        outcomes.push(o);
        if (o.status !== undefined) answered++;
        if (signalledAt === undefined && answered >= SIGNAL_AFTER) {
          signalledAt = now();
          srv.child.kill('SIGTERM');
          // once the server says it is shutting down, a new connection must be refused while it
          // still finishes the requests in flight
          refusedProbe = srv.waitForLine(/shutting down/, 10_000).then(async () => {
            const result = await tryConnect(srv.port);
            return { result, serverAlive: srv.running };
          });
        }
      }
    };
    const started = now();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const exit = await srv.exited;
    const elapsedMs = now() - started;

    expect(signalledAt, 'SIGTERM was never sent').toBeDefined();
    const tSig = signalledAt!;
    expect(outcomes).toHaveLength(TOTAL);

    // the process ended cleanly, on its own
    expect(exit).toEqual({ code: 0, signal: null });
    expect(srv.lines().some((l) => l.includes('shutting down'))).toBe(true);
    expect(srv.lines().some((l) => l.includes('"msg":"stopped"'))).toBe(true);
    expect(srv.lines().filter((l) => /"level":(50|60)/.test(l))).toEqual([]);

    // new connections after the shutdown began were refused, while the server was still running
    const probe = await refusedProbe!;
    expect(probe.result).toBe('ECONNREFUSED');

    // every response is a complete token response
    const responses = outcomes.filter((o) => o.status !== undefined);
    for (const o of responses) {
      expect(o.error, `request ${o.i}: response cut (${o.error}) after ${o.bytes} bytes`).toBeUndefined();
      expect(o.complete, `request ${o.i}: incomplete response`).toBe(true);
      expect(o.status, `request ${o.i}: ${o.body}`).toBe(200);
      expect(JSON.parse(o.body!)).toMatchObject({ access_token: expect.any(String), refresh_token: expect.any(String), token_type: 'bearer' });
    }
    // responses sent during the shutdown close their connection
    const drained = responses.filter((o) => o.finishedAt! > tSig + 50);
    for (const o of drained) expect(o.headers!.connection, `request ${o.i}`).toBe('close');

    // accepted = the server acknowledged the request: each got its complete response ...
    const accepted = outcomes.filter((o) => o.acceptedAt !== undefined);
    for (const o of accepted) expect(o.status, `accepted request ${o.i} failed: ${o.error} after ${o.bytes} bytes`).toBe(200);
    // ... including the ones still in flight when the signal came (the point of the test)
    const inFlight = accepted.filter((o) => o.acceptedAt! < tSig && o.finishedAt! > tSig);
    expect(inFlight.length, 'no request was in flight at SIGTERM; the test proves nothing').toBeGreaterThanOrEqual(2);

    // the rest never reached the server: refused, or reset without a byte of response
    const failed = outcomes.filter((o) => o.status === undefined);
    const resetAtClose = failed.filter((o) => o.error !== 'ECONNREFUSED');
    for (const o of resetAtClose) {
      expect(o.acceptedAt, `request ${o.i}`).toBeUndefined();
      expect(['ECONNRESET', 'EPIPE', 'socket hang up'], `request ${o.i}`).toContain(o.error);
      expect(o.bytes, `request ${o.i}`).toBe(0);
      expect(o.startedAt, `request ${o.i} was reset long before the signal`).toBeGreaterThan(tSig - 10_000);
    }
    expect(failed.length, 'some requests after the shutdown should have been refused').toBeGreaterThan(0);
    console.info(
      `SIGTERM: ${responses.length} answered (${inFlight.length} in flight at the signal), ${failed.length - resetAtClose.length} refused, ` +
        `${resetAtClose.length} reset at close before reaching the server; ${Math.round(elapsedMs)} ms`,
    );
  }, 90_000);
});
