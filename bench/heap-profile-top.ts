/**
 * Summarises a V8 sampling heap profile (.heapprofile, e.g. from
 * `bench/sip-register-inproc.ts --alloc FILE`): bytes allocated by function
 * (self), largest first, with each one's share of everything sampled.
 *
 *   npx tsx bench/heap-profile-top.ts FILE.heapprofile [N]
 */
import { readFileSync } from 'node:fs';

interface AllocationNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: AllocationNode[];
}

const [file, nArg] = process.argv.slice(2);
if (!file) throw new Error('usage: heap-profile-top FILE [N]');
const { head } = JSON.parse(readFileSync(file, 'utf8')) as { head: AllocationNode };
const bySite = new Map<string, number>();
let total = 0;
const stack: AllocationNode[] = [head];
for (let node = stack.pop(); node; node = stack.pop()) {
  const f = node.callFrame;
  const site = `${f.functionName || '(anon)'} ${f.url.replace(/^file:\/\/.*?\/(src|bench|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
  bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
  total += node.selfSize;
  stack.push(...node.children);
}
console.log(`total sampled ${(total / 1048576).toFixed(1)} MiB`);
for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, Number(nArg ?? 30))) {
  console.log(`${(bytes / 1048576).toFixed(1).padStart(8)} MiB ${((100 * bytes) / total).toFixed(1).padStart(5)}%  ${site}`);
}
