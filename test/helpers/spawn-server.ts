/**
 * The real server as a child process (`node src/main.ts`, as `npm start` runs it) on a free
 * 127.0.0.1 port, for tests of what only a whole process shows: graceful shutdown on SIGTERM,
 * several processes on one database, a database outage under a running server.
 *
 * The child gets a clean environment (PATH and HOME of the test, `NODE_ENV=test`, JSON logs at
 * `info`, a temporary DATA_DIR, `PUBLIC_URL=http://ccauth.test`) plus `env`. It never inherits
 * DATABASE_URL: pass it in `env`, or the child uses embedded PGlite under its DATA_DIR. Every child
 * still running when the test process exits is killed (SIGKILL). {@link call} sends one request to
 * a child, bounded in time.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './pg-cluster.ts';
import { basic } from './test-app.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Node 22 from the `node` package (oidc-provider 9 does not support Node 20), else this Node. */
const NODE = path.join(ROOT, 'node_modules/.bin/node');

/** How a child ended. */
export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running child server. */
export interface SpawnedServer {
  readonly child: ChildProcess;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Every stdout/stderr line so far. */
  lines(): string[];
  /** Resolves with the first line (present or future) matching `pattern`; rejects after `timeoutMs` or when the child exits. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves when the child has exited. */
  readonly exited: Promise<ServerExit>;
  /** True while the child runs. */
  readonly running: boolean;
  /** Sends `signal` (default SIGTERM) and waits for the exit; SIGKILL and throw after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ServerExit>;
  /** SIGKILL if still running, remove the DATA_DIR. Idempotent; for afterAll. */
  destroy(): Promise<void>;
}

/** Shared secrets for processes that must serve one database together (same keys, same cookies). */
export interface SharedSecrets {
  KEY_ENCRYPTION_KEY: string;
  COOKIE_KEYS: string;
}

/** Fresh secrets for one or more servers on one database. */
export function sharedSecrets(): SharedSecrets {
  return { KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'), COOKIE_KEYS: randomBytes(24).toString('base64url') };
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/**
 * Starts a server (`entry`, default `src/main.ts`, relative to the repository root) and waits until
 * `/readyz` answers 200 (at most `readyTimeoutMs`, default 45 s).
 * @throws with the child's output when it exits or never becomes ready.
 */
export async function spawnServer(env: Record<string, string> = {}, opts: { readyTimeoutMs?: number; entry?: string } = {}): Promise<SpawnedServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ccauth-srv-'));
  const child = spawn(NODE, ['--experimental-async-context-frame', opts.entry ?? 'src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? os.tmpdir(),
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: 'http://ccauth.test',
      DATA_DIR: dataDir,
      ...sharedSecrets(),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const lines: string[] = [];
  const waiters = new Set<{ pattern: RegExp; resolve(line: string): void }>();
  const onData = (prefix: string) => {
    let rest = '';
    return (chunk: Buffer) => {
      const parts = (rest + chunk.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      for (const raw of parts) {
        const line = prefix + raw;
        lines.push(line);
        for (const w of waiters) {
          if (w.pattern.test(line)) {
            waiters.delete(w);
            w.resolve(line);
          }
        }
      }
    };
  };
  child.stdout!.on('data', onData(''));
  child.stderr!.on('data', onData('[stderr] '));
  const exited = new Promise<ServerExit>((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  const dump = () => lines.slice(-60).join('\n');

  const server: SpawnedServer = {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    lines: () => lines,
    get running() {
      return running();
    },
    exited,
    waitForLine(pattern, timeoutMs = 10_000) {
      const found = lines.find((l) => pattern.test(l));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { pattern, resolve: (l: string) => (clearTimeout(timer), resolve(l)) };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; output:\n${dump()}`));
        }, timeoutMs);
        waiters.add(w);
        void exited.then((e) => {
          if (!waiters.has(w)) return;
          waiters.delete(w);
          clearTimeout(timer);
          reject(new Error(`server exited (${e.code ?? e.signal}) before a line matching ${pattern}; output:\n${dump()}`));
        });
      });
    },
    async stop(signal = 'SIGTERM', timeoutMs = 20_000) {
      if (running()) child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
      const r = await Promise.race([exited, timeout]);
      clearTimeout(timer);
      if (r === 'timeout') {
        child.kill('SIGKILL');
        throw new Error(`server did not exit within ${timeoutMs} ms of ${signal}; output:\n${dump()}`);
      }
      return r;
    },
    async destroy() {
      if (running()) {
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 45_000);
  for (;;) {
    if (!running()) {
      await server.destroy();
      throw new Error(`server exited during start-up; output:\n${dump()}`);
    }
    try {
      const res = await fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return server;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await server.destroy();
      throw new Error(`server not ready within ${opts.readyTimeoutMs ?? 45_000} ms; output:\n${dump()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---- a small HTTP client for child servers: one call, bounded in time ----

/** What {@link call} answered. */
export interface CallResult {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined when the body is not JSON. */
  body: any;
  text: string;
  /** Wall time of the request, milliseconds. */
  ms: number;
}

/** Request options: a form (`application/x-www-form-urlencoded`) or a JSON body, headers, a time bound. */
export interface CallOptions {
  method?: string;
  headers?: Record<string, string>;
  form?: Record<string, string>;
  json?: unknown;
  /** Abort after this many milliseconds (default 15000): a hang fails the test instead of stalling it. */
  timeoutMs?: number;
  /** HTTP Basic credentials. */
  basicAuth?: { user: string; secret: string };
  /** Bearer token. */
  bearer?: string;
}

/** Sends one request to `base + path`. Rejects on a network error or the time bound. */
export async function call(base: string, path: string, opts: CallOptions = {}): Promise<CallResult> {
  const headers: Record<string, string> = { ...opts.headers };
  let body: string | undefined;
  if (opts.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(opts.form).toString();
  } else if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  if (opts.basicAuth) headers.authorization = basic(opts.basicAuth.user, opts.basicAuth.secret);
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
  const started = performance.now();
  const res = await fetch(base + path, {
    method: opts.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text, ms: performance.now() - started };
}
