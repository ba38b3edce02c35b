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
 * Peers, one after the other, never together:
 * - "Node floor": bench/support/node-floor-registrar.mjs, canned replies from
 *   one node:dgram socket with nothing checked or kept: the least any
 *   registrar on this runtime costs (--no-floor skips it).
 * - "K memory": Kamailio with bindings in memory only (usrloc db_mode 0).
 * - "K SQLite": Kamailio writing each binding through to a SQLite location
 *   table before its 200 OK (usrloc db_mode 1, db_sqlite, WAL), as Sotto
 *   commits each binding to SQLite before its 200 OK. db_sqlite sets no
 *   synchronous level, so SQLite's default (FULL: an fsync per commit) applies.
 * - "K SQLite nosync": the same under libeatmydata (fsync a no-op): a commit
 *   reaches the OS and survives a crash of the process, which is the
 *   durability of Sotto's synchronous=NORMAL in WAL mode.
 * The durable peers need the Debian packages kamailio-sqlite-modules and
 * eatmydata; the bench installs them when run as root, and otherwise says
 * which row it could not run (--no-sqlite-peer skips both rows). The
 * output ends with each server's SQLite journal and synchronous settings.
 *
 * Fairness (every server measured the same way):
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
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  eatmydataLibrary,
  kamailioSqliteAvailable,
  processTreeCpuMs,
  runSipp,
  startKamailio,
  startSotto,
  type KamailioServer,
  type SipCredentials,
  type SottoServer,
} from '../test/support/sip-peers.ts';

interface Server {
  name: string;
  target: string;
  /** Root of the server's process tree, for CPU figures; undefined when not ours to see. */
  pid: number | undefined;
  users: SipCredentials[];
  /** Sotto's data dir (its SQLite file is sotto.db there). */
  dataDir?: string;
  /** The floor checks no password, so a failed-auth flood means nothing against it. */
  noFlood?: boolean;
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
    'no-sqlite-peer': { type: 'boolean', default: false },
    'no-floor': { type: 'boolean', default: false },
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
  const flood = server.noFlood ? undefined : await measure(server, 'failed-auth flood 401/403', 'register-bad-credentials', 4000, QUICK ? 1500 : 4000, wrong);
  if (flood) say(fmtStep(flood));
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

/** One column of the side-by-side table: a server's figures and the label to print. */
interface Column {
  label: string;
  figures: ServerFigures | undefined;
}

function printSideBySide(peers: Column[], s: ServerFigures | undefined): void {
  say(`\n== Side by side (${TRANSPORT.toUpperCase()}, loopback, one worker each)`);
  const present = peers.filter((p): p is { label: string; figures: ServerFigures } => p.figures !== undefined);
  const sustainedRates = (f: ServerFigures): number[] => f.registerSteps.filter((x) => x.failed <= x.calls * 0.01).map((x) => x.targetRate);
  // CPU per registration falls with the rate: each pair (a peer and Sotto) is compared over the rates both sustained.
  const pairRates = (peer: ServerFigures): number[] => (s ? sustainedRates(peer).filter((r) => sustainedRates(s).includes(r)) : sustainedRates(peer));
  const W = 16;
  const f = (v: number | undefined, unit: string): string => (v === undefined ? 'n/a' : `${v.toFixed(0)} ${unit}`);
  const ratio = (kv: number | undefined, sv: number | undefined, higherIsBetter: boolean): string =>
    kv !== undefined && sv !== undefined && kv > 0 && sv > 0 ? `${(higherIsBetter ? sv / kv : kv / sv).toFixed(2)}×` : 'n/a';
  say(`${''.padEnd(38)} ${present.map((p) => p.label.padStart(W)).join(' ')} ${'Sotto'.padStart(W)}  ${present.map((p) => `Sotto/${p.label}`.padStart(W)).join(' ')}`);
  const row = (label: string, get: (x: ServerFigures) => number | undefined, unit: string, higherIsBetter: boolean): void => {
    const sv = s ? get(s) : undefined;
    const cells = present.map((p) => f(get(p.figures), unit).padStart(W)).join(' ');
    const ratios = present.map((p) => ratio(get(p.figures), sv, higherIsBetter).padStart(W)).join(' ');
    say(`${label.padEnd(38)} ${cells} ${(s ? f(sv, unit) : 'not available yet').padStart(W)}  ${ratios}`);
  };
  /** Per pair: the peer's and Sotto's CPU per registration over the rates both sustained. */
  const pairRow = (label: string, value: (us: number) => number, unit: string, higherIsBetter: boolean): void => {
    const pairs = present.map((p) => {
      const rates = pairRates(p.figures);
      return { peer: cpuPerRegistration(p.figures, rates), sotto: s ? cpuPerRegistration(s, rates) : undefined };
    });
    const v = (us: number | undefined): number | undefined => (us ? value(us) : undefined);
    const cells = pairs.map((x) => f(v(x.peer), unit).padStart(W)).join(' ');
    const sottoCell = s ? `${pairs.map((x) => (v(x.sotto) === undefined ? 'n/a' : (v(x.sotto) as number).toFixed(0))).join(' | ')} ${unit}` : 'not available yet';
    const ratios = pairs.map((x) => ratio(v(x.peer), v(x.sotto), higherIsBetter).padStart(W)).join(' ');
    say(`${label.padEnd(38)} ${cells} ${sottoCell.padStart(W)}  ${ratios}`);
  };
  row('REGISTER+digest, best sustained', (x) => sustained(x.registerSteps)?.ratePerSec, '/s', true);
  pairRow('CPU per registration (2 REGISTERs) *', (us) => us, 'µs', false);
  pairRow('one-core capacity (1 s / CPU per reg) *', (us) => 1e6 / us, '/s', true);
  row('OPTIONS', (x) => x.options?.ratePerSec, '/s', true);
  row('CPU per OPTIONS', (x) => x.options?.cpuUsPerFlow, 'µs', false);
  row('CPU per failed-auth flow', (x) => x.flood?.cpuUsPerFlow, 'µs', false);
  row('failed-auth flood answered', (x) => x.flood?.ratePerSec, '/s', true);
  const idle = (x: ServerFigures | undefined): string => (x?.idlePct !== undefined ? `${x.idlePct.toFixed(1)}%` : 'n/a');
  say(`(idle CPU before the steps, % of a core: ${[...present.map((p) => `${p.label} ${idle(p.figures)}`), `Sotto ${idle(s)}`].join(', ')}.`);
  say(` * per pair, over the rates both the peer and Sotto sustained: ${present.map((p) => `${p.label} ${pairRates(p.figures).join(', ') || 'none'}/s`).join('; ')};`);
  say('   Sotto\'s cell lists its own figure over each pair\'s rates, in column order.');
  say(' ratio > 1 means Sotto is ahead: more per second, or less CPU per flow.');
  say(' When "server CPU" stays well under 100%, sipp was the limit and the CPU figures are the comparison.)');
}

const SYNCHRONOUS = ['OFF', 'NORMAL', 'FULL', 'EXTRA'];

/** Journal mode from a SQLite file's header (bytes 18-19: 2 and 2 for WAL). */
function journalModeOfFile(file: string): string {
  try {
    const h = readFileSync(file).subarray(18, 20);
    return h[0] === 2 && h[1] === 2 ? 'WAL' : 'rollback journal';
  } catch {
    return 'unknown (no database file)';
  }
}

/** What each server does with a binding before its 200 OK, and with which SQLite settings. */
function printDurability(durable: DurableRun[], sotto: Server | undefined): void {
  say('\n== Where bindings go before the 200 OK');
  say('K memory: usrloc db_mode 0, bindings in shared memory only (lost on restart).');
  for (const d of durable) {
    if (typeof d.db === 'string' || d.db === undefined) {
      say(`${d.label}: not run: ${d.db ?? 'no database'}.`);
      continue;
    }
    const sync = d.db.synchronous !== undefined ? `${d.db.synchronous} (${SYNCHRONOUS[d.db.synchronous] ?? '?'})` : "libsqlite3's default";
    say(
      `${d.label}: usrloc db_mode 1, each change written through (one autocommit INSERT or UPDATE) to a db_sqlite location table before the reply; ` +
        `journal_mode=${d.db.journalMode}, synchronous=${sync} (db_sqlite sets only the journal mode; this is libsqlite3's default for a new connection)` +
        (d.db.fsync ? ', so each commit waits for an fsync.' : '; run under libeatmydata, so fsync does nothing: a commit reaches the OS and survives a crash of the process, not a power loss, as with synchronous=NORMAL in WAL mode.'),
    );
  }
  if (sotto) {
    say(
      `Sotto: bindings in memory, committed to SQLite (sotto.db) in group commits before the 200 OK goes out (CachedLocationStore); ` +
        `journal_mode=${sotto.dataDir ? journalModeOfFile(join(sotto.dataDir, 'sotto.db')) : 'unknown'}, synchronous=NORMAL (src/db/connection.ts): ` +
        'in WAL mode a commit reaches the OS without an fsync (fsyncs happen at checkpoints); it survives a crash of the process, and a power loss may undo the last commits.',
    );
  }
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
  return { name: 'Sotto', target: sotto.target, pid: sotto.pid, users: sotto.users, stop: sotto.stop, dataDir: sotto.dataDir };
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
  const peers: Column[] = [];
  const durable: DurableRun[] = [];
  try {
    if (!args['no-floor']) peers.push({ label: 'Node floor', figures: await benchFloor(users) });
    peers.push({ label: 'K memory', figures: await benchKamailio('Kamailio (children=1, usrloc in memory)', users, 'memory', true) });
    if (!args['no-sqlite-peer']) {
      if (!kamailioSqliteAvailable() || !eatmydataLibrary()) preflightPackages();
      for (const fsync of [true, false]) {
        const label = fsync ? 'K SQLite' : 'K SQLite nosync';
        const missing = !kamailioSqliteAvailable() ? 'db_sqlite is not installed (apt-get install kamailio-sqlite-modules)' : !fsync && !eatmydataLibrary() ? 'libeatmydata is not installed (apt-get install eatmydata)' : undefined;
        if (missing) {
          durable.push({ label, db: missing });
          peers.push({ label, figures: undefined });
          continue;
        }
        const name = `Kamailio (children=1, usrloc written through to SQLite${fsync ? '' : ', fsync skipped'})`;
        const run = await benchKamailio(name, users, 'sqlite', fsync);
        durable.push({ label, db: run.locationDb });
        peers.push({ label, figures: run });
      }
    }
    const s = sotto ? await benchServer(sotto) : undefined;
    printSideBySide(peers, s);
    printDurability(durable, sotto);
  } finally {
    await sotto?.stop();
  }
}

interface DurableRun {
  label: string;
  /** The SQLite file's settings, or why the row could not run. */
  db: KamailioServer['locationDb'] | string;
}

/** Starts one Kamailio, runs every step against it, stops it (the servers never run together). */
async function benchKamailio(name: string, users: SipCredentials[], locationDb: 'memory' | 'sqlite', fsync: boolean): Promise<ServerFigures & { locationDb: KamailioServer['locationDb'] }> {
  const kam = await startKamailio({ users, children: 1, debug: -1, locationDb, fsync });
  try {
    const figures = await benchServer({ name, target: kam.target, pid: kam.pid, users, stop: kam.stop });
    if (locationDb === 'sqlite' && kam.locationDb) {
      const rows = countRows(kam.locationDb.file);
      say(`location rows in Kamailio's SQLite file after the steps: ${rows ?? 'n/a'} (one per registered contact)`);
    }
    return { ...figures, locationDb: kam.locationDb };
  } finally {
    await kam.stop();
  }
}

/**
 * The floor: bench/support/node-floor-registrar.mjs, the least a registrar on
 * node:dgram does (copy five headers, send a canned 401 or 200; no digest,
 * no state, no database). Sotto's CPU per registration minus this one's is
 * what Sotto's registrar adds; this one's beside Kamailio's is what the
 * runtime alone costs.
 */
async function benchFloor(users: SipCredentials[]): Promise<ServerFigures> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'support', 'node-floor-registrar.mjs'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      const m = /ready (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`the floor registrar exited (${code ?? 'signal'})`)));
  });
  try {
    return await benchServer({ name: 'Node floor (node:dgram, canned replies, nothing checked)', target: `127.0.0.1:${port}`, pid: child.pid, users, noFlood: true, stop: async () => undefined });
  } finally {
    child.kill('SIGTERM');
  }
}

function countRows(file: string): number | undefined {
  const r = spawnSync('sqlite3', [file, 'SELECT count(*) FROM location;'], { encoding: 'utf8', timeout: 5000 });
  return r.status === 0 ? Number(r.stdout.trim()) : undefined;
}

/**
 * The like-for-like peers need Kamailio's SQLite driver and libeatmydata,
 * which the test suite does not: installed here, for the bench only, when we may.
 */
function preflightPackages(): void {
  const wanted = [...(kamailioSqliteAvailable() ? [] : ['kamailio-sqlite-modules']), ...(eatmydataLibrary() ? [] : ['eatmydata'])];
  say(`Kamailio with SQLite bindings needs ${wanted.join(' and ')} (Debian), not installed.`);
  if (process.getuid?.() !== 0) {
    say(`Not root: \`apt-get install ${wanted.join(' ')}\` to get those rows.`);
    return;
  }
  say(`Installing: apt-get install -y ${wanted.join(' ')}`);
  const r = spawnSync('apt-get', ['install', '-y', ...wanted], { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 300_000 });
  if (r.status !== 0) say(`apt-get failed (exit ${r.status ?? 'timeout'}): ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' / ')}`);
}

await main();
