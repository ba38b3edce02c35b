/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by
 * function, and total (inclusive) time for the functions that matter.
 *
 *   npx tsx bench/sip-cpuprofile-top.ts FILE.cpuprofile [N] [--total]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const [file, nArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const inclusive = process.argv.includes('--total');
if (!file) throw new Error('usage: cpuprofile-top FILE [N] [--total]');
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const selfUs = new Map<number, number>();
for (let i = 0; i < p.samples.length; i++) {
  const id = p.samples[i] as number;
  selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i + 1] ?? 0));
}
const label = (n: Node): string => {
  const url = n.callFrame.url.replace(/^.*\/(src|node_modules)\//, '$1/');
  return `${n.callFrame.functionName || '(anon)'} ${url}:${n.callFrame.lineNumber + 1}`;
};
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const agg = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id) as Node;
  if (!inclusive) {
    agg.set(label(n), (agg.get(label(n)) ?? 0) + us);
    continue;
  }
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(byId.get(cur) as Node);
    if (seen.has(l)) continue;
    seen.add(l);
    agg.set(l, (agg.get(l) ?? 0) + us);
  }
}
const rows = [...agg.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(nArg ?? 40));
process.stdout.write(`total sampled ${(total / 1000).toFixed(0)} ms\n`);
for (const [l, us] of rows) process.stdout.write(`${(us / 1000).toFixed(1).padStart(8)} ms ${((us / total) * 100).toFixed(1).padStart(5)}%  ${l}\n`);
