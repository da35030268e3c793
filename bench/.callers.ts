import { readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv[2]!, 'utf8'));
const target = process.argv[3]!;
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const byId = new Map(p.nodes.map((n: any) => [n.id, n]));
const self = new Map<number, number>();
p.samples.forEach((s: number, i: number) => self.set(s, (self.get(s) ?? 0) + (p.timeDeltas[i] ?? 0)));
const stacks = new Map<string, number>();
for (const [id, us] of self) {
  const n: any = byId.get(id);
  if (n.callFrame.functionName !== target) continue;
  const chain: string[] = [];
  let cur = parent.get(id);
  for (let d = 0; d < 6 && cur !== undefined; d++) {
    const f: any = (byId.get(cur) as any).callFrame;
    chain.push(`${f.functionName || '(anon)'}@${f.url.replace(/^.*node_modules\//, '').replace(/^.*\/src\//, 'src/')}:${f.lineNumber + 1}`);
    cur = parent.get(cur);
  }
  const k = chain.join(' < ');
  stacks.set(k, (stacks.get(k) ?? 0) + us);
}
for (const [k, us] of [...stacks].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log((us / 1000).toFixed(0), 'ms', k);
