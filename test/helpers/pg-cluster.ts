/**
 * A private PostgreSQL cluster for fault tests (test/security/faults-database.test.ts): `initdb` in
 * a temporary directory, started with `pg_ctl` on a free 127.0.0.1 port, which the test may stop,
 * start, freeze (SIGSTOP) and thaw (SIGCONT) while a ccauth server uses it.
 *
 * The binaries come from PG_BIN_DIR, or the newest /usr/lib/postgresql/<version>/bin, or PATH.
 * `initdb` refuses to run as root: as root the cluster belongs to the `postgres` OS user (commands
 * run through `runuser -u postgres --`, the directory is handed to that user). Authentication is
 * `trust`, for 127.0.0.1 and a Unix socket inside the temporary directory only; fsync is off.
 *
 * Every cluster is also stopped (`pg_ctl stop -m immediate`) and its directory removed when the test
 * process exits, should `destroy()` not have run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A running private cluster. */
export interface PgCluster {
  /** TCP port on 127.0.0.1. */
  readonly port: number;
  /** Connection string for `database` (default `postgres`), user `postgres`, no password. */
  url(database?: string): string;
  /** Stops the server (`pg_ctl stop -m fast`: sessions are terminated, the port closes); waits. */
  stop(): Promise<void>;
  /** Starts it again on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Freezes every server process (SIGSTOP): connections open but nothing answers. */
  freeze(): void;
  /** Resumes the processes frozen by {@link freeze} (SIGCONT). */
  thaw(): void;
  /** The server log so far (for failure messages). */
  log(): string;
  /** Stops the server at once and removes the directory. Idempotent. */
  destroy(): Promise<void>;
}

/** Where the binaries are, or why a private cluster cannot run here. */
export type PgBinaries = { binDir: string; asPostgresUser: boolean } | { skip: string };

function findBinDir(): string | undefined {
  const candidates: string[] = [];
  if (process.env.PG_BIN_DIR) candidates.push(process.env.PG_BIN_DIR);
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => path.join(root, v, 'bin')));
  }
  for (const dir of candidates) if (existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'))) return dir;
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  const initdb = which.stdout.trim();
  if (which.status === 0 && initdb && existsSync(path.join(path.dirname(initdb), 'pg_ctl'))) return path.dirname(initdb);
  return undefined;
}

/** Finds the PostgreSQL server binaries; `{ skip }` explains why a private cluster is impossible. */
export function findPgBinaries(): PgBinaries {
  const binDir = findBinDir();
  if (!binDir) return { skip: 'PostgreSQL server binaries (initdb, pg_ctl) not found; set PG_BIN_DIR' };
  const asPostgresUser = process.getuid?.() === 0;
  if (asPostgresUser) {
    if (spawnSync('id', ['-u', 'postgres']).status !== 0) return { skip: 'running as root and there is no `postgres` OS user for initdb' };
    if (spawnSync('sh', ['-c', 'command -v runuser']).status !== 0) return { skip: 'running as root without `runuser` to drop to the postgres user' };
  }
  return { binDir, asPostgresUser };
}

/** A TCP port on 127.0.0.1 free right now. */
export async function freePort(): Promise<number> {
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

const live = new Set<() => void>();
process.once('exit', () => {
  for (const kill of live) kill();
});

/**
 * Creates and starts a cluster. Throws (with initdb/pg_ctl output) when that fails; call
 * {@link findPgBinaries} first to skip cleanly where the binaries are missing.
 */
export async function startPgCluster(): Promise<PgCluster> {
  const bins = findPgBinaries();
  if ('skip' in bins) throw new Error(bins.skip);
  const { binDir, asPostgresUser } = bins;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ccauth-pg-'));
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  if (asPostgresUser) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const run = (tool: string, args: string[]) => {
    const bin = path.join(binDir, tool);
    const [cmd, argv] = asPostgresUser ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
    const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  run('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale', '--no-sync']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60 -c shared_buffers=16MB`;

  let destroyed = false;
  let frozen: number[] = [];
  const pids = (): number[] => {
    const pidFile = path.join(dataDir, 'postmaster.pid');
    if (!existsSync(pidFile)) return [];
    const main = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (!main) return [];
    const children = spawnSync('ps', ['-o', 'pid=', '--ppid', String(main)], { encoding: 'utf8' }).stdout.split('\n').map(Number).filter(Boolean);
    return [main, ...children];
  };
  const start = async () => {
    run('pg_ctl', ['start', '-w', '-t', '30', '-D', dataDir, '-l', logFile, '-o', options]);
  };
  const killNow = () => {
    for (const pid of frozen) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        /* gone */
      }
    }
    frozen = [];
    const bin = path.join(binDir, 'pg_ctl');
    const args = ['stop', '-m', 'immediate', '-w', '-D', dataDir];
    if (existsSync(path.join(dataDir, 'postmaster.pid'))) {
      if (asPostgresUser) spawnSync('runuser', ['-u', 'postgres', '--', bin, ...args]);
      else spawnSync(bin, args);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  live.add(killNow);
  try {
    await start();
  } catch (err) {
    live.delete(killNow);
    killNow();
    throw err;
  }

  return {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async stop() {
      run('pg_ctl', ['stop', '-m', 'fast', '-w', '-t', '30', '-D', dataDir]);
    },
    start,
    freeze() {
      frozen = pids();
      for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    },
    thaw() {
      for (const pid of frozen) {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {
          /* gone */
        }
      }
      frozen = [];
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      live.delete(killNow);
      killNow();
    },
  };
}
