/**
 * Child processes of the benchmark: ccauth (src/main.ts), the stock oidc-provider and the bare koa
 * server, each run with the project's Node (node_modules/.bin/node) so its CPU and memory can be
 * read from /proc/<pid>. Every server listens on 127.0.0.1 only.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** The repository root (bench/lib/../..). */
export const ROOT = path.resolve(import.meta.dirname, '..', '..');
/** The Node binary the project pins (package "node"); children run on it. */
export const NODE = path.join(ROOT, 'node_modules', '.bin', 'node');
/**
 * Node options every benchmarked server runs with (ccauth, stock, bare alike), the ones `npm start`
 * and the Dockerfile use: AsyncLocalStorage on async context frames (Node 24's default) instead of
 * promise hooks; oidc-provider opens one per request.
 */
export const SERVER_NODE_FLAGS = ['--experimental-async-context-frame'];
/**
 * Node options ccauth alone runs with, as `npm start` and the Dockerfile run it: a 160 MB old
 * generation (docs/performance.md "What the token path does").
 */
export const CCAUTH_NODE_FLAGS = ['--max-old-space-size=160'];
/** Environment ccauth alone runs with, as `npm start` and the Dockerfile set it: one glibc malloc arena (docs/performance.md "What the token path does"). */
export const CCAUTH_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '1' };

/** A started server. */
export interface Server {
  name: string;
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** The child's pid (the cluster primary when ccauth runs workers). */
  pid: number;
  /** Last lines the child wrote to stderr. */
  stderrTail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the child is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts `script` (a path relative to the root) with `env`, waits until GET `readyPath` answers
 * 2xx (at most `timeoutMs`). stdout goes to `stdoutFile` (or is discarded); stderr is kept (tail).
 * @throws when the child exits or does not become ready in time.
 */
export async function startServer(opts: {
  name: string;
  script: string;
  port: number;
  env: Record<string, string>;
  readyPath: string;
  nodeArgs?: string[];
  stdoutFile?: string;
  timeoutMs?: number;
}): Promise<Server> {
  const out = openSync(opts.stdoutFile ?? '/dev/null', 'a');
  const child: ChildProcess = spawn(NODE, [...SERVER_NODE_FLAGS, ...(opts.nodeArgs ?? []), path.join(ROOT, opts.script)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...opts.env },
    stdio: ['ignore', out, 'pipe'],
  });
  closeSync(out);
  let tail = '';
  child.stderr!.on('data', (d: Buffer) => {
    tail = (tail + d.toString('utf8')).slice(-4000);
  });
  let exited: number | null | undefined;
  const gone = new Promise<void>((resolve) => child.once('exit', (code) => {
    exited = code;
    resolve();
  }));
  const url = `http://127.0.0.1:${opts.port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (exited !== undefined) throw new Error(`${opts.name} exited (${exited}) before it was ready:\n${tail}`);
    try {
      const res = await fetch(url + opts.readyPath, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${opts.name} not ready within ${opts.timeoutMs ?? 60_000} ms:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    name: opts.name,
    url,
    pid: child.pid!,
    stderrTail: () => tail,
    async stop(graceMs = 15_000) {
      if (exited !== undefined) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await gone;
      clearTimeout(t);
    },
  };
}
