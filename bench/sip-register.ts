/**
 * SIP registrar benchmark: the same sipp load against Kamailio and Sotto,
 * side by side, on loopback, each server on one worker (one core).
 *
 *   npx tsx bench/sip-register.ts                 both servers, started here
 *   npx tsx bench/sip-register.ts --quick         fewer calls per step
 *   npx tsx bench/sip-register.ts --transport tcp one TCP connection instead of one UDP socket
 *   npx tsx bench/sip-register.ts --target 127.0.0.1:5060 --users users.csv [--pid N]
 *                                                 one server already running
 *
 * Loads (sipp 3.6 over UDP, or TCP, one socket, as one busy NAT address would send):
 * - REGISTER with digest auth (REGISTER -> 401 -> REGISTER+Authorization ->
 *   200) at increasing rates; one "registration" is those two transactions.
 * - OPTIONS pings.
 * - A failed-auth flood: the same flow with a wrong password (401/403 expected).
 * Figures: achieved rate (completed flows per second of traffic, by sipp's
 * clock), failures, and the server's CPU time per flow read from
 * /proc/<pid>/stat (utime+stime of the server and its children, before and
 * after). Loops are bounded in count (at most ~20k registrations per server)
 * and time.
 *
 * Fairness (both servers measured the same way):
 * - CPU is the whole process tree, every thread of every process: Kamailio's
 *   main, UDP worker, TCP worker and timer processes (children=1: one UDP
 *   worker, one core); Sotto's node process (main thread, GC and compiler
 *   helper threads, workers) and the idle npx above it.
 * - Same sipp binary, scenarios, users (Sotto's demo extensions), rates and
 *   call counts; the servers run one after the other, never together.
 * - Before measuring, each server must be quiet (under 3% of a core over 1 s:
 *   Sotto renders its voice prompts with an offline TTS child right after
 *   start); its idle CPU is printed, and is part of every step's figure,
 *   for both (a busy phone system pays it too).
 * - "CPU per registration" is compared over the rates both servers
 *   sustained (at most 1% failures), since CPU per flow falls as the rate
 *   rises (fewer sleeps and wake-ups per datagram).
 *
 * users.csv: one "username;password;domain" per line.
 *
 * On a 2-core machine sipp itself (MD5 digests, one socket) tops out near
 * 2,000 registrations/s, well before a one-worker Kamailio does (its "server
 * CPU" stays near 20%): the rates then measure sipp, and CPU per flow is the
 * figure to compare.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { processTreeCpuMs, runSipp, startKamailio, startSotto, type SipCredentials, type SottoServer } from '../test/support/sip-peers.ts';

interface Server {
  name: string;
  target: string;
  /** Root of the server's process tree, for CPU figures; undefined when not ours to see. */
  pid: number | undefined;
  users: SipCredentials[];
  stop(): Promise<void>;
}

interface Step {
  load: string;
  targetRate: number;
  calls: number;
  ok: number;
  failed: number;
  ratePerSec: number;
  cpuUsPerFlow: number | undefined;
  /** Server CPU over the step's traffic time, in % of one core: near 100 means the server, not sipp, was the limit. */
  serverCpuPct: number | undefined;
}

interface ServerFigures {
  name: string;
  /** Idle CPU before the steps, in % of one core. */
  idlePct: number | undefined;
  registerSteps: Step[];
  options: Step | undefined;
  flood: Step | undefined;
}

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    target: { type: 'string' },
    users: { type: 'string' },
    pid: { type: 'string' },
    'max-rate': { type: 'string' },
    transport: { type: 'string', default: 'udp' },
  },
});
const TRANSPORT = args.transport === 'tcp' ? 'tcp' : 'udp';
const QUICK = args.quick ?? false;
const REGISTER_RATES = [500, 1000, 2000, 4000, 8000].filter((r) => r <= Number(args['max-rate'] ?? Infinity));
/** At most 6000 per step and 19,000 in all with the rates above. */
const callsAt = (rate: number): number => Math.min(Math.max(rate * 2, 1000), QUICK ? 1500 : 6000);
const CONCURRENCY = 400;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function readUsersCsv(path: string): SipCredentials[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && l !== 'SEQUENTIAL' && l !== 'RANDOM')
    .map((l) => {
      const [username = '', password = '', domain = ''] = l.split(';');
      return { username, password, domain };
    });
}

function generatedUsers(n: number): SipCredentials[] {
  return Array.from({ length: n }, (_, i) => ({ username: `bench${1000 + i}`, password: `Bench-pw-${i}-x9`, domain: 'bench.sotto.test' }));
}

async function measure(server: Server, load: string, scenario: string, rate: number, calls: number, users: SipCredentials[]): Promise<Step> {
  const cpuBefore = server.pid !== undefined ? processTreeCpuMs(server.pid) : undefined;
  const run = await runSipp({
    scenario,
    target: server.target,
    transport: TRANSPORT,
    users,
    calls,
    rate,
    concurrency: CONCURRENCY,
    traceMessages: false,
    printOnFailure: false,
    // Bounded: the planned duration plus slack for a slow server.
    timeoutMs: Math.min(60_000, (calls / rate) * 1000 * 3 + 10_000),
    // A lost answer is a failure to count, not something to wait out.
    extraArgs: ['-recv_timeout', '5000', '-max_retrans', '2'],
  });
  const cpuAfter = server.pid !== undefined ? processTreeCpuMs(server.pid) : undefined;
  const ok = run.counts.successful;
  const elapsedMs = run.counts.elapsedMs ?? run.wallMs;
  return {
    serverCpuPct: cpuBefore !== undefined && cpuAfter !== undefined ? ((cpuAfter - cpuBefore) / elapsedMs) * 100 : undefined,
    load,
    targetRate: rate,
    calls,
    ok,
    failed: calls - ok,
    ratePerSec: ok / (elapsedMs / 1000),
    cpuUsPerFlow: cpuBefore !== undefined && cpuAfter !== undefined && ok > 0 ? ((cpuAfter - cpuBefore) * 1000) / ok : undefined,
  };
}

function fmtStep(s: Step): string {
  const cpu = s.cpuUsPerFlow !== undefined ? `${s.cpuUsPerFlow.toFixed(0)} µs` : 'n/a';
  const pct = s.serverCpuPct !== undefined ? `${s.serverCpuPct.toFixed(0)}%` : 'n/a';
  return `${s.load.padEnd(28)} target ${String(s.targetRate).padStart(5)}/s  achieved ${s.ratePerSec.toFixed(0).padStart(5)}/s  ok ${String(s.ok).padStart(5)}  failed ${String(s.failed).padStart(5)}  CPU/flow ${cpu.padStart(7)}  server CPU ${pct.padStart(4)}`;
}

/** Waits (at most 60 s) until the server uses under 3% of a core over 1 s; returns the last idle figure. */
async function settle(server: Server): Promise<number | undefined> {
  if (server.pid === undefined) return undefined;
  let pct = Infinity;
  for (let i = 0; i < 60 && pct > 3; i++) {
    const before = processTreeCpuMs(server.pid);
    await new Promise((r) => setTimeout(r, 1000));
    pct = (processTreeCpuMs(server.pid) - before) / 10;
  }
  return pct;
}

async function benchServer(server: Server): Promise<ServerFigures> {
  say(`\n== ${server.name} (${server.target}, ${server.users.length} users)`);
  const idlePct = await settle(server);
  if (idlePct !== undefined) say(`idle CPU before the steps: ${idlePct.toFixed(1)}% of a core`);
  // Warm-up, not counted: a server that has been up a while (JIT-compiled,
  // caches filled), which is what phones meet; a fresh Node process spends
  // its first thousand registrations compiling.
  await measure(server, 'warm-up', 'register-auth', 500, QUICK ? 500 : 1000, server.users);
  const registerSteps: Step[] = [];
  for (const rate of REGISTER_RATES) {
    const step = await measure(server, 'REGISTER+digest', 'register-auth', rate, callsAt(rate), server.users);
    say(fmtStep(step));
    registerSteps.push(step);
    // Past saturation more load only measures sipp and the kernel's queues.
    if (step.failed > step.calls * 0.01 || step.ratePerSec < rate * 0.8) break;
  }
  const optionsCalls = QUICK ? 2000 : 6000;
  const options = await measure(server, 'OPTIONS', 'options', 6000, optionsCalls, server.users);
  say(fmtStep(options));
  const wrong = server.users.map((u) => ({ ...u, password: `${u.password}-wrong` }));
  const flood = await measure(server, 'failed-auth flood 401/403', 'register-bad-credentials', 4000, QUICK ? 1500 : 4000, wrong);
  say(fmtStep(flood));
  return { name: server.name, idlePct, registerSteps, options, flood };
}

/** The highest achieved rate of a step with at most 1% failures. */
function sustained(steps: Step[]): Step | undefined {
  return steps.filter((s) => s.failed <= s.calls * 0.01).sort((a, b) => b.ratePerSec - a.ratePerSec)[0];
}

/** CPU per registration over the steps at `rates` (the rates both servers sustained). */
function cpuPerRegistration(f: ServerFigures, rates: readonly number[]): number | undefined {
  const steps = f.registerSteps.filter((s) => s.failed <= s.calls * 0.01 && s.cpuUsPerFlow !== undefined && rates.includes(s.targetRate));
  if (steps.length === 0) return undefined;
  return steps.reduce((sum, s) => sum + (s.cpuUsPerFlow ?? 0) * s.ok, 0) / steps.reduce((sum, s) => sum + s.ok, 0);
}

function printSideBySide(k: ServerFigures, s: ServerFigures | undefined): void {
  say(`\n== Side by side (${TRANSPORT.toUpperCase()}, loopback, one worker each)`);
  const row = (label: string, kv: number | undefined, sv: number | undefined, unit: string, higherIsBetter: boolean): void => {
    const f = (v: number | undefined): string => (v === undefined ? 'n/a' : `${v.toFixed(0)} ${unit}`);
    const ratio = kv !== undefined && sv !== undefined && kv > 0 && sv > 0 ? `${(higherIsBetter ? sv / kv : kv / sv).toFixed(2)}×` : 'n/a';
    say(`${label.padEnd(38)} ${f(kv).padStart(14)} ${(s ? f(sv) : 'not available yet').padStart(18)}  ${ratio.padStart(7)}`);
  };
  const sustainedRates = (f: ServerFigures): number[] => f.registerSteps.filter((x) => x.failed <= x.calls * 0.01).map((x) => x.targetRate);
  const common = s ? sustainedRates(k).filter((r) => sustainedRates(s).includes(r)) : sustainedRates(k);
  say(`${''.padEnd(38)} ${'Kamailio'.padStart(14)} ${'Sotto'.padStart(18)}  ${'Sotto/K'.padStart(7)}`);
  row('REGISTER+digest, best sustained', sustained(k.registerSteps)?.ratePerSec, s && sustained(s.registerSteps)?.ratePerSec, '/s', true);
  row('CPU per registration (2 REGISTERs)', cpuPerRegistration(k, common), s && cpuPerRegistration(s, common), 'µs', false);
  const capacity = (f: ServerFigures | undefined): number | undefined => {
    const us = f && cpuPerRegistration(f, common);
    return us ? 1e6 / us : undefined;
  };
  row('one-core capacity (1 s / CPU per reg)', capacity(k), capacity(s), '/s', true);
  row('OPTIONS', k.options?.ratePerSec, s?.options?.ratePerSec, '/s', true);
  row('CPU per OPTIONS', k.options?.cpuUsPerFlow, s?.options?.cpuUsPerFlow, 'µs', false);
  row('CPU per failed-auth flow', k.flood?.cpuUsPerFlow, s?.flood?.cpuUsPerFlow, 'µs', false);
  row('failed-auth flood answered', k.flood?.ratePerSec, s?.flood?.ratePerSec, '/s', true);
  const idle = (f: ServerFigures | undefined): string => (f?.idlePct !== undefined ? `${f.idlePct.toFixed(1)}%` : 'n/a');
  say(`(idle CPU before the steps, % of a core: Kamailio ${idle(k)}, Sotto ${idle(s)}.`);
  say(` CPU per registration over the rates both sustained: ${common.join(', ')}/s.`);
  say(' ratio > 1 means Sotto is ahead: more per second, or less CPU per flow.');
  say(' When "server CPU" stays well under 100%, sipp was the limit and the CPU figures are the comparison.)');
}

async function startSottoForBench(): Promise<Server | undefined> {
  let sotto: SottoServer;
  try {
    sotto = await startSotto({ sipWaitMs: 20_000, maxLifetimeMs: 15 * 60_000 });
  } catch (err) {
    say(`Sotto: not available yet (${(err as Error).message.split('\n')[0]})`);
    return undefined;
  }
  if (!sotto.sipAnswering) {
    say(`Sotto: not available yet (nothing answered OPTIONS on ${sotto.target} within 20 s)`);
    await sotto.stop();
    return undefined;
  }
  return { name: 'Sotto', target: sotto.target, pid: sotto.pid, users: sotto.users, stop: sotto.stop };
}

async function main(): Promise<void> {
  say(`SIP registrar benchmark${QUICK ? ' (quick)' : ''}: sipp 3.6, ${TRANSPORT.toUpperCase()} on loopback, digest MD5 qop=auth`);
  if (args.target) {
    if (!args.users) throw new Error('--target needs --users users.csv');
    const server: Server = {
      name: args.target,
      target: args.target,
      pid: args.pid ? Number(args.pid) : undefined,
      users: readUsersCsv(args.users),
      stop: async () => undefined,
    };
    await benchServer(server);
    return;
  }

  const sotto = await startSottoForBench();
  // Kamailio gets the same credentials as Sotto when Sotto is there.
  const users = sotto?.users ?? (args.users ? readUsersCsv(args.users) : generatedUsers(1000));
  const kam = await startKamailio({ users, children: 1, debug: -1 });
  const kamailio: Server = { name: 'Kamailio (children=1)', target: kam.target, pid: kam.pid, users, stop: kam.stop };
  try {
    const k = await benchServer(kamailio);
    await kamailio.stop();
    const s = sotto ? await benchServer(sotto) : undefined;
    printSideBySide(k, s);
  } finally {
    await kamailio.stop();
    await sotto?.stop();
  }
}

await main();
