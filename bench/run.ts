/**
 * `npm run bench`: ccauth against what a user would run instead of it, and against its ceilings,
 * on this machine, in one run (docs/performance.md "Performance").
 *
 * 1. Creates a fresh PostgreSQL database (DATABASE_URL, else the local server's Unix socket, else
 *    127.0.0.1:5432) and starts ccauth on it (src/main.ts, NODE_ENV=production), then creates
 *    clients and users through ccauth's own HTTP API.
 * 2. Starts three references, each a child process on 127.0.0.1: the **PostgreSQL-adapter server**
 *    (bench/servers/stock-pg.ts: the same stock oidc-provider with a straightforward PostgreSQL
 *    adapter, one statement per adapter call, payload as jsonb, on its own throwaway database: the
 *    server a user would pick instead of ccauth), the **in-memory server** (bench/servers/stock.ts:
 *    the engine's ceiling) and **bare koa** (bench/servers/bare.ts: the HTTP ceiling).
 * 3. A warm-up pass (every selected scenario on every oidc server, unmeasured). Then for each
 *    scenario and each load (`--connections`, default 10 and 64): a warm-up, then `--rounds`
 *    measured rounds alternating the servers' order (A B C, C B A, ...) so machine drift cancels,
 *    then one bare-koa round. Every run is bounded by time (`--duration` seconds) and count
 *    (`--max-requests`).
 * 4. A latency run: client_credentials at 70% of ccauth's measured peak at the first load
 *    (autocannon `overallRate`), and the in-memory server at the same rate as a control.
 * 5. `--large`: fills ccauth's database with 1,000,000 token rows and 100,000 clients (set-based
 *    SQL) and runs every scenario again.
 * 6. Writes bench/results/latest.md and latest.json (every target of docs/performance.md "Performance" → "Targets",
 *    met or not, with the machine's CPU model); drops the databases.
 *
 * Options: --tcp --duration=5 --rounds=3 --warmup=2 --warmup-pass=5 (seconds per scenario and
 *   server, unmeasured, before the first measured scenario) --connections=10,64 --clients=10
 *   --users=10 --max-requests=200000 --workers=1 --only=id,id --large --large-tokens=1000000
 *   --large-clients=100000 --profile (ccauth and the in-memory server under --cpu-prof for the
 *   selected scenarios, default client_credentials_basic; writes bench/results/profile.md and
 *   keeps the .cpuprofile files for a flame graph) --out=bench/results --log-level=info
 *   --update-readme (copies latest.md between the `bench:latest` markers of README.md, or of the
 *   docs/*.md file that holds them) --ccauth-node-args="--max-old-space-size=160" (extra Node
 *   options for the ccauth child only) --ccauth-env=MALLOC_ARENA_MAX=2,K=V (extra environment of
 *   the ccauth child only)
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
    connections: { type: 'string', default: '10,64' },
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
/** The loads every scenario runs at, connections (`--connections=10,64`). */
const LOADS: number[] = args.connections!.split(',').map((c) => {
  const v = Number(c.trim());
  if (!Number.isInteger(v) || v < 1 || v > 256) throw new Error('--connections must be a list of integers between 1 and 256');
  return v;
});
const MAX_REQUESTS = num('max-requests', 100, 5_000_000);
const WORKERS = num('workers', 1, 16);
/**
 * The database server: DATABASE_URL, else the local server — over its Unix socket when there is one
 * (how a co-located ccauth should connect: a TCP loopback write costs ccauth about as much CPU as a
 * short statement; docs/performance.md "Performance"), else 127.0.0.1:5432. `--tcp` forces the latter. The
 * PostgreSQL-adapter server connects the same way.
 */
const LOCAL_SOCKET = '/var/run/postgresql/.s.PGSQL.5432';
const BASE_DB_URL =
  process.env.DATABASE_URL ||
  (!args.tcp && existsSync(LOCAL_SOCKET) ? 'postgres://postgres@%2Fvar%2Frun%2Fpostgresql/postgres' : 'postgres://postgres@127.0.0.1:5432/postgres');
const DB_TRANSPORT = new URL(BASE_DB_URL).hostname.toLowerCase().startsWith('%2f') ? 'Unix socket' : 'TCP';
const OPS = { username: 'ops', password: `bench-ops-${randomBytes(8).toString('hex')}` };

const selected: Scenario[] = args.only
  ? args.only.split(',').map((id) => SCENARIOS.find((s) => s.id === id.trim()) ?? (() => { throw new Error(`unknown scenario ${id}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`); })())
  : args.profile
    ? SCENARIOS.filter((s) => s.id === 'client_credentials_basic')
    : [...SCENARIOS];

const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

/** The servers measured in alternating rounds (bare koa gets one round per scenario and load). */
type MeasuredKind = Exclude<TargetKind, 'bare'>;
const MEASURED: readonly MeasuredKind[] = ['ccauth', 'stock-pg', 'stock'];
/** How the report names each server. */
const LABEL: Record<TargetKind, string> = { ccauth: 'ccauth', 'stock-pg': 'PostgreSQL-adapter server', stock: 'in-memory server', bare: 'bare koa' };

/** Figures of one scenario on one server at one load, aggregated over rounds. */
interface Aggregate {
  rounds: number;
  /** Median of the rounds' req/s. */
  requestsPerSecond: number;
  /** Median of the rounds' p50 / p99, ms. */
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Total server CPU ÷ total responses over all rounds, ms. */
  cpuMsPerRequest: number;
  /** The server's PostgreSQL backends' CPU ÷ responses, ms (ccauth and the PostgreSQL-adapter server). */
  dbCpuMsPerRequest: number;
  peakRssMb: number;
  non2xx: number;
  errors: number;
  runs: RunResult[];
}

/** ccauth ÷ a reference: req/s, server CPU ms/request, and server + PostgreSQL CPU ms/request. */
interface Ratio {
  throughput: number;
  cpu: number;
  cpuWithDb: number;
}

interface ScenarioResult {
  id: string;
  title: string;
  connections: number;
  servers: Partial<Record<TargetKind, Aggregate>>;
  /** ccauth ÷ the PostgreSQL-adapter server. */
  vsPg?: Ratio;
  /** ccauth ÷ the in-memory server. */
  vsMemory?: Ratio;
  /** ccauth ÷ bare koa, req/s. */
  vsBare?: number;
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

function ratio(c: Aggregate, ref: Aggregate): Ratio {
  return {
    throughput: round(c.requestsPerSecond / ref.requestsPerSecond, 3),
    cpu: round(c.cpuMsPerRequest / ref.cpuMsPerRequest, 3),
    cpuWithDb: round((c.cpuMsPerRequest + c.dbCpuMsPerRequest) / (ref.cpuMsPerRequest + ref.dbCpuMsPerRequest), 3),
  };
}

/** A started server and, for those on PostgreSQL, its database (whose backends' CPU is counted). */
interface Target {
  server: Server;
  db?: BenchDatabase;
}
type Targets = { ccauth: Target } & Partial<Record<Exclude<TargetKind, 'ccauth'>, Target>>;

/**
 * Runs scenario `s` at `connections`: a warm-up on each server, then `ROUNDS` alternating
 * measured rounds, then one bare-koa round. With `warmOnly`, only drives each oidc server for
 * `warmOnly` seconds, unmeasured (the warm-up pass).
 */
async function runScenario(s: Scenario, t: Targets, fx: Fixtures, connections: number, warmOnly?: number): Promise<ScenarioResult> {
  const runOn = async (kind: TargetKind, target: Target, seconds: number): Promise<RunResult> => {
    const load: LoadOptions = await s.prepare({ kind, url: target.server.url }, fx, connections);
    const dbName = target.db?.name;
    const r = await runLoad({
      url: target.server.url,
      pid: target.server.pid,
      load,
      durationSeconds: seconds,
      connections,
      maxRequests: MAX_REQUESTS,
      ...(dbName ? { dbPids: () => backendPids(BASE_DB_URL, dbName) } : {}),
    });
    if (r.non2xx || r.errors) log(`  ${kind}: ${r.non2xx} non-2xx responses (${JSON.stringify(r.statusCodes)}), ${r.errors} errors`);
    return r;
  };
  const result: ScenarioResult = { id: s.id, title: s.title, connections, servers: {} };
  const order = MEASURED.filter((k) => t[k]).map((k) => [k, t[k]!] as const);
  if (warmOnly !== undefined) {
    for (const [kind, target] of order) await runOn(kind, target, warmOnly);
    return result;
  }
  if (WARMUP > 0) for (const [kind, target] of order) await runOn(kind, target, WARMUP);
  const runs: Partial<Record<TargetKind, RunResult[]>> = {};
  const countersBefore = await countersOf(t.ccauth.server.url);
  for (let i = 0; i < ROUNDS; i++) {
    const seq = i % 2 === 0 ? order : [...order].reverse();
    for (const [kind, target] of seq) {
      const r = await runOn(kind, target, DURATION);
      (runs[kind] ??= []).push(r);
      log(`  ${s.id} c=${connections} round ${i + 1} ${kind}: ${round(r.requestsPerSecond, 0)} req/s, p99 ${r.latencyP99Ms} ms, ${round(r.serverCpuMs / Math.max(r.responses, 1), 3)} CPU ms/req`);
    }
  }
  for (const [kind] of order) result.servers[kind] = aggregate(runs[kind]!);
  const cc = result.servers.ccauth!;
  const countersAfter = await countersOf(t.ccauth.server.url);
  const responses = runs.ccauth!.reduce((acc, r) => acc + r.responses, 0);
  if (countersBefore && countersAfter && responses > 0) {
    result.ccauthPerRequest = {
      statements: round((countersAfter.statements - countersBefore.statements) / responses, 3),
      gcMs: round(((countersAfter.gcSeconds - countersBefore.gcSeconds) * 1000) / responses, 4),
    };
  }
  if (result.servers['stock-pg']) result.vsPg = ratio(cc, result.servers['stock-pg']);
  if (result.servers.stock) result.vsMemory = ratio(cc, result.servers.stock);
  if (t.bare) {
    result.servers.bare = aggregate([await runOn('bare', t.bare, DURATION)]);
    result.vsBare = round(cc.requestsPerSecond / result.servers.bare.requestsPerSecond, 3);
  }
  const mem = await memoryOf(t.ccauth.server.url);
  if (mem) result.ccauthMemoryMb = mem;
  return result;
}

async function runPhase(label: string, t: Targets, fx: Fixtures): Promise<ScenarioResult[]> {
  const out: ScenarioResult[] = [];
  for (const s of selected) {
    for (const connections of LOADS) {
      log(`${label}: ${s.title} at ${connections} connections`);
      out.push(await runScenario(s, t, fx, connections));
    }
  }
  return out;
}

/** One line per scenario and load: ccauth's RSS and V8 heap after it (from its /metrics). */
function memoryLines(results: ScenarioResult[]): string {
  const rows = results.filter((r) => r.ccauthMemoryMb).map((r) => {
    const m = r.ccauthMemoryMb!;
    return `${r.title} (${r.connections}) ${m.rss ?? '?'} / ${m.heapTotal ?? '?'} / ${m.heapUsed ?? '?'} / ${m.external ?? '?'}`;
  });
  const perRequest = results.filter((r) => r.ccauthPerRequest).map((r) => `${r.title} (${r.connections}) ${r.ccauthPerRequest!.statements} / ${r.ccauthPerRequest!.gcMs}`);
  return [
    rows.length ? `ccauth memory after each scenario (connections), MB (RSS / V8 heap total / heap used / external): ${rows.join('; ')}.` : '',
    perRequest.length ? `ccauth per response over the measured rounds (SQL statements / GC pause ms): ${perRequest.join('; ')}.` : '',
  ].filter(Boolean).join('\n\n');
}

const fmt = (x: number | undefined, d = 1) => (x === undefined || !Number.isFinite(x) ? '–' : String(round(x, d)));

/** The ratio table: ccauth ÷ each reference, per scenario and load. */
function ratioTable(results: ScenarioResult[]): string {
  const lines = [
    '| scenario | connections | ccauth req/s | PostgreSQL-adapter req/s | in-memory req/s | bare koa req/s | ccauth ÷ PostgreSQL-adapter, req/s | CPU ms/request ratio to it (with PostgreSQL\'s) | ccauth ÷ in-memory, req/s | CPU ratio to it | ccauth ÷ bare koa, req/s |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    const v = r.servers;
    lines.push(
      `| ${r.title} | ${r.connections} | ${fmt(v.ccauth?.requestsPerSecond, 0)} | ${fmt(v['stock-pg']?.requestsPerSecond, 0)} | ${fmt(v.stock?.requestsPerSecond, 0)} | ${fmt(v.bare?.requestsPerSecond, 0)} | ${fmt(r.vsPg?.throughput, 2)} | ${r.vsPg ? `${fmt(r.vsPg.cpu, 2)} (${fmt(r.vsPg.cpuWithDb, 2)})` : '–'} | ${fmt(r.vsMemory?.throughput, 2)} | ${fmt(r.vsMemory?.cpu, 2)} | ${fmt(r.vsBare, 3)} |`,
    );
  }
  return lines.join('\n');
}

/** The detail table: CPU, PostgreSQL CPU, latency, memory and failures of each server. */
function detailTable(results: ScenarioResult[]): string {
  const lines = [
    '| scenario | connections | CPU ms/request: ccauth / PostgreSQL-adapter / in-memory | PostgreSQL CPU ms/request: ccauth / PostgreSQL-adapter | p50 / p99 ms: ccauth | PostgreSQL-adapter | in-memory | peak RSS MB: ccauth / PostgreSQL-adapter / in-memory | failed: ccauth / PostgreSQL-adapter / in-memory |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const trio = (r: ScenarioResult, f: (a: Aggregate) => string) => MEASURED.map((k) => (r.servers[k] ? f(r.servers[k]) : '–')).join(' / ');
  const lat = (a: Aggregate | undefined) => (a ? `${fmt(a.latencyP50Ms)} / ${fmt(a.latencyP99Ms)}` : '–');
  for (const r of results) {
    const v = r.servers;
    lines.push(
      `| ${r.title} | ${r.connections} | ${trio(r, (a) => fmt(a.cpuMsPerRequest, 3))} | ${fmt(v.ccauth?.dbCpuMsPerRequest, 3)} / ${fmt(v['stock-pg']?.dbCpuMsPerRequest, 3)} | ${lat(v.ccauth)} | ${lat(v['stock-pg'])} | ${lat(v.stock)} | ${trio(r, (a) => fmt(a.peakRssMb, 0))} | ${trio(r, (a) => String(a.non2xx + a.errors))} |`,
    );
  }
  return lines.join('\n');
}

interface TargetRow {
  name: string;
  goal: string;
  measured: string;
  met: boolean | undefined;
}

/**
 * Every target of docs/performance.md "Performance" → "Targets", met or not (or not measured in this run).
 * Ratios are judged on the medians of the same run's alternating rounds.
 */
function targets(empty: ScenarioResult[], latency: RunResult | undefined, large: ScenarioResult[] | undefined): TargetRow[] {
  const get = (rs: ScenarioResult[] | undefined, id: string, c: number) => rs?.find((r) => r.id === id && r.connections === c);
  const out: TargetRow[] = [];
  const unmeasured = (name: string, goal: string): TargetRow => ({ name, goal, measured: 'not measured in this run', met: undefined });
  const high = Math.max(...LOADS);
  /** ccauth ÷ reference req/s (or CPU) for scenario `id` at `c` connections against `min`/`max`. */
  const check = (id: string, label: string, c: number, ref: 'vsPg' | 'vsMemory', what: 'throughput' | 'cpu', goal: { min?: number; max?: number }) => {
    const r = get(empty, id, c);
    const refKind = ref === 'vsPg' ? 'stock-pg' : 'stock';
    const goalText = `${goal.min !== undefined ? `≥ ${goal.min}×` : `≤ ${goal.max}×`} the ${LABEL[refKind]}'s ${what === 'throughput' ? 'req/s' : 'CPU ms/request'}`;
    const name = `${label}, ${c} connections`;
    const q = r?.[ref];
    if (!r || !q) {
      out.push(unmeasured(name, goalText));
      return;
    }
    const x = q[what];
    if (!Number.isFinite(x)) {
      out.push({ ...unmeasured(name, goalText), measured: 'no responses from one of the servers' });
      return;
    }
    const a = r.servers.ccauth!;
    const b = r.servers[refKind]!;
    const measured = what === 'throughput' ? `${a.requestsPerSecond} vs ${b.requestsPerSecond} req/s = ${x}×` : `${a.cpuMsPerRequest} vs ${b.cpuMsPerRequest} ms = ${x}×`;
    out.push({ name, goal: goalText, measured, met: goal.min !== undefined ? x >= goal.min : x <= goal.max! });
  };
  for (const c of LOADS) check('client_credentials_basic', 'client_credentials throughput', c, 'vsPg', 'throughput', { min: c >= 64 ? 1.5 : 1.3 });
  for (const c of LOADS) check('client_credentials_basic', 'client_credentials CPU', c, 'vsPg', 'cpu', { max: 1.0 });
  check('client_credentials_basic', 'client_credentials throughput against the in-memory server', high, 'vsMemory', 'throughput', { min: 0.6 });
  for (const c of LOADS) check('introspection', 'introspection CPU', c, 'vsMemory', 'cpu', { max: 1.5 });
  for (const c of LOADS) check('introspection', 'introspection throughput', c, 'vsPg', 'throughput', { min: 1.3 });
  for (const id of ['userinfo', 'openid_userinfo']) {
    const title = SCENARIOS.find((s) => s.id === id)!.title;
    for (const c of LOADS) check(id, `${title} throughput`, c, 'vsPg', 'throughput', { min: 1.5 });
    const r = get(empty, id, high);
    const name = `${title} p99, ${high} connections`;
    out.push(r?.servers.ccauth ? { name, goal: '≤ 10 ms', measured: `p99 ${r.servers.ccauth.latencyP99Ms} ms (median of rounds)`, met: r.servers.ccauth.latencyP99Ms <= 10 } : unmeasured(name, '≤ 10 ms'));
  }
  for (const c of LOADS) check('refresh_token', 'refresh_token throughput', c, 'vsPg', 'throughput', { min: 1.0 });
  for (const c of LOADS) check('password', 'password grant throughput', c, 'vsPg', 'throughput', { min: 1.0 });
  for (const c of LOADS) {
    const pw = get(empty, 'password', c);
    const name = `password grant, ${c} connections`;
    out.push(pw?.servers.ccauth ? { name, goal: '≥ 40 req/s (argon2id m=19 MiB, t=2, p=1)', measured: `${pw.servers.ccauth.requestsPerSecond} req/s`, met: pw.servers.ccauth.requestsPerSecond >= 40 } : unmeasured(name, '≥ 40 req/s'));
  }
  out.push(latency
    ? { name: `client_credentials p99 at 70% of peak (${LOADS[0]} connections)`, goal: '≤ 25 ms', measured: `p99 ${latency.latencyP99Ms} ms (p50 ${latency.latencyP50Ms} ms) at ${round(latency.requestsPerSecond, 0)} req/s`, met: latency.latencyP99Ms <= 25 }
    : unmeasured('client_credentials p99 at 70% of peak', '≤ 25 ms'));
  for (const c of LOADS) {
    const lcc = get(large, 'client_credentials_basic', c);
    const cc = get(empty, 'client_credentials_basic', c);
    const name = `--large client_credentials, ${c} connections`;
    if (lcc?.vsMemory && cc?.vsMemory) {
      // the two phases run minutes apart: judge on ccauth relative to the in-memory server measured
      // in the same rounds (drift cancels), and show the raw figures too
      const normalized = round(lcc.vsMemory.throughput / cc.vsMemory.throughput, 3);
      const cpu = round(lcc.servers.ccauth!.cpuMsPerRequest / cc.servers.ccauth!.cpuMsPerRequest, 3);
      out.push({
        name,
        goal: 'within 10% of the empty database',
        measured: `ccauth÷in-memory ${lcc.vsMemory.throughput} (large) vs ${cc.vsMemory.throughput} (empty) = ${normalized}×; raw ${lcc.servers.ccauth!.requestsPerSecond} vs ${cc.servers.ccauth!.requestsPerSecond} req/s; CPU ms/req ${lcc.servers.ccauth!.cpuMsPerRequest} vs ${cc.servers.ccauth!.cpuMsPerRequest} (${cpu}×)`,
        met: normalized >= 0.9,
      });
    } else out.push(unmeasured(name, 'within 10% of the empty database'));
  }
  const rss = Math.max(...[...empty, ...(large ?? [])].map((r) => r.servers.ccauth?.peakRssMb ?? 0), latency ? latency.peakRssBytes / 1024 / 1024 : 0);
  out.push({ name: 'ccauth RSS under load', goal: '≤ 250 MB', measured: `peak ${round(rss, 0)} MB`, met: rss <= 250 });
  return out;
}

function sh(cmd: string, argv: string[]): string {
  try {
    return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** The CPU model as `lscpu` names it (else Node's `os.cpus()`). */
function cpuModel(): string {
  const line = sh('lscpu', []).split('\n').find((l) => l.startsWith('Model name:'));
  return line ? line.slice('Model name:'.length).trim() : (os.cpus()[0]?.model ?? 'unknown');
}

/**
 * Replaces the `<!-- bench:latest -->` block with `md` (headings demoted under "Latest results")
 * in whichever file holds the markers: README.md, else a Markdown file under docs/.
 */
function updateReadme(md: string): void {
  const start = '<!-- bench:latest -->';
  const end = '<!-- /bench:latest -->';
  const docsDir = path.join(ROOT, 'docs');
  const candidates = [path.join(ROOT, 'README.md'), ...(existsSync(docsDir) ? readdirSync(docsDir).filter((f) => f.endsWith('.md')).sort().map((f) => path.join(docsDir, f)) : [])];
  const file = candidates.find((f) => {
    const text = readFileSync(f, 'utf8');
    const i = text.indexOf(start);
    return i >= 0 && text.indexOf(end) > i;
  });
  if (!file) {
    log('no README.md or docs/*.md has the bench:latest markers; nothing updated');
    return;
  }
  const text = readFileSync(file, 'utf8');
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  const body = md
    .split('\n')
    .filter((l) => !l.startsWith('# '))
    .map((l) => (l.startsWith('## ') ? `#### ${l.slice(3)}` : l))
    .join('\n')
    .trim();
  writeFileSync(file, `${text.slice(0, i + start.length)}\n${body}\n${text.slice(j)}`);
  log(`${path.relative(ROOT, file)} updated`);
}

/** Writes the reference servers' configuration (0600: it holds the fixtures' secrets). */
function stockConfigFile(dir: string, name: string, cfg: Record<string, unknown>): string {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(cfg), { mode: 0o600 });
  return file;
}

async function main(): Promise<void> {
  const outDir = args.out!;
  mkdirSync(outDir, { recursive: true });
  const loadBefore = loadAverage();
  const startedAt = new Date();
  log(`load average before: ${loadBefore.join(' ')}; ${os.cpus().length} CPUs`);
  const db = await createBenchDatabase(BASE_DB_URL);
  const databases: BenchDatabase[] = [db];
  log(`database ${db.name}`);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ccauth-bench-'));
  const profileDir = path.join(outDir, 'profiles');
  const servers: Server[] = [];
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    log('interrupted: stopping servers, dropping the databases');
    void Promise.allSettled(servers.map((s) => s.stop(3000)))
      .then(() => Promise.allSettled(databases.map((d) => d.drop())))
      .finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const ccPort = await freePort();
    if (args.profile) {
      rmSync(profileDir, { recursive: true, force: true });
      mkdirSync(path.join(profileDir, 'ccauth'), { recursive: true });
      mkdirSync(path.join(profileDir, 'stock'), { recursive: true });
    }
    const ccauth = await startServer({
      name: 'ccauth',
      script: 'src/main.ts',
      port: ccPort,
      readyPath: '/readyz',
      nodeArgs: [...CCAUTH_NODE_FLAGS, ...(args.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, 'ccauth')}`] : []), ...args['ccauth-node-args']!.split(' ').filter(Boolean)],
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

    const t: Targets = { ccauth: { server: ccauth, db } };
    const fixtureConfig = { clients: fx.clients, users: fx.users };
    const stockPort = await freePort();
    t.stock = {
      server: await startServer({
        name: 'stock',
        script: 'bench/servers/stock.ts',
        port: stockPort,
        readyPath: '/.well-known/openid-configuration',
        nodeArgs: args.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, 'stock')}`] : [],
        env: { BENCH_STOCK_CONFIG: stockConfigFile(dataDir, 'stock', { port: stockPort, ...fixtureConfig }) },
      }),
    };
    servers.push(t.stock.server);
    if (!args.profile) {
      const pgDb = await createBenchDatabase(BASE_DB_URL, 'stock_pg_bench');
      databases.push(pgDb);
      const pgPort = await freePort();
      t['stock-pg'] = {
        db: pgDb,
        server: await startServer({
          name: 'stock-pg',
          script: 'bench/servers/stock-pg.ts',
          port: pgPort,
          readyPath: '/.well-known/openid-configuration',
          env: { BENCH_STOCK_CONFIG: stockConfigFile(dataDir, 'stock-pg', { port: pgPort, databaseUrl: pgDb.url, ...fixtureConfig }) },
        }),
      };
      servers.push(t['stock-pg'].server);
      const barePort = await freePort();
      t.bare = { server: await startServer({ name: 'bare', script: 'bench/servers/bare.ts', port: barePort, readyPath: '/', env: { BENCH_PORT: String(barePort) } }) };
      servers.push(t.bare.server);
    }

    // Warm-up pass: every selected scenario on every server, unmeasured. Without it the first
    // measured scenario, whichever it was, came out ~25 % slower on both servers (JIT warm-up of the
    // servers and of autocannon, which runs in this process).
    if (WARMUP_PASS > 0) {
      for (const s of selected) {
        log(`warm-up pass: ${s.title} (${WARMUP_PASS} s per server)`);
        await runScenario(s, t, fx, LOADS[0]!, WARMUP_PASS);
      }
    }
    const empty = await runPhase('empty database', t, fx);

    let latency: RunResult | undefined;
    let stockLatency: RunResult | undefined;
    let latencyDiagnostics: Record<string, number> | undefined;
    let latencyRate = 0;
    const cc = empty.find((r) => r.id === 'client_credentials_basic' && r.connections === LOADS[0]);
    if (cc && !args.profile) {
      latencyRate = Math.max(1, Math.floor(cc.servers.ccauth!.requestsPerSecond * 0.7));
      log(`latency: client_credentials at ${latencyRate} req/s (70% of ${cc.servers.ccauth!.requestsPerSecond}), ${LOADS[0]} connections`);
      const s = SCENARIOS.find((x) => x.id === 'client_credentials_basic')!;
      const atRate = async (kind: TargetKind, server: Server) =>
        runLoad({
          url: server.url,
          pid: server.pid,
          load: await s.prepare({ kind, url: server.url }, fx, LOADS[0]!),
          durationSeconds: Math.max(DURATION * 2, 10),
          connections: LOADS[0]!,
          maxRequests: MAX_REQUESTS,
          overallRate: latencyRate,
        });
      latency = await atRate('ccauth', ccauth);
      log(`  p50 ${latency.latencyP50Ms} ms, p99 ${latency.latencyP99Ms} ms at ${round(latency.requestsPerSecond, 0)} req/s`);
      latencyDiagnostics = await diagnosticsOf(ccauth.url);
      log(`  ccauth since start: ${JSON.stringify(latencyDiagnostics)}`);
      // control: the in-memory server at the same rate shows what the machine adds to the tail
      stockLatency = await atRate('stock', t.stock.server);
      log(`  in-memory server at the same rate: p50 ${stockLatency.latencyP50Ms} ms, p99 ${stockLatency.latencyP99Ms} ms`);
    }

    let large: ScenarioResult[] | undefined;
    let fillSeconds = 0;
    if (args.large) {
      const tokens = num('large-tokens', 1, 10_000_000);
      const clients = num('large-clients', 1, 1_000_000);
      log(`--large: inserting ${tokens} token rows and ${clients} clients`);
      fillSeconds = await fillLarge(db.url, { tokens, clients }, await hashSecret(randomBytes(32).toString('base64url')));
      log(`  filled in ${round(fillSeconds, 1)} s`);
      large = await runPhase('large database', t, fx);
    }

    const loadAfter = loadAverage();
    await Promise.allSettled(servers.map((s) => s.stop()));
    servers.length = 0;
    if (args.profile) {
      let profileSection = '';
      for (const kind of ['ccauth', 'stock'] as const) {
        const dir = path.join(profileDir, kind);
        for (const f of readdirSync(dir).filter((x) => x.endsWith('.cpuprofile'))) {
          profileSection += `### ${kind === 'ccauth' ? 'ccauth' : 'in-memory server'}: ${kind}/${f}\n\n${profileMarkdown(summarizeProfile(path.join(dir, f)))}\n\n`;
        }
      }
      writeFileSync(path.join(outDir, 'profile.md'), `# CPU profiles of ccauth and the in-memory server (${selected.map((s) => s.id).join(', ')})\n\nThe .cpuprofile files (bench/results/profiles/) open as flame graphs in Chrome DevTools or speedscope.\n\n${profileSection}`);
      log(`profile summary: ${path.join(outDir, 'profile.md')}`);
      process.stdout.write(profileSection);
      process.stdout.write(`${ratioTable(empty)}\n\n${detailTable(empty)}\n`);
      return;
    }

    const meta = {
      date: startedAt.toISOString(),
      commit: sh('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']),
      node: sh(NODE, ['--version']),
      postgres: sh('psql', ['--version']),
      cpus: os.cpus().length,
      cpuModel: cpuModel(),
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadAfter,
      options: { ccauthNodeArgs: args['ccauth-node-args'], duration: DURATION, rounds: ROUNDS, warmup: WARMUP, warmupPass: WARMUP_PASS, connections: LOADS, workers: WORKERS, clients: fx.clients.length, users: fx.users.length, large: args.large, logLevel: args['log-level'] },
    };
    const tg = targets(empty, latency, large);
    const metCount = tg.filter((x) => x.met === true).length;
    const missed = tg.filter((x) => x.met === false);
    const md = [
      `# ccauth benchmark`,
      '',
      `**Machine: ${meta.cpus} × ${meta.cpuModel}** · ${meta.date} · commit ${meta.commit} · Node ${meta.node} · ${meta.postgres} · load average before ${loadBefore.join(' ')}, after ${loadAfter.join(' ')}`,
      '',
      `**Targets met on this machine: ${metCount} of ${tg.length}${tg.length - metCount - missed.length ? ` (${tg.length - metCount - missed.length} not measured)` : ''}**${missed.length ? `; not met: ${missed.map((x) => x.name).join('; ')}` : ''}.`,
      '',
      `\`npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\`: ${LOADS.join(' and ')} connections, ${ROUNDS} alternating rounds × ${DURATION} s per server, scenario and load (after a warm-up pass of ${WARMUP_PASS} s per scenario and server, and a ${WARMUP} s warm-up before each scenario and load), PostgreSQL over ${DB_TRANSPORT}, ccauth WORKERS=${WORKERS} ${Object.entries(CCAUTH_ENV).map(([k, v]) => `${k}=${v}`).join(' ')} with \`${[...SERVER_NODE_FLAGS, ...CCAUTH_NODE_FLAGS].join(' ')}\` (every server runs with \`${SERVER_NODE_FLAGS.join(' ')}\`), LOG_LEVEL=${meta.options.logLevel}, ${fx.clients.length} clients and ${fx.users.length} users. Medians over rounds; CPU ms/request = server utime+stime (/proc) ÷ responses (all rounds); PostgreSQL CPU = the server's own database's backends. References: the **PostgreSQL-adapter server** = stock oidc-provider 9.13.3 with a straightforward PostgreSQL adapter (one statement per adapter call, payload as jsonb, pg pool of 10, tokens persisted before the response); the **in-memory server** = the same provider on its in-memory adapter (the engine's ceiling); both with plaintext client secrets and argon2id user passwords at ccauth's cost; **bare koa** = koa returning a constant JSON body (the HTTP ceiling).`,
      '',
      '## Empty database',
      '',
      ratioTable(empty),
      '',
      detailTable(empty),
      '',
      memoryLines(empty),
      '',
      latency ? `Latency at 70% of peak: client_credentials (Basic) at ${LOADS[0]} connections, ${round(latency.requestsPerSecond, 0)} req/s (autocannon overallRate ${latencyRate}): p50 ${latency.latencyP50Ms} ms, p99 ${latency.latencyP99Ms} ms, ${latency.non2xx} non-2xx${stockLatency ? `; the in-memory server at the same rate: p50 ${stockLatency.latencyP50Ms} ms, p99 ${stockLatency.latencyP99Ms} ms` : ''}. (autocannon's overallRate sends each connection's share of a second back to back, then waits: the first part of every second runs at full concurrency.)` : '',
      '',
      ...(large ? ['## Large database (1,000,000 token rows, 100,000 extra clients in ccauth\'s database)', '', `Filled in ${round(fillSeconds, 1)} s with INSERT … SELECT generate_series.`, '', ratioTable(large), '', detailTable(large), '', memoryLines(large), ''] : []),
      '## Targets met',
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
    for (const d of databases) await d.drop().catch((err: unknown) => log(`could not drop ${d.name}: ${String(err)}`));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
