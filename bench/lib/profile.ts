/**
 * Summarizes a V8 `.cpuprofile` (from `node --cpu-prof`): self time per function and per package,
 * in milliseconds and percent of the profile.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileRow {
  name: string;
  selfMs: number;
  percent: number;
}

function packageOf(url: string): string {
  if (!url) return '(native/V8)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return 'node core';
  const src = url.indexOf('/src/');
  if (src >= 0) return `ccauth ${url.slice(src + 1).split('/').slice(0, 2).join('/')}`;
  return url.replace(/^file:\/\//, '');
}

/** Top `limit` functions and packages by self time. */
export function summarizeProfile(file: string, limit = 25): { totalMs: number; functions: ProfileRow[]; packages: ProfileRow[] } {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const f = n.callFrame;
    if (f.functionName === '(idle)') continue;
    total += us;
    const short = f.url ? f.url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, '').replace(/^.*\/(src|bench)\//, '$1/') : '';
    const key = `${f.functionName || '(anonymous)'} ${short ? `${short}:${f.lineNumber + 1}` : ''}`.trim();
    fn.set(key, (fn.get(key) ?? 0) + us);
    const pk = f.url ? packageOf(f.url) : f.functionName.startsWith('(') ? f.functionName : '(native/V8)';
    pkg.set(pk, (pkg.get(pk) ?? 0) + us);
  }
  const rows = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, us]) => ({ name, selfMs: Math.round(us / 100) / 10, percent: Math.round((us / total) * 1000) / 10 }));
  return { totalMs: Math.round(total / 1000), functions: rows(fn), packages: rows(pkg) };
}

/** Markdown tables of {@link summarizeProfile}. */
export function profileMarkdown(s: ReturnType<typeof summarizeProfile>): string {
  const t = (title: string, rows: ProfileRow[]) =>
    [`| ${title} | self ms | % |`, '| --- | ---: | ---: |', ...rows.map((r) => `| \`${r.name.replace(/\|/g, '\\|')}\` | ${r.selfMs} | ${r.percent} |`)].join('\n');
  return [`Profile: ${s.totalMs} ms of non-idle samples.`, '', t('package', s.packages), '', t('function', s.functions)].join('\n');
}
