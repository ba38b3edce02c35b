// Call setups per second through the B2BUA, by Sotto's own CPU: `sotto
// start` (real database, registrar, B2BUA, media relay) with sipp as the
// caller (INVITE, 407, INVITE with digest, 180, 200, ACK, BYE) and sipp as
// the callee (registered, answers, hears the BYE), bounded in rate and
// concurrency. Printed per run: calls completed, setups/s by the wall clock
// and by the Sotto server process's CPU (utime+stime of every thread: main,
// relay workers, V8's GC and compiler threads; not the esbuild service
// that loads Sotto's TypeScript at start, nor festival rendering greetings at start), i.e. per core; the
// retransmissions either sipp saw (a retransmission means Sotto was late,
// and costs it CPU twice); the busiest threads' CPU a call.
//
// A warm-up batch runs first on the same server (JIT, caches, SQLite pages),
// then the measured batch; the runs are separate servers. The warm-up is
// 2,000 calls: after 200 (the old default) V8 was still optimizing the call
// path on its helper threads during the measured batch, about a third of
// the process's CPU then (0.3 ms a call on each of 4 threads, against
// 0.1-0.15 after 1,500), which a server that has run for a minute no longer
// pays. BENCH_SETUP_WARMUP=200 gives the old figure.
//
//   npx tsx bench/call-setups.ts
//   BENCH_SETUPS=1000 BENCH_SETUP_RUNS=3 BENCH_SETUP_RATE=400 BENCH_SETUP_WARMUP=2000
//   BENCH_SETUP_PROFILE=/tmp/prof  (V8 CPU profile of the server's main thread, measured batch only)
//   BENCH_SETUP_PERF=/tmp/perf.data  (perf record of the server process, measured batch only)
//   BENCH_SETUP_PIN=1  (Sotto on CPU 0, this bench and its sipps on CPU 1: see pinToCpu)
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freeSipPort, processTree, processTreeCpuMs, runSipp, startSotto, type SipCredentials } from '../test/support/sip-peers.ts';

const PROFILER = fileURLToPath(new URL('./support/cpu-profile-on-signal.mjs', import.meta.url));

/**
 * The server itself: the node process under npx (its name is "node"; npx's
 * is "npm exec …"). Its CPU is the figure: the tree also holds festival's
 * text2wave while the voicemail greetings are rendered at start, which is
 * not call work.
 */
function serverPid(root: number): number | undefined {
  return processTree(root).find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'node';
    } catch {
      return false;
    }
  });
}

function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Whether festival (text2wave) is still rendering greetings under the server (the esbuild service may still be up: scripts/ts-hooks.mjs stops it 2 s after the last load). */
function rendering(pid: number): boolean {
  return processTree(pid).some((p) => {
    try {
      return /text2wave|festival|flite/.test(readFileSync(`/proc/${p}/comm`, 'utf8'));
    } catch {
      return false;
    }
  });
}

/** proc(5): utime and stime, fields 14 and 15 of a stat line, in clock ticks (100 a second on Linux). */
function statCpuMs(path: string): number {
  const { user, system } = statUserSystemMs(path);
  return user + system;
}

/** proc(5): utime (in user space) and stime (in the kernel: system calls, softirqs run for it) apart, in ms. */
function statUserSystemMs(path: string): { user: number; system: number } {
  const stat = readFileSync(path, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(rest[11]) * 10, system: Number(rest[12]) * 10 };
}

/**
 * Times the thread went to sleep and was woken (voluntary context switches,
 * proc(5) status): each is an event-loop wake-up, which on a virtual
 * machine costs tens of microseconds of CPU beside the work it wakes for.
 */
function wakeUps(path: string): number {
  try {
    return Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(path, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** CPU ms of each thread of the server, by thread id ("main", and "node/<tid>": Node names its workers "node" too). */
function threadCpuMs(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(tid === String(pid) ? 'main' : `${readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()}/${tid}`, statCpuMs(`/proc/${pid}/task/${tid}/stat`));
    } catch {
      continue;
    }
  }
  return out;
}

export interface SetupRun {
  ok: number;
  calls: number;
  wallPerS: number;
  cpuPerS: number;
  cpuMsPerCall: number;
  retransmissions: number;
  /** CPU ms a call of the whole process tree (npx, festival rendering greetings at start …). */
  treeMsPerCall: number;
  /** CPU ms a call by thread name (main thread, relay worker, libuv pool …). */
  threads: string;
  /** Wake-ups a call of the server's main thread and of the native relay process. */
  mainWakeUps: number;
  /** The main thread's CPU ms a call in the kernel (system calls, loopback delivery run for it). */
  mainKernelMs: number;
  relayWakeUps: number;
}

export interface SetupOptions {
  calls: number;
  rate: number;
  concurrency: number;
  warmup: number;
  /** A folder for node's --cpu-prof of the server (profiles the whole server life, warm-up included). */
  profileDir?: string;
  /** Sotto's process tree on CPU 0, this bench and the sipps it starts on CPU 1. */
  pin?: boolean;
}

/**
 * taskset(1) every thread of each process onto one CPU. Pinned, Sotto has a
 * core of its own and the sipps the other: the per-core figure is then not
 * swollen by the peers' load evicting Sotto's caches between datagrams or
 * migrating its threads, and under a rate Sotto cannot sustain the wall
 * rate is its capacity on that core.
 */
function pinToCpu(pids: number[], cpu: number): boolean {
  return pids.every((pid) => spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' }).status === 0);
}

export function setupOptionsFromEnv(): SetupOptions {
  const profileDir = process.env.BENCH_SETUP_PROFILE;
  return {
    calls: Math.min(10_000, Number(process.env.BENCH_SETUPS ?? 1000)),
    rate: Number(process.env.BENCH_SETUP_RATE ?? 400),
    concurrency: Number(process.env.BENCH_SETUP_CONCURRENCY ?? 50),
    warmup: Number(process.env.BENCH_SETUP_WARMUP ?? 2000),
    pin: process.env.BENCH_SETUP_PIN === '1',
    ...(profileDir ? { profileDir } : {}),
  };
}

/** One server, a warm-up batch, then the measured batch; a reason (string) when it cannot run. */
export async function measureCallSetups(o: SetupOptions): Promise<SetupRun | string> {
  const savedNodeOptions = process.env.NODE_OPTIONS;
  if (o.profileDir) {
    process.env.NODE_OPTIONS = `${savedNodeOptions ?? ''} --import=${PROFILER}`.trim();
    process.env.BENCH_CPU_PROFILE_DIR = o.profileDir;
  }
  let sotto: Awaited<ReturnType<typeof startSotto>>;
  try {
    sotto = await startSotto({ sipWaitMs: 10_000 });
  } finally {
    if (savedNodeOptions === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = savedNodeOptions;
  }
  try {
    if (!sotto.sipAnswering || sotto.pid === undefined) return 'skipped: Sotto did not answer SIP';
    const [from, to] = sotto.users;
    if (!from || !to) return 'skipped: demo has fewer than two extensions';
    const port = await freeSipPort();
    const reg = await runSipp({ scenario: 'register-auth', target: sotto.target, ...to, localPort: port, printOnFailure: false });
    if (!reg.ok) return 'skipped: callee did not register';
    const pid = serverPid(sotto.pid);
    if (pid === undefined) return 'skipped: no server process found under npx';
    if (o.pin && !(pinToCpu([process.pid], 1) && pinToCpu(processTree(sotto.pid), 0))) return 'skipped: taskset could not pin (needs two CPUs)';
    // The voicemail greetings are rendered by festival at start (seconds of CPU on a busy box): not during the measurement.
    for (let i = 0; i < 1500 && rendering(pid); i++) await new Promise((r) => setTimeout(r, 200));
    if (o.warmup > 0) await batch(sotto.target, from, to, port, o.warmup, o);
    if (o.profileDir) process.kill(pid, 'SIGUSR2');
    const cpu0 = statCpuMs(`/proc/${pid}/stat`);
    const kernel0 = statUserSystemMs(`/proc/${pid}/task/${pid}/stat`).system;
    // BENCH_SETUP_PERF=file: perf(1)'s samples of the whole server process over the measured batch (kernel and native frames too).
    const perf = process.env.BENCH_SETUP_PERF ? spawn('perf', ['record', '-F', '1999', '-g', '-p', String(pid), '-o', process.env.BENCH_SETUP_PERF], { stdio: 'ignore' }) : undefined;
    const tree0 = processTreeCpuMs(sotto.pid);
    const threads0 = threadCpuMs(pid);
    const relayPid = processTree(pid).find((p) => p !== pid && commOf(p).startsWith('sotto-relay'));
    const wakes0 = [wakeUps(`/proc/${pid}/status`), relayPid ? wakeUps(`/proc/${relayPid}/status`) : 0];
    const r = await batch(sotto.target, from, to, port, o.calls, o);
    const cpuMs = statCpuMs(`/proc/${pid}/stat`) - cpu0;
    const kernelMs = statUserSystemMs(`/proc/${pid}/task/${pid}/stat`).system - kernel0;
    if (perf) {
      perf.kill('SIGINT');
      await new Promise((resolve) => perf.once('exit', resolve));
    }
    const treeMs = processTreeCpuMs(sotto.pid) - tree0;
    const wakes = [wakeUps(`/proc/${pid}/status`) - wakes0[0]!, relayPid ? wakeUps(`/proc/${relayPid}/status`) - wakes0[1]! : 0];
    const threads = [...threadCpuMs(pid)]
      .map(([name, ms]) => [name, ms - (threads0.get(name) ?? 0)] as const)
      .filter(([, ms]) => ms > 0)
      .sort((a, b) => b[1] - a[1])
      .slice(0, Number(process.env.BENCH_SETUP_THREADS ?? 5));
    if (o.profileDir) {
      process.kill(pid, 'SIGUSR2');
      // The profile is written from the server's event loop.
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    return {
      ok: r.ok,
      calls: o.calls,
      wallPerS: r.ok / r.wallS,
      cpuPerS: (r.ok * 1000) / Math.max(1, cpuMs),
      cpuMsPerCall: cpuMs / Math.max(1, r.ok),
      retransmissions: r.retransmissions,
      treeMsPerCall: treeMs / Math.max(1, r.ok),
      threads: threads.map(([name, ms]) => `${name} ${(ms / Math.max(1, r.ok)).toFixed(2)}`).join(', '),
      mainWakeUps: wakes[0]! / Math.max(1, r.ok),
      mainKernelMs: kernelMs / Math.max(1, r.ok),
      relayWakeUps: wakes[1]! / Math.max(1, r.ok),
    };
  } finally {
    await sotto.stop();
  }
}

async function batch(target: string, from: SipCredentials, to: SipCredentials, calleePort: number, calls: number, o: SetupOptions): Promise<{ ok: number; wallS: number; retransmissions: number }> {
  const timeoutMs = 120_000;
  const callee = runSipp({ scenario: 'callee-answer', target, ...to, localPort: calleePort, calls, timeoutMs, traceMessages: false, printOnFailure: false });
  // The callee's sipp binds its socket (the port its REGISTER came from) before the first INVITE.
  await new Promise((r) => setTimeout(r, 300));
  const caller = await runSipp({
    scenario: 'call-bye',
    target,
    ...from,
    calls,
    rate: o.rate,
    concurrency: o.concurrency,
    timeoutMs,
    traceMessages: false,
    printOnFailure: false,
    extraArgs: ['-key', 'callee', to.username, '-auth_uri', `${to.username}@${to.domain}`],
  });
  const answered = await callee;
  return {
    ok: caller.counts.successful,
    wallS: (caller.counts.elapsedMs ?? caller.wallMs) / 1000,
    retransmissions: caller.counts.retransmissions + answered.counts.retransmissions,
  };
}

/** The row bench/calls.ts prints. */
export function describeSetupRun(r: SetupRun | string): string[] {
  if (typeof r === 'string') return ['setups', r];
  return [
    `${r.ok} of ${r.calls} calls set up and torn down`,
    `${r.wallPerS.toFixed(0)} /s wall`,
    `${r.cpuPerS.toFixed(0)} /s per core (Sotto process CPU ${r.cpuMsPerCall.toFixed(2)} ms a call)`,
    `${r.retransmissions} retransmissions`,
    `process tree ${r.treeMsPerCall.toFixed(2)} ms a call`,
    `CPU ms a call by thread: ${r.threads} (main in the kernel ${r.mainKernelMs.toFixed(2)})`,
    `wake-ups a call: main thread ${r.mainWakeUps.toFixed(1)}, native relay ${r.relayWakeUps.toFixed(1)}`,
  ];
}

async function main(): Promise<void> {
  const o = setupOptionsFromEnv();
  const runs = Math.max(1, Number(process.env.BENCH_SETUP_RUNS ?? 3));
  console.log(`call setups through the B2BUA: ${runs} runs of ${o.calls} calls (warm-up ${o.warmup}), rate ${o.rate}/s, at most ${o.concurrency} at once${o.pin ? ', Sotto pinned to CPU 0 and the sipps to CPU 1' : ''}`);
  const perCore: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await measureCallSetups(o);
    console.log(`  run ${i + 1}: ${describeSetupRun(r).join(' | ')}`);
    if (typeof r !== 'string') perCore.push(r.cpuPerS);
  }
  if (perCore.length > 0) console.log(`setups/s per core (Sotto CPU): ${Math.min(...perCore).toFixed(0)}-${Math.max(...perCore).toFixed(0)} over ${perCore.length} runs`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
