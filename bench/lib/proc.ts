/**
 * Readings of a running process (and its descendants) from /proc: CPU time and resident memory.
 * Linux only. CPU is `utime + stime` (fields 14 and 15 of /proc/<pid>/stat) in clock ticks,
 * converted to milliseconds with the kernel's tick rate (USER_HZ, 100 on Linux).
 */
import { readFileSync, readdirSync } from 'node:fs';

/** Kernel clock ticks per second for /proc CPU fields (USER_HZ; fixed at 100 on Linux x86-64). */
export const CLOCK_TICKS_PER_SECOND = 100;

interface StatFields {
  pid: number;
  ppid: number;
  /** utime + stime, clock ticks. */
  cpuTicks: number;
  comm: string;
}

function readStat(pid: number): StatFields | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const open = s.indexOf('(');
    const close = s.lastIndexOf(')');
    const rest = s.slice(close + 2).split(' ');
    // rest[0] is field 3 (state): ppid = field 4, utime = field 14, stime = field 15
    return { pid, comm: s.slice(open + 1, close), ppid: Number(rest[1]), cpuTicks: Number(rest[11]) + Number(rest[12]) };
  } catch {
    return undefined;
  }
}

/** `pid` and every live descendant of it. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name));
    if (!st) continue;
    const list = children.get(st.ppid) ?? [];
    list.push(st.pid);
    children.set(st.ppid, list);
  }
  const out: number[] = [];
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

/** CPU time so far of each given process that is alive, milliseconds, by pid. */
export function cpuMsByPid(pids: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    const st = readStat(pid);
    if (st) out.set(pid, (st.cpuTicks * 1000) / CLOCK_TICKS_PER_SECOND);
  }
  return out;
}

/**
 * CPU spent between two {@link cpuMsByPid} readings, milliseconds: the growth of processes seen
 * both times plus the whole CPU of processes that appeared in between (they started during the
 * interval). Processes that ended in between are not counted (their last CPU cannot be read).
 */
export function cpuDeltaMs(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, ms] of after) sum += before.has(pid) ? Math.max(0, ms - before.get(pid)!) : ms;
  return sum;
}

/** CPU time (user + system) consumed so far by the given processes, milliseconds. */
export function cpuMs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) ticks += readStat(pid)?.cpuTicks ?? 0;
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Current resident set size of the given processes together, bytes. */
export function rssBytes(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + statusKb(pid, 'VmRSS') * 1024, 0);
}

/** Peak resident set size (VmHWM) of the given processes, summed, bytes. */
export function peakRssBytes(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + statusKb(pid, 'VmHWM') * 1024, 0);
}

/** The 1-minute load average (from /proc/loadavg). */
export function loadAverage(): [number, number, number] {
  const parts = readFileSync('/proc/loadavg', 'utf8').split(' ');
  return [Number(parts[0]), Number(parts[1]), Number(parts[2])];
}

/**
 * Samples RSS of a process tree every `intervalMs` until stopped; `stop()` returns the largest
 * sum seen, bytes.
 */
export function sampleRss(pid: number, intervalMs = 200): { stop(): number } {
  let pids = processTree(pid);
  let peak = rssBytes(pids);
  let n = 0;
  const timer = setInterval(() => {
    if (++n % 10 === 0) pids = processTree(pid);
    peak = Math.max(peak, rssBytes(pids));
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssBytes(pids));
    },
  };
}
