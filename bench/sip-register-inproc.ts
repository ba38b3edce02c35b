/**
 * The registrar's CPU per registration without sockets or sipp: the real
 * parser, stack, transaction layer, digest, registrar and SQLite location
 * store, driven through an in-memory transport. Where bench/sip-register.ts
 * says how Sotto compares with Kamailio, this one says where Sotto's time
 * goes, with little noise (no loopback, no second process), so each change
 * can be measured alone.
 *
 *   npx tsx bench/sip-register-inproc.ts [registrations] [--options N] [--prof FILE]
 *
 * --prof FILE writes a V8 .cpuprofile of the measured registrations only
 * (sampled every 100 µs; no start-up, no warm-up, no module loading), for
 * bench/sip-cpuprofile-top.ts; --prof-options FILE the same of the OPTIONS.
 *
 * Figures: µs of CPU per registration (REGISTER -> 401 -> REGISTER -> 200,
 * server and the in-process client together), the client's share measured
 * apart and subtracted, and µs per OPTIONS. The client here does what sipp
 * does: parse the 401, compute an MD5 digest, build the second REGISTER.
 */
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSipService } from '../src/app/sip-service.ts';
import { loadConfig } from '../src/app/config.ts';
import { TurnBatchedDestination } from '../src/app/log-destination.ts';
import { createLogger } from '../src/app/logger.ts';
import { openRuntime } from '../src/app/runtime.ts';
import { addDevice, addUser, CLI_ACTOR, createPractice } from '../src/directory/index.ts';
import { createAuthorization, selectChallenge } from '../src/sip/auth/digest-client.ts';
import { parseMessage, type SipResponse } from '../src/sip/message/index.ts';
import type { Transport } from '../src/sip/transport/index.ts';
import { receiveBytes } from '../src/sip/transport/inbound.ts';
import { DEFAULT_PARSE_LIMITS, ok, serializeMessage, type SipMessage } from '../src/sip/message/index.ts';
import type { Destination, TransportAddress, TransportHandler } from '../src/sip/transport/types.ts';
import { startAllocationMeter } from './support/allocated-bytes.ts';

const args = process.argv.slice(2);
const REGS = Number(args.find((a) => /^\d+$/.test(a)) ?? 20_000);
const OPTIONS_N = Number(args[args.indexOf('--options') + 1] ?? 0) || 20_000;
const DOMAIN = 'bench.sotto.test';
const CONCURRENCY = 64;
const PROF = args.includes('--prof') ? args[args.indexOf('--prof') + 1] : undefined;
const PROF_OPTIONS = args.includes('--prof-options') ? args[args.indexOf('--prof-options') + 1] : undefined;
const ALLOC = args.includes('--alloc') ? args[args.indexOf('--alloc') + 1] : undefined;

/**
 * Samples allocations (every 4 KiB, objects the GC has collected since
 * included) while `work` runs: where the young generation's garbage comes
 * from. Summarise with bench/heap-profile-top.ts.
 */
async function allocations<T>(file: string, work: () => Promise<T>): Promise<T> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  const result = await work();
  const { profile } = await session.post('HeapProfiler.stopSampling');
  writeFileSync(file, JSON.stringify(profile));
  session.disconnect();
  return result;
}

/** Samples the CPU while `work` runs and writes the profile to `file` (nothing when file is undefined). */
async function profiled<T>(file: string | undefined, work: () => Promise<T>): Promise<T> {
  if (ALLOC && file === PROF) return allocations(ALLOC, work);
  if (!file) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  const result = await work();
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(file, JSON.stringify(profile));
  session.disconnect();
  return result;
}

/** What the server's UDP socket would be: bytes in, serialized bytes out, by port. */
class MemoryTransport implements Transport {
  readonly protocol = 'UDP' as const;
  readonly reliable = false;
  readonly local: TransportAddress = { address: '127.0.0.1', port: 5060 };
  private handler: TransportHandler | undefined;
  readonly waiting = new Map<number, (bytes: Buffer) => void>();
  start(handler: TransportHandler): Promise<TransportAddress> {
    this.handler = handler;
    return Promise.resolve(this.local);
  }
  inject(bytes: Buffer, port: number): void {
    if (!this.handler) throw new Error('not started');
    receiveBytes(bytes, { protocol: 'UDP', address: '127.0.0.1', port, local: this.local }, {
      limits: DEFAULT_PARSE_LIMITS,
      logger: { debug() {}, warn() {} },
      handler: this.handler,
      reply: (out) => this.deliver(out, port),
    });
  }
  send(data: SipMessage | Buffer, destination: Destination) {
    this.deliver(Buffer.isBuffer(data) ? data : serializeMessage(data), destination.port);
    return Promise.resolve(ok(undefined));
  }
  private deliver(bytes: Buffer, port: number): void {
    const w = this.waiting.get(port);
    if (w) {
      this.waiting.delete(port);
      w(bytes);
    }
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function register(user: string, aor: string, port: number, n: number, cseq: number, authorization?: string): Buffer {
  return Buffer.from(
    `REGISTER sip:${DOMAIN} SIP/2.0\r\n` +
      `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-${n}-${cseq};rport\r\n` +
      'Max-Forwards: 70\r\n' +
      `From: <sip:${aor}@${DOMAIN}>;tag=${n}SIPpTag00${n}\r\n` +
      `To: <sip:${aor}@${DOMAIN}>\r\n` +
      `Call-ID: ${n}-bench@127.0.0.1\r\n` +
      `CSeq: ${cseq} REGISTER\r\n` +
      `Contact: <sip:${aor}@127.0.0.1:5070;transport=UDP>\r\n` +
      (authorization ? `Authorization: ${authorization}\r\n` : '') +
      'Expires: 3600\r\nUser-Agent: sotto-bench\r\nContent-Length: 0\r\n\r\n',
  );
}

function options(port: number, n: number): Buffer {
  return Buffer.from(
    `OPTIONS sip:${DOMAIN} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-o${n};rport\r\nMax-Forwards: 70\r\n` +
      `From: <sip:ping@${DOMAIN}>;tag=o${n}\r\nTo: <sip:${DOMAIN}>\r\nCall-ID: o${n}@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
  );
}

const dataDir = mkdtempSync(join(tmpdir(), 'sotto-bench-reg-'));
const config = loadConfig({ SOTTO_DATA_DIR: dataDir, SOTTO_BIND: '127.0.0.1', SOTTO_HTTP_PORT: '0', SOTTO_SIP_PORT: '0', SOTTO_SIP_TLS_PORT: '0' });
// Logged as `sotto start` logs (lines gathered per turn), to a sink that costs nothing to read.
const rt = await openRuntime(config, createLogger('info', new TurnBatchedDestination(openSync('/dev/null', 'w'))));
const practice = await createPractice(rt.database.db, { name: 'Bench', tier: 'pro', sipDomain: DOMAIN });
const users: Array<{ username: string; password: string; extension: string }> = [];
for (const ext of ['101', '102', '103']) {
  const { user } = await addUser(rt.database.db, practice.id, { email: `u${ext}@bench.example`, displayName: ext, role: 'staff', extension: ext }, CLI_ACTOR);
  const d = await addDevice(rt.database.db, practice.id, user.id, { kind: 'desk_phone' }, CLI_ACTOR);
  users.push({ username: d.device.sipUsername, password: d.sipPassword, extension: ext });
}
const transport = new MemoryTransport();
const service = await startSipService(rt, { transports: [transport] });

/** Sends one request and waits for its answer; each arrival is its own event-loop turn, as from a socket. */
function exchange(bytes: Buffer, port: number): Promise<Buffer> {
  return new Promise((resolve) => {
    transport.waiting.set(port, resolve);
    setImmediate(() => transport.inject(bytes, port));
  });
}

/** The client's half of a registration: what sipp does between the 401 and the second REGISTER. */
function answerChallenge(challenge: Buffer, u: (typeof users)[number], port: number, n: number): Buffer {
  const parsed = parseMessage(challenge);
  if (!parsed.ok || parsed.value.kind !== 'response' || parsed.value.status !== 401) throw new Error('expected 401');
  const c = selectChallenge(parsed.value as SipResponse, ['MD5']);
  const authorization = c && createAuthorization(c, { username: u.username, password: u.password, method: 'REGISTER', uri: `sip:${DOMAIN}` });
  if (!authorization) throw new Error('no challenge');
  return register(u.username, u.extension, port, n, 2, authorization);
}

const challenges: Array<{ bytes: Buffer; n: number; port: number }> = [];
async function registration(n: number, port: number): Promise<void> {
  const u = users[n % users.length]!;
  const challenge = await exchange(register(u.username, u.extension, port, n, 1), port);
  if (challenges.length < 5000) challenges.push({ bytes: challenge, n, port });
  const final = await exchange(answerChallenge(challenge, u, port, n), port);
  const p = parseMessage(final);
  if (!p.ok || p.value.kind !== 'response' || p.value.status !== 200) throw new Error(`expected 200, got ${p.ok && p.value.kind === 'response' ? p.value.status : '?'}`);
}

/** CPU of the client's half alone, per registration, measured over recorded challenges. */
function clientCpuUs(): number {
  const cpu0 = process.cpuUsage();
  for (const c of challenges) answerChallenge(c.bytes, users[c.n % users.length]!, c.port, c.n);
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / challenges.length;
}

/** Wall time spent in garbage collection, summed from the runtime's gc entries. */
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });

/**
 * Numbers every request of every run apart: a request numbered as one of the
 * warm-up's would carry the same Via branch, Call-ID and CSeq, match the
 * warm-up's transaction (still Completed, 32 s) and be answered as a
 * retransmission, without the work this bench is here to measure.
 */
let numbered = 0;

/** KB the JS heap allocated per request of the last run (client included). */
let allocatedKb = 0;

async function run(total: number, one: (n: number, port: number) => Promise<void>): Promise<number> {
  let next = 0;
  const first = numbered;
  numbered += total;
  gcMs = 0;
  const meter = startAllocationMeter();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, lane) => {
      while (next < total) await one(first + next++, 40_000 + lane);
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  allocatedKb = meter.stop() / 1024 / total;
  return (cpu.user + cpu.system) / 1000;
}

// Warm-up: JIT and caches, as a server that has been up for a while.
await run(3000, registration);
const regCpuMs = await profiled(PROF, () => run(REGS, registration));
const regGcMs = gcMs;
const regAllocatedKb = allocatedKb;
// Transactions stay 32 s after their answer (Timer J): what they hold is what every scavenge copies.
const heapMb = process.memoryUsage().heapUsed / 1048576;
clientCpuUs();
const clientPerReg = clientCpuUs();
const optCpuMs = await profiled(PROF_OPTIONS, () =>
  run(OPTIONS_N, async (n, port) => {
    await exchange(options(port, n), port);
  }),
);
const optGcMs = gcMs;
const optAllocatedKb = allocatedKb;
await service.stop();
await rt.close();
rmSync(dataDir, { recursive: true, force: true });

const perReg = (regCpuMs * 1000) / REGS;
process.stdout.write(
  `registrations ${REGS}: ${perReg.toFixed(1)} µs CPU each, of which client ~${clientPerReg.toFixed(1)} µs -> server ~${(perReg - clientPerReg).toFixed(1)} µs; GC pauses ${((regGcMs * 1000) / REGS).toFixed(1)} µs; ${regAllocatedKb.toFixed(1)} KB allocated each (JS heap, client included); heap after ${heapMb.toFixed(0)} MB\n` +
    `OPTIONS ${OPTIONS_N}: ${((optCpuMs * 1000) / OPTIONS_N).toFixed(1)} µs CPU each (server; the client only builds bytes); GC pauses ${((optGcMs * 1000) / OPTIONS_N).toFixed(1)} µs; ${optAllocatedKb.toFixed(1)} KB allocated each\n`,
);
