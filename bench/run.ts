/**
 * `npm run bench`: ccauth against its ceilings, on this machine, in one run (docs/performance.md).
 *
 * 1. Creates a fresh PostgreSQL database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres)
 *    and starts ccauth on it (src/main.ts, NODE_ENV=production), then creates clients and users
 *    through ccauth's own HTTP API.
 * 2. Starts the stock oidc-provider (bench/servers/stock.ts: same version, in-memory) and a bare koa
 *    server (bench/servers/bare.ts), all three as child processes on 127.0.0.1.
 * 3. A warm-up pass (every selected scenario on every server, unmeasured). Then for each scenario: a
 *    warm-up, then `--rounds` measured rounds alternating ccauth/stock order
 *    (A B, B A, ...) so machine drift cancels, then one bare-koa round. Every run is bounded by time
 *    (`--duration` seconds) and count (`--max-requests`).
 * 4. A latency run: client_credentials at 70% of ccauth's measured peak (autocannon `overallRate`).
 * 5. `--large`: fills the database with 1,000,000 token rows and 100,000 clients (set-based SQL)
 *    and runs every scenario again.
 * 6. Writes bench/results/latest.md and latest.json; drops the database.
 *
 * The database: DATABASE_URL, else the local server over its Unix socket (`--tcp`: 127.0.0.1:5432).
 *
 * Options: --tcp --duration=5 --rounds=3 --warmup=2 --warmup-pass=5 (seconds per scenario and server,
 *   unmeasured, before the first measured scenario) --connections=10 --clients=10 --users=10
 *   --max-requests=200000 --workers=1 --only=id,id --large --large-tokens=1000000
 *   --large-clients=100000 --profile (ccauth under --cpu-prof for the selected scenarios, default
 *   client_credentials_basic; writes bench/results/profile.md) --out=bench/results --log-level=info
 *   --update-readme (copies latest.md into docs/performance.md between the `bench:latest` markers)
 *   --ccauth-node-args="--max-old-space-size=160" (extra Node options for the ccauth child only)
 *   --ccauth-env=MALLOC_ARENA_MAX=2,K=V (extra environment of the ccauth child only)
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { hashSecret } from '../src/security/passwords.ts';
import { runLoad } from './lib/load.ts';
import type { RunResult } from './lib/load.ts';
import { loadAverage } from './lib/proc.ts';
import { profileMarkdown, summarizeProfile } from './lib/profile.ts';
import { SCENARIOS } from './lib/scenarios.ts';
import type { LoadOptions, Scenario, TargetKind } from './lib/scenarios.ts';
import { CCAUTH_ENV, CCAUTH_NODE_FLAGS, NODE, ROOT, SERVER_NODE_FLAGS, freePort, startServer } from './lib/servers.ts';
import type { Server } from './lib/servers.ts';
import { backendPids, createBenchDatabase, createFixtures, fillLarge } from './lib/setup.ts';
import type { BenchDatabase, Fixtures } from './lib/setup.ts';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '2' },
    'warmup-pass': { type: 'string', default: '5' },
    connections: { type: 'string', default: '10' },
    clients: { type: 'string', default: '10' },
    users: { type: 'string', default: '10' },
    'max-requests': { type: 'string', default: '200000' },
    workers: { type: 'string', default: '1' },
    only: { type: 'string' },
    large: { type: 'boolean', default: false },
    'large-tokens': { type: 'string', default: '1000000' },
    'large-clients': { type: 'string', default: '100000' },
    profile: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(ROOT, 'bench', 'results') },
    'log-level': { type: 'string', default: 'info' },
    'update-readme': { type: 'boolean', default: false },
    'ccauth-node-args': { type: 'string', default: '' },
    'ccauth-env': { type: 'string', default: '' },
    tcp: { type: 'boolean', default: false },
  },
});

const num = (name: keyof typeof args, min: number, max: number): number => {
  const v = Number(args[name]);
  if (!Number.isFinite(v) || v < min || v > max) throw new Error(`--${name} must be between ${min} and ${max}`);
  return v;
};
const DURATION = num('duration', 1, 120);
const ROUNDS = num('rounds', 1, 20);
const WARMUP = num('warmup', 0, 30);
const WARMUP_PASS = num('warmup-pass', 0, 60);
const CONNECTIONS = num('connections', 1, 256);
const MAX_REQUESTS = num('max-requests', 100, 5_000_000);
const WORKERS = num('workers', 1, 16);
/**
 * The database server: DATABASE_URL, else the local server — over its Unix socket when there is one
 * (how a co-located ccauth should connect: a TCP loopback write costs ccauth about as much CPU as a
 * short statement; docs/performance.md "Performance"), else 127.0.0.1:5432. `--tcp` forces the latter.
 */
const LOCAL_SOCKET = '/var/run/postgresql/.s.PGSQL.5432';
const BASE_DB_URL =
  process.env.DATABASE_URL ||
  (!args.tcp && existsSync(LOCAL_SOCKET) ? 'postgres://postgres@%2Fvar%2Frun%2Fpostgresql/postgres' : 'postgres://postgres@127.0.0.1:5432/postgres');
const DB_TRANSPORT = new URL(BASE_DB_URL).hostname.startsWith('%2f') || new URL(BASE_DB_URL).hostname.startsWith('%2F') ? 'Unix socket' : 'TCP';
const OPS = { username: 'ops', password: `bench-ops-${randomBytes(8).toString('hex')}` };

const selected: Scenario[] = args.only
  ? args.only.split(',').map((id) => SCENARIOS.find((s) => s.id === id.trim()) ?? (() => { throw new Error(`unknown scenario ${id}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`); })())
  : args.profile
    ? SCENARIOS.filter((s) => s.id === 'client_credentials_basic')
    : [...SCENARIOS];

const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

/** Figures of one scenario on one server, aggregated over rounds. */
interface Aggregate {
  rounds: number;
  /** Median of the rounds' req/s. */
  requestsPerSecond: number;
  /** Median of the rounds' p50 / p99, ms. */
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Total server CPU ÷ total responses over all rounds, ms. */
  cpuMsPerRequest: number;
  /** PostgreSQL backend CPU ÷ responses, ms (ccauth only). */
  dbCpuMsPerRequest: number;
  peakRssMb: number;
  non2xx: number;
  errors: number;
  runs: RunResult[];
}

interface ScenarioResult {
  id: string;
  title: string;
  ccauth?: Aggregate;
  stock?: Aggregate;
  bare?: Aggregate;
  /** ccauth ÷ stock req/s. */
  throughputRatio?: number;
  /** ccauth ÷ stock CPU ms per request. */
  cpuRatio?: number;
  /** ccauth's own memory figures after the scenario (its /metrics), MB: where the RSS goes. */
  ccauthMemoryMb?: Record<string, number>;
  /**
   * ccauth's counters over the measured rounds, per response (its /metrics): SQL statements sent
   * (knex query events, batched and prepared statements included) and GC pause milliseconds.
   */
  ccauthPerRequest?: { statements: number; gcMs: number };
}

/**
 * Reads ccauth's /metrics once; returns a function giving the sum of every sample whose line starts
 * with `prefix` (all label sets of a metric). Throws when /metrics does not answer within 5 s.
 */
async function metricSums(url: string): Promise<(prefix: string) => number> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const lines = text.split('\n');
  return (prefix) => lines.filter((l) => l.startsWith(prefix)).reduce((acc, l) => acc + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/** ccauth's cumulative SQL statement count and GC pause seconds (its /metrics), or undefined. */
async function countersOf(url: string): Promise<{ statements: number; gcSeconds: number } | undefined> {
  try {
    const sum = await metricSums(url);
    return { statements: sum('ccauth_db_query_duration_seconds_count'), gcSeconds: sum('ccauth_nodejs_gc_duration_seconds_sum') };
  } catch {
    return undefined;
  }
}

/**
 * ccauth's own view since it started (its /metrics): event-loop delay max and p99 (ms), GC pause
 * seconds, argon2 verifications computed and secret-cache hits — what explains a latency tail.
 */
async function diagnosticsOf(url: string): Promise<Record<string, number> | undefined> {
  try {
    const sum = await metricSums(url);
    return {
      eventLoopDelayMaxMs: round(sum('ccauth_nodejs_eventloop_lag_max_seconds ') * 1000, 1),
      eventLoopDelayP99Ms: round(sum('ccauth_nodejs_eventloop_lag_p99_seconds ') * 1000, 1),
      gcPauseSeconds: round(sum('ccauth_nodejs_gc_duration_seconds_sum'), 3),
      argon2Verifications: sum('ccauth_argon2_verifications_total'),
      secretCacheHits: sum('ccauth_client_secret_cache_hits_total'),
    };
  } catch {
    return undefined;
  }
}

/** Reads ccauth's process/heap gauges from its /metrics (prom-client default metrics), MB. */
async function memoryOf(url: string): Promise<Record<string, number> | undefined> {
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    const pick = (name: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${name} `));
      return line ? round(Number(line.split(' ')[1]) / 1024 / 1024, 1) : undefined;
    };
    const out: Record<string, number> = {};
    for (const [k, n] of [
      ['rss', 'ccauth_process_resident_memory_bytes'],
      ['heapTotal', 'ccauth_nodejs_heap_size_total_bytes'],
      ['heapUsed', 'ccauth_nodejs_heap_size_used_bytes'],
      ['external', 'ccauth_nodejs_external_memory_bytes'],
    ] as const) {
      const v = pick(n);
      if (v !== undefined) out[k] = v;
    }
    return out;
  } catch {
    return undefined;
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

function aggregate(runs: RunResult[]): Aggregate {
  const responses = runs.reduce((s, r) => s + r.responses, 0) || 1;
  return {
    rounds: runs.length,
    requestsPerSecond: round(median(runs.map((r) => r.requestsPerSecond)), 1),
    latencyP50Ms: round(median(runs.map((r) => r.latencyP50Ms))),
    latencyP99Ms: round(median(runs.map((r) => r.latencyP99Ms))),
    cpuMsPerRequest: round(runs.reduce((s, r) => s + r.serverCpuMs, 0) / responses, 3),
    dbCpuMsPerRequest: round(runs.reduce((s, r) => s + r.dbCpuMs, 0) / responses, 3),
    peakRssMb: round(Math.max(...runs.map((r) => r.peakRssBytes)) / 1024 / 1024, 1),
    non2xx: runs.reduce((s, r) => s + r.non2xx, 0),
    errors: runs.reduce((s, r) => s + r.errors, 0),
    runs,
  };
}

interface Targets {
  ccauth: Server;
  stock?: Server;
  bare?: Server;
}

/**
 * Runs scenario `s`: a warm-up on each server, then `ROUNDS` alternating measured rounds. With
 * `warmOnly`, only drives each server for `warmOnly` seconds, unmeasured (the warm-up pass).
 */
async function runScenario(s: Scenario, t: Targets, fx: Fixtures, db: BenchDatabase, warmOnly?: number): Promise<ScenarioResult> {
  const dbPids = () => backendPids(BASE_DB_URL, db.name);
  const runOn = async (kind: TargetKind, server: Server, seconds: number, extra: { overallRate?: number } = {}): Promise<RunResult> => {
    const load: LoadOptions = await s.prepare({ kind, url: server.url }, fx, CONNECTIONS);
    const r = await runLoad({
      url: server.url,
      pid: server.pid,
      load,
      durationSeconds: seconds,
      connections: CONNECTIONS,
      maxRequests: MAX_REQUESTS,
      ...extra,
      ...(kind === 'ccauth' ? { dbPids } : {}),
    });
    if (r.non2xx || r.errors) log(`  ${kind}: ${r.non2xx} non-2xx responses (${JSON.stringify(r.statusCodes)}), ${r.errors} errors`);
    return r;
  };
  const result: ScenarioResult = { id: s.id, title: s.title };
  const order: [TargetKind, Server][] = [['ccauth', t.ccauth]];
  if (t.stock) order.push(['stock', t.stock]);
  if (warmOnly !== undefined) {
    for (const [kind, server] of order) await runOn(kind, server, warmOnly);
    return result;
  }
  if (WARMUP > 0) for (const [kind, server] of order) await runOn(kind, server, WARMUP);
  const runs: Record<string, RunResult[]> = { ccauth: [], stock: [] };
  const countersBefore = await countersOf(t.ccauth.url);
  for (let i = 0; i < ROUNDS; i++) {
    const seq = i % 2 === 0 ? order : [...order].reverse();
    for (const [kind, server] of seq) {
      const r = await runOn(kind, server, DURATION);
      runs[kind]!.push(r);
      log(`  ${s.id} round ${i + 1} ${kind}: ${round(r.requestsPerSecond, 0)} req/s, p99 ${r.latencyP99Ms} ms, ${round(r.serverCpuMs / Math.max(r.responses, 1), 3)} CPU ms/req`);
    }
  }
  result.ccauth = aggregate(runs.ccauth!);
  const countersAfter = await countersOf(t.ccauth.url);
  const responses = runs.ccauth!.reduce((acc, r) => acc + r.responses, 0);
  if (countersBefore && countersAfter && responses > 0) {
    result.ccauthPerRequest = {
      statements: round((countersAfter.statements - countersBefore.statements) / responses, 3),
      gcMs: round(((countersAfter.gcSeconds - countersBefore.gcSeconds) * 1000) / responses, 4),
    };
  }
  if (t.stock) {
    result.stock = aggregate(runs.stock!);
    result.throughputRatio = round(result.ccauth.requestsPerSecond / result.stock.requestsPerSecond, 3);
    result.cpuRatio = round(result.ccauth.cpuMsPerRequest / result.stock.cpuMsPerRequest, 3);
  }
  if (t.bare) result.bare = aggregate([await runOn('bare', t.bare, DURATION)]);
  const mem = await memoryOf(t.ccauth.url);
  if (mem) result.ccauthMemoryMb = mem;
  return result;
}

async function runPhase(label: string, t: Targets, fx: Fixtures, db: BenchDatabase): Promise<ScenarioResult[]> {
  const out: ScenarioResult[] = [];
  for (const s of selected) {
    log(`${label}: ${s.title}`);
    out.push(await runScenario(s, t, fx, db));
  }
  return out;
}

/** One line per scenario: ccauth's RSS and V8 heap after it (from its /metrics). */
function memoryLines(results: ScenarioResult[]): string {
  const rows = results.filter((r) => r.ccauthMemoryMb).map((r) => {
    const m = r.ccauthMemoryMb!;
    return `${r.title} ${m.rss ?? '?'} / ${m.heapTotal ?? '?'} / ${m.heapUsed ?? '?'} / ${m.external ?? '?'}`;
  });
  const perRequest = results.filter((r) => r.ccauthPerRequest).map((r) => `${r.title} ${r.ccauthPerRequest!.statements} / ${r.ccauthPerRequest!.gcMs}`);
  return [
    rows.length ? `ccauth memory after each scenario, MB (RSS / V8 heap total / heap used / external): ${rows.join('; ')}.` : '',
    perRequest.length ? `ccauth per response over the measured rounds (SQL statements / GC pause ms): ${perRequest.join('; ')}.` : '',
  ].filter(Boolean).join('\n\n');
}

function table(results: ScenarioResult[]): string {
  const f = (x: number | undefined, d = 1) => (x === undefined ? '–' : String(round(x, d)));
  const lines = [
    '| scenario | ccauth req/s | stock req/s | ratio | ccauth p50 / p99 ms | stock p50 / p99 ms | ccauth CPU ms/req | stock CPU ms/req | CPU ratio | PG CPU ms/req | ccauth peak RSS MB | stock peak RSS MB | bare koa req/s | failed (ccauth / stock) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    const c = r.ccauth!;
    const s = r.stock;
    lines.push(
      `| ${r.title} | ${f(c.requestsPerSecond, 0)} | ${f(s?.requestsPerSecond, 0)} | ${f(r.throughputRatio, 2)} | ${f(c.latencyP50Ms)} / ${f(c.latencyP99Ms)} | ${s ? `${f(s.latencyP50Ms)} / ${f(s.latencyP99Ms)}` : '–'} | ${f(c.cpuMsPerRequest, 3)} | ${f(s?.cpuMsPerRequest, 3)} | ${f(r.cpuRatio, 2)} | ${f(c.dbCpuMsPerRequest, 3)} | ${f(c.peakRssMb, 0)} | ${f(s?.peakRssMb, 0)} | ${f(r.bare?.requestsPerSecond, 0)} | ${c.non2xx + c.errors} / ${s ? s.non2xx + s.errors : '–'} |`,
    );
  }
  return lines.join('\n');
}

interface Target {
  name: string;
  goal: string;
  measured: string;
  met: boolean | undefined;
}

function targets(empty: ScenarioResult[], latency: RunResult | undefined, large: ScenarioResult[] | undefined): Target[] {
  const get = (rs: ScenarioResult[] | undefined, id: string) => rs?.find((r) => r.id === id);
  const out: Target[] = [];
  const cc = get(empty, 'client_credentials_basic');
  const unmeasured = (name: string, goal: string): Target => ({ name, goal, measured: 'not measured in this run', met: undefined });
  out.push(cc?.throughputRatio !== undefined
    ? { name: 'client_credentials throughput', goal: '≥ 0.6× stock req/s', measured: `${cc.ccauth!.requestsPerSecond} vs ${cc.stock!.requestsPerSecond} req/s = ${cc.throughputRatio}×`, met: cc.throughputRatio >= 0.6 }
    : unmeasured('client_credentials throughput', '≥ 0.6× stock req/s'));
  out.push(cc?.cpuRatio !== undefined
    ? { name: 'client_credentials CPU', goal: '≤ 1.7× stock CPU ms/request', measured: `${cc.ccauth!.cpuMsPerRequest} vs ${cc.stock!.cpuMsPerRequest} ms = ${cc.cpuRatio}×`, met: cc.cpuRatio <= 1.7 }
    : unmeasured('client_credentials CPU', '≤ 1.7× stock CPU ms/request'));
  const stockUserinfo = get(empty, 'userinfo')?.stock?.requestsPerSecond;
  for (const id of ['userinfo', 'introspection']) {
    const r = get(empty, id);
    const name = `${id} throughput`;
    out.push(r?.ccauth && stockUserinfo
      ? { name, goal: '≥ 0.5× stock userinfo req/s', measured: `${r.ccauth.requestsPerSecond} vs ${stockUserinfo} req/s = ${round(r.ccauth.requestsPerSecond / stockUserinfo, 3)}×`, met: r.ccauth.requestsPerSecond / stockUserinfo >= 0.5 }
      : unmeasured(name, '≥ 0.5× stock userinfo req/s'));
  }
  const rt = get(empty, 'refresh_token');
  out.push(rt?.throughputRatio !== undefined
    ? { name: 'refresh_token throughput', goal: '≥ 0.4× stock req/s', measured: `${rt.ccauth!.requestsPerSecond} vs ${rt.stock!.requestsPerSecond} req/s = ${rt.throughputRatio}×`, met: rt.throughputRatio >= 0.4 }
    : unmeasured('refresh_token throughput', '≥ 0.4× stock req/s'));
  const pw = get(empty, 'password');
  out.push(pw?.ccauth
    ? { name: 'password grant', goal: '≥ 40 req/s (argon2id m=19 MiB, t=2, p=1)', measured: `${pw.ccauth.requestsPerSecond} req/s`, met: pw.ccauth.requestsPerSecond >= 40 }
    : unmeasured('password grant', '≥ 40 req/s'));
  out.push(latency
    ? { name: 'client_credentials p99 at 70% of peak', goal: '≤ 25 ms', measured: `p99 ${latency.latencyP99Ms} ms (p50 ${latency.latencyP50Ms} ms) at ${round(latency.requestsPerSecond, 0)} req/s`, met: latency.latencyP99Ms <= 25 }
    : unmeasured('client_credentials p99 at 70% of peak', '≤ 25 ms'));
  const lcc = get(large, 'client_credentials_basic');
  if (lcc?.throughputRatio !== undefined && cc?.throughputRatio !== undefined) {
    // the two phases run minutes apart: judge on ccauth relative to the stock server measured in
    // the same rounds (drift cancels), and show the raw figures too
    const normalized = round(lcc.throughputRatio / cc.throughputRatio, 3);
    const cpu = round(lcc.ccauth!.cpuMsPerRequest / cc.ccauth!.cpuMsPerRequest, 3);
    out.push({
      name: '--large client_credentials',
      goal: 'within 10% of the empty database',
      measured: `ccauth÷stock ${lcc.throughputRatio} (large) vs ${cc.throughputRatio} (empty) = ${normalized}×; raw ${lcc.ccauth!.requestsPerSecond} vs ${cc.ccauth!.requestsPerSecond} req/s; CPU ms/req ${lcc.ccauth!.cpuMsPerRequest} vs ${cc.ccauth!.cpuMsPerRequest} (${cpu}×), CPU ratio to stock ${lcc.cpuRatio} vs ${cc.cpuRatio}`,
      met: normalized >= 0.9,
    });
  } else out.push(unmeasured('--large client_credentials', 'within 10% of the empty database'));
  const rss = Math.max(...[...empty, ...(large ?? [])].map((r) => r.ccauth?.peakRssMb ?? 0), latency ? latency.peakRssBytes / 1024 / 1024 : 0);
  out.push({ name: 'RSS under load', goal: '≤ 250 MB', measured: `peak ${round(rss, 0)} MB`, met: rss <= 250 });
  return out;
}

function sh(cmd: string, argv: string[]): string {
  try {
    return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** Replaces docs/performance.md's `<!-- bench:latest -->` block with `md` (headings demoted under "Latest results"). */
function updateReadme(md: string): void {
  const file = path.join(ROOT, 'docs', 'performance.md');
  const readme = readFileSync(file, 'utf8');
  const start = '<!-- bench:latest -->';
  const end = '<!-- /bench:latest -->';
  const i = readme.indexOf(start);
  const j = readme.indexOf(end);
  if (i < 0 || j < i) {
    log('docs/performance.md has no bench:latest markers; not updated');
    return;
  }
  const body = md
    .split('\n')
    .filter((l) => !l.startsWith('# '))
    .map((l) => (l.startsWith('## ') ? `#### ${l.slice(3)}` : l))
    .join('\n')
    .trim();
  writeFileSync(file, `${readme.slice(0, i + start.length)}\n${body}\n${readme.slice(j)}`);
  log('docs/performance.md updated');
}

async function main(): Promise<void> {
  const outDir = args.out!;
  mkdirSync(outDir, { recursive: true });
  const loadBefore = loadAverage();
  const startedAt = new Date();
  log(`load average before: ${loadBefore.join(' ')}; ${os.cpus().length} CPUs`);
  const db = await createBenchDatabase(BASE_DB_URL);
  log(`database ${db.name}`);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ccauth-bench-'));
  const profileDir = path.join(outDir, 'profiles');
  const servers: Server[] = [];
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    log('interrupted: stopping servers, dropping the database');
    void Promise.allSettled(servers.map((s) => s.stop(3000))).then(() => db.drop()).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const ccPort = await freePort();
    if (args.profile) {
      rmSync(profileDir, { recursive: true, force: true });
      mkdirSync(profileDir, { recursive: true });
    }
    const ccauth = await startServer({
      name: 'ccauth',
      script: 'src/main.ts',
      port: ccPort,
      readyPath: '/readyz',
      nodeArgs: [...CCAUTH_NODE_FLAGS, ...(args.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), ...args['ccauth-node-args']!.split(' ').filter(Boolean)],
      env: {
        ...CCAUTH_ENV,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(ccPort),
        PUBLIC_URL: `http://127.0.0.1:${ccPort}`,
        DATABASE_URL: db.url,
        DATA_DIR: dataDir,
        OPS_USERNAME: OPS.username,
        OPS_PASSWORD: OPS.password,
        COOKIE_KEYS: randomBytes(24).toString('base64url'),
        KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        LOG_LEVEL: args['log-level']!,
        WORKERS: String(WORKERS),
        ...Object.fromEntries(args['ccauth-env']!.split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
      },
    });
    servers.push(ccauth);
    log(`ccauth pid ${ccauth.pid} at ${ccauth.url} (WORKERS=${WORKERS})`);
    const fx = await createFixtures(ccauth.url, OPS, { clients: num('clients', 1, 1000), users: num('users', 1, 1000) });
    log(`created ${fx.clients.length} clients and ${fx.users.length} users through the API`);

    const t: Targets = { ccauth };
    if (!args.profile) {
      const stockPort = await freePort();
      const cfgFile = path.join(dataDir, 'stock.json');
      writeFileSync(cfgFile, JSON.stringify({ port: stockPort, clients: fx.clients, users: fx.users }), { mode: 0o600 });
      t.stock = await startServer({ name: 'stock', script: 'bench/servers/stock.ts', port: stockPort, readyPath: '/.well-known/openid-configuration', env: { BENCH_STOCK_CONFIG: cfgFile } });
      servers.push(t.stock);
      const barePort = await freePort();
      t.bare = await startServer({ name: 'bare', script: 'bench/servers/bare.ts', port: barePort, readyPath: '/', env: { BENCH_PORT: String(barePort) } });
      servers.push(t.bare);
    }

    // Warm-up pass: every selected scenario on every server, unmeasured. Without it the first
    // measured scenario, whichever it was, came out ~25 % slower on both servers (JIT warm-up of the
    // servers and of autocannon, which runs in this process).
    if (WARMUP_PASS > 0) {
      for (const s of selected) {
        log(`warm-up pass: ${s.title} (${WARMUP_PASS} s per server)`);
        await runScenario(s, t, fx, db, WARMUP_PASS);
      }
    }
    const empty = await runPhase('empty database', t, fx, db);

    let latency: RunResult | undefined;
    let stockLatency: RunResult | undefined;
    let latencyDiagnostics: Record<string, number> | undefined;
    const cc = empty.find((r) => r.id === 'client_credentials_basic');
    if (cc && !args.profile) {
      const rate = Math.max(1, Math.floor(cc.ccauth!.requestsPerSecond * 0.7));
      log(`latency: client_credentials at ${rate} req/s (70% of ${cc.ccauth!.requestsPerSecond})`);
      const s = SCENARIOS.find((x) => x.id === 'client_credentials_basic')!;
      latency = await runLoad({
        url: ccauth.url,
        pid: ccauth.pid,
        load: await s.prepare({ kind: 'ccauth', url: ccauth.url }, fx, CONNECTIONS),
        durationSeconds: Math.max(DURATION * 2, 10),
        connections: CONNECTIONS,
        maxRequests: MAX_REQUESTS,
        overallRate: rate,
      });
      log(`  p50 ${latency.latencyP50Ms} ms, p99 ${latency.latencyP99Ms} ms at ${round(latency.requestsPerSecond, 0)} req/s`);
      latencyDiagnostics = await diagnosticsOf(ccauth.url);
      log(`  ccauth since start: ${JSON.stringify(latencyDiagnostics)}`);
      if (t.stock) {
        // control: the stock server at the same rate shows what the machine adds to the tail
        stockLatency = await runLoad({
          url: t.stock.url,
          pid: t.stock.pid,
          load: await s.prepare({ kind: 'stock', url: t.stock.url }, fx, CONNECTIONS),
          durationSeconds: Math.max(DURATION * 2, 10),
          connections: CONNECTIONS,
          maxRequests: MAX_REQUESTS,
          overallRate: rate,
        });
        log(`  stock at the same rate: p50 ${stockLatency.latencyP50Ms} ms, p99 ${stockLatency.latencyP99Ms} ms`);
      }
    }

    let large: ScenarioResult[] | undefined;
    let fillSeconds = 0;
    if (args.large) {
      const tokens = num('large-tokens', 1, 10_000_000);
      const clients = num('large-clients', 1, 1_000_000);
      log(`--large: inserting ${tokens} token rows and ${clients} clients`);
      fillSeconds = await fillLarge(db.url, { tokens, clients }, await hashSecret(randomBytes(32).toString('base64url')));
      log(`  filled in ${round(fillSeconds, 1)} s`);
      large = await runPhase('large database', t, fx, db);
    }

    const loadAfter = loadAverage();
    let profileSection = '';
    await Promise.allSettled(servers.map((s) => s.stop()));
    servers.length = 0;
    if (args.profile) {
      const files = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'));
      for (const f of files) profileSection += `### ${f}\n\n${profileMarkdown(summarizeProfile(path.join(profileDir, f)))}\n\n`;
      writeFileSync(path.join(outDir, 'profile.md'), `# ccauth CPU profile (${selected.map((s) => s.id).join(', ')})\n\n${profileSection}`);
      log(`profile summary: ${path.join(outDir, 'profile.md')}`);
      process.stdout.write(profileSection);
      process.stdout.write(`${table(empty)}\n`);
      return;
    }

    const meta = {
      date: startedAt.toISOString(),
      commit: sh('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']),
      node: sh(NODE, ['--version']),
      postgres: sh('psql', ['--version']),
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadAfter,
      options: { ccauthNodeArgs: args['ccauth-node-args'], duration: DURATION, rounds: ROUNDS, warmup: WARMUP, warmupPass: WARMUP_PASS, connections: CONNECTIONS, workers: WORKERS, clients: fx.clients.length, users: fx.users.length, large: args.large, logLevel: args['log-level'] },
    };
    const tg = targets(empty, latency, large);
    const md = [
      `# ccauth benchmark`,
      '',
      `${meta.date} · commit ${meta.commit} · Node ${meta.node} · ${meta.postgres} · ${meta.cpus} × ${meta.cpuModel} · load average before ${loadBefore.join(' ')}, after ${loadAfter.join(' ')}`,
      '',
      `\`npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\`: ${CONNECTIONS} connections, ${ROUNDS} alternating rounds × ${DURATION} s per server and scenario (after a warm-up pass of ${WARMUP_PASS} s per scenario and server, and a ${WARMUP} s warm-up before each scenario), PostgreSQL over ${DB_TRANSPORT}, ccauth WORKERS=${WORKERS} ${Object.entries(CCAUTH_ENV).map(([k, v]) => `${k}=${v}`).join(' ')} with \`${[...SERVER_NODE_FLAGS, ...CCAUTH_NODE_FLAGS].join(' ')}\` (all three servers run with \`${SERVER_NODE_FLAGS.join(' ')}\`), LOG_LEVEL=${meta.options.logLevel}, ${fx.clients.length} clients and ${fx.users.length} users. Medians over rounds; CPU ms/req = server utime+stime (/proc) ÷ responses; PG CPU = the run database's PostgreSQL backends. Stock = oidc-provider ${'9.13.3'} in memory (plaintext client secrets; argon2id user passwords at the same cost); bare = koa returning a constant JSON body.`,
      '',
      '## Empty database',
      '',
      table(empty),
      '',
      memoryLines(empty),
      '',
      latency ? `Latency at 70% of peak: client_credentials (Basic) at ${round(latency.requestsPerSecond, 0)} req/s (autocannon overallRate ${Math.floor(cc!.ccauth!.requestsPerSecond * 0.7)}): p50 ${latency.latencyP50Ms} ms, p99 ${latency.latencyP99Ms} ms, ${latency.non2xx} non-2xx${stockLatency ? `; the stock server at the same rate: p50 ${stockLatency.latencyP50Ms} ms, p99 ${stockLatency.latencyP99Ms} ms` : ''}. (autocannon's overallRate sends each connection's share of a second back to back, then waits: the first part of every second runs at full concurrency.)` : '',
      '',
      ...(large ? ['## Large database (1,000,000 token rows, 100,000 extra clients)', '', `Filled in ${round(fillSeconds, 1)} s with INSERT … SELECT generate_series.`, '', table(large), '', memoryLines(large), ''] : []),
      '## Targets',
      '',
      '| target | goal | measured | met |',
      '| --- | --- | --- | --- |',
      ...tg.map((x) => `| ${x.name} | ${x.goal} | ${x.measured} | ${x.met === undefined ? '–' : x.met ? 'yes' : '**no**'} |`),
      '',
    ].join('\n');
    writeFileSync(path.join(outDir, 'latest.md'), md);
    writeFileSync(path.join(outDir, 'latest.json'), `${JSON.stringify({ meta, empty, latency, stockLatency, latencyDiagnostics, large, targets: tg }, null, 2)}\n`);
    process.stdout.write(md);
    log(`wrote ${path.join(outDir, 'latest.md')} and latest.json`);
    if (args['update-readme']) updateReadme(md);
  } finally {
    await Promise.allSettled(servers.map((s) => s.stop()));
    await db.drop().catch((err: unknown) => log(`could not drop ${db.name}: ${String(err)}`));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
