/**
 * One bounded load run: autocannon against a server for `durationSeconds` (and at most
 * `maxRequests` requests), with the server's CPU time (utime + stime of its process tree, from
 * /proc) and resident memory read around it. Only 127.0.0.1 targets are accepted.
 */
import autocannon from 'autocannon';
import { cpuDeltaMs, cpuMs, cpuMsByPid, processTree, sampleRss } from './proc.ts';
import type { LoadOptions } from './scenarios.ts';

/** The figures of one run. Latencies in milliseconds, memory in bytes. */
export interface RunResult {
  /** Responses received (2xx and others). */
  responses: number;
  non2xx: number;
  /** Responses per HTTP status. */
  statusCodes: Record<string, number>;
  /** Connection errors and timeouts. */
  errors: number;
  durationSeconds: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Server CPU (user + system) over the run, milliseconds. */
  serverCpuMs: number;
  /** PostgreSQL backends' CPU for the run's database, milliseconds (0 when not measured). */
  dbCpuMs: number;
  /** Largest RSS of the server's process tree seen during the run, bytes. */
  peakRssBytes: number;
}

export interface RunOptions {
  url: string;
  pid: number;
  load: LoadOptions;
  durationSeconds: number;
  connections: number;
  /** Hard cap on requests in this run. */
  maxRequests: number;
  /** Requests per second over all connections (autocannon `overallRate`); unlimited when absent. */
  overallRate?: number;
  /** Returns the pids whose CPU counts as "database" (PostgreSQL backends), read before and after. */
  dbPids?: () => Promise<number[]>;
}

/** Runs autocannon once; stops it at `durationSeconds + 15` s whatever happens. */
export async function runLoad(o: RunOptions): Promise<RunResult> {
  const host = new URL(o.url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') throw new Error(`refusing to load ${o.url}: loopback only`);
  const dbPidsBefore = o.dbPids ? await o.dbPids() : [];
  const pidsBefore = processTree(o.pid);
  const rss = sampleRss(o.pid);
  const cpu0 = cpuMs(pidsBefore);
  const db0 = cpuMsByPid(dbPidsBefore);
  let done!: (r: autocannon.Result) => void;
  let fail!: (e: unknown) => void;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    done = resolve;
    fail = reject;
  });
  const { path: reqPath, ...load } = o.load;
  const instance = autocannon({
    url: new URL(reqPath ?? '/', o.url).toString(),
    connections: o.connections,
    duration: o.durationSeconds,
    maxOverallRequests: Math.max(o.maxRequests, o.connections),
    timeout: 10,
    ...(o.overallRate ? { overallRate: o.overallRate } : {}),
    ...load,
  }, (err, res) => (err ? fail(err) : done(res)));
  const guard = setTimeout(() => instance.stop(), (o.durationSeconds + 15) * 1000);
  const result = await finished.finally(() => clearTimeout(guard));
  // CPU of processes that were there at the start (a worker that exited keeps its last reading out)
  const pidsAfter = [...new Set([...pidsBefore, ...processTree(o.pid)])];
  const cpu1 = cpuMs(pidsAfter);
  const db1 = cpuMsByPid(o.dbPids ? [...new Set([...dbPidsBefore, ...(await o.dbPids())])] : []);
  const peak = rss.stop();
  const r = result as autocannon.Result & { '2xx': number; non2xx: number };
  const responses = r['2xx'] + r.non2xx;
  return {
    responses,
    non2xx: r.non2xx,
    statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, Number(v.count ?? 0)])),
    errors: r.errors + r.timeouts,
    durationSeconds: r.duration,
    requestsPerSecond: responses / r.duration,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    serverCpuMs: cpu1 - cpu0,
    dbCpuMs: cpuDeltaMs(db0, db1),
    peakRssBytes: peak,
  };
}
