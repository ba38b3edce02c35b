/**
 * Where a running Sotto's CPU goes under sipp load: starts `sotto start`
 * (node directly, no npx/npm around it) with extra node flags, drives one
 * sipp load, and prints the CPU of each thread of the server
 * (/proc/<pid>/task/<tid>/stat) over the load.
 *
 *   npx tsx bench/sip-profile.ts [--load register|options|flood] [--calls N] [--rate R] [--prof DIR]
 *
 * With --prof, node writes a .cpuprofile into DIR on exit (open it in
 * Chrome DevTools, or summarise it with bench/sip-cpuprofile-top.ts).
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../src/app/runtime.ts';
import { PeerProcess } from '../test/interop/harness/child.ts';
import { LOOPBACK } from '../test/interop/harness/ports.ts';
import { waitForSip } from '../test/interop/harness/sip-probe.ts';
import { runSipp } from '../test/interop/harness/sipp.ts';
import { demoSipUsers, sottoEnvironment } from '../test/interop/harness/sotto.ts';

const { values: args } = parseArgs({
  options: {
    load: { type: 'string', default: 'register' },
    calls: { type: 'string', default: '6000' },
    rate: { type: 'string', default: '1000' },
    prof: { type: 'string' },
    warm: { type: 'string', default: '1000' },
    perf: { type: 'string' },
    'node-flags': { type: 'string', default: '' },
  },
});

function threadTicks(pid: number): Map<string, { name: string; ticks: number }> {
  const out = new Map<string, { name: string; ticks: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
      const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
      out.set(tid, { name, ticks: Number(rest[11]) + Number(rest[12]) });
    } catch {
      // thread gone
    }
  }
  return out;
}

const { dataDir, sipPort, env } = await sottoEnvironment('sotto-prof-');
const demo = new PeerProcess('sotto demo', 'node', ['bin/sotto.mjs', 'demo', '--json'], { cwd: PROJECT_ROOT, env, maxLifetimeMs: 120_000 });
await demo.exited;
const { users } = demoSipUsers(demo.output);
const nodeFlags = [...(args.prof ? ['--cpu-prof', `--cpu-prof-dir=${args.prof}`] : []), ...(args.perf ? ['--perf-basic-prof-only-functions'] : []), ...(args['node-flags'] ? (args['node-flags'] as string).split(' ') : [])];
const proc = new PeerProcess('sotto start', 'node', [...nodeFlags, 'bin/sotto.mjs', 'start'], { cwd: PROJECT_ROOT, env, maxLifetimeMs: 10 * 60_000 });
await proc.waitForOutput(/Portal and API\s+http/, 60_000);
await waitForSip(LOOPBACK, sipPort, 20_000);
const pid = proc.pid as number;
const target = `${LOOPBACK}:${sipPort}`;
const scenario = args.load === 'options' ? 'options' : args.load === 'flood' ? 'register-bad-credentials' : 'register-auth';
const loadUsers = args.load === 'flood' ? users.map((u) => ({ ...u, password: `${u.password}-wrong` })) : users;
const sipp = (calls: number, rate: number) =>
  runSipp({ scenario, target, transport: 'udp', users: loadUsers, calls, rate, concurrency: 400, traceMessages: false, printOnFailure: false, timeoutMs: 60_000, extraArgs: ['-recv_timeout', '5000', '-max_retrans', '2'] });
await runSipp({ scenario: 'register-auth', target, transport: 'udp', users, calls: Number(args.warm), rate: 500, concurrency: 400, traceMessages: false, printOnFailure: false, timeoutMs: 60_000 });

const idleBefore = threadTicks(pid);
await new Promise((r) => setTimeout(r, 2000));
const idleAfter = threadTicks(pid);
let idle = 0;
const idleRows: string[] = [];
for (const [tid, a] of idleAfter) {
  const d = a.ticks - (idleBefore.get(tid)?.ticks ?? 0);
  idle += d;
  if (d > 0) idleRows.push(`  thread ${tid.padEnd(8)} ${a.name.padEnd(18)} ${(d * 10).toString().padStart(6)} ms`);
}
process.stdout.write(`idle: ${idle * 10} ms CPU over 2 s (${idle / 2}% of a core); ${idleAfter.size} threads\n${idleRows.join('\n')}\n`);

// --perf FILE: a CPU-clock sampling profile (kernel and JS frames) of the load window only.
const perf = args.perf ? new PeerProcess('perf', 'perf', ['record', '-e', 'cpu-clock', '-F', '2000', '-g', '-p', String(pid), '-o', args.perf], { cwd: PROJECT_ROOT, maxLifetimeMs: 120_000 }) : undefined;
if (perf) await new Promise((r) => setTimeout(r, 500));
const before = threadTicks(pid);
const run = await sipp(Number(args.calls), Number(args.rate));
const after = threadTicks(pid);
if (perf) await perf.stop('SIGINT', 10_000);
const ok = run.counts.successful;
const elapsed = run.counts.elapsedMs ?? run.wallMs;
process.stdout.write(`${args.load}: ${ok} ok of ${args.calls} at target ${args.rate}/s, achieved ${(ok / (elapsed / 1000)).toFixed(0)}/s\n`);
let total = 0;
const rows: string[] = [];
for (const [tid, a] of after) {
  const d = a.ticks - (before.get(tid)?.ticks ?? 0);
  total += d;
  if (d > 0) rows.push(`  thread ${tid.padEnd(8)} ${a.name.padEnd(18)} ${(d * 10).toString().padStart(6)} ms  ${((d * 10 * 1000) / ok).toFixed(0).padStart(5)} µs/flow`);
}
process.stdout.write(`${rows.join('\n')}\n  total ${total * 10} ms, ${((total * 10 * 1000) / ok).toFixed(0)} µs/flow\n`);
await proc.stop('SIGTERM', 10_000);
rmSync(dataDir, { recursive: true, force: true });
