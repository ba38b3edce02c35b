/**
 * The B2BUA's CPU per call setup without sockets or sipp: the real parser,
 * stack, transactions, digest, B2BUA, SQLite reads, call records, logger and
 * media relay (its native plane, a child process whose CPU is counted),
 * driven through an in-memory UDP transport by a caller and a callee that
 * do what bench/call-setups.ts's sipp scenarios do: INVITE, 407, ACK,
 * INVITE with digest, (the callee: 180, 200), ACK, BYE, 200.
 *
 * Where bench/call-setups.ts gives the figure of issue #6 (with loopback
 * UDP and sipp beside Sotto on a shared machine, which swings run to run),
 * this one says where the B2BUA's own time goes with little noise, so each
 * change can be measured alone. The phones' share (building and reading
 * their messages, the caller's digest) is timed apart and subtracted.
 *
 *   npx tsx bench/call-setups-inproc.ts [calls] [--prof | --alloc]
 *   (--prof: a CPU profile; --alloc: sampled allocations, the collected ones included)
 *   BENCH_SETUP_WARMUP=4000  BENCH_SNAPSHOT=file (heap snapshot after the run, every call's
 *   transactions still lingering)  BENCH_SNAPSHOT_MID=file (one half-way through)
 *
 * Printed: µs of CPU per call (the server process, its native relay child,
 * the phones subtracted), GC pauses per call, KB the JS heap allocated per
 * call (bench/support/allocated-bytes.ts; the phones' few KB included),
 * heap after the run.
 */
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { loadConfig } from '../src/app/config.ts';
import { TurnBatchedDestination } from '../src/app/log-destination.ts';
import { createLogger } from '../src/app/logger.ts';
import { openRuntime } from '../src/app/runtime.ts';
import { startSipService } from '../src/app/sip-service.ts';
import { addDevice, addUser, CLI_ACTOR, createPractice } from '../src/directory/index.ts';
import { createAuthorization, selectChallenge } from '../src/sip/auth/digest-client.ts';
import { DEFAULT_PARSE_LIMITS, ok, parseMessage, serializeMessage, type SipMessage, type SipResponse } from '../src/sip/message/index.ts';
import { receiveBytes } from '../src/sip/transport/inbound.ts';
import type { Destination, Transport, TransportAddress, TransportHandler } from '../src/sip/transport/types.ts';
import { startAllocationMeter } from './support/allocated-bytes.ts';

const args = process.argv.slice(2);
const CALLS = Number(args.find((a) => /^\d+$/.test(a)) ?? 6000);
const WARMUP = Number(process.env.BENCH_SETUP_WARMUP ?? 4000);
const CONCURRENCY = 50;
const DOMAIN = 'bench.sotto.test';
const CALLEE_PORT = 5070;

/** Microseconds the phones spent (building and reading messages, the digest): subtracted from the figure. */
let phoneUs = 0;
function asPhone<T>(work: () => T): T {
  const t0 = performance.now();
  try {
    return work();
  } finally {
    phoneUs += (performance.now() - t0) * 1000;
  }
}

/** The transport's logger, one for all datagrams as udp.ts has (not an object and two functions made per datagram). */
const QUIET = { debug() {}, warn() {} };

/** The server's UDP socket, in memory: each datagram in is its own event-loop turn, as from a socket. */
class MemoryTransport implements Transport {
  readonly protocol = 'UDP' as const;
  readonly reliable = false;
  readonly local: TransportAddress = { address: '127.0.0.1', port: 5060 };
  private handler: TransportHandler | undefined;
  readonly phones = new Map<number, (text: string) => void>();
  start(handler: TransportHandler): Promise<TransportAddress> {
    this.handler = handler;
    return Promise.resolve(this.local);
  }
  inject(text: string, port: number): void {
    // Its own memory, as a datagram from node:dgram (a slice of Buffer's shared pool would pin 8 KiB).
    const bytes = Buffer.allocUnsafeSlow(text.length);
    bytes.write(text, 'latin1');
    setImmediate(() =>
      receiveBytes(bytes, { protocol: 'UDP', address: '127.0.0.1', port, local: this.local }, {
        limits: DEFAULT_PARSE_LIMITS,
        logger: QUIET,
        handler: this.handler!,
        reply: (out) => this.deliver(out, port),
      }),
    );
  }
  send(data: SipMessage | Buffer, destination: Destination) {
    this.deliver(Buffer.isBuffer(data) ? data : serializeMessage(data), destination.port);
    return Promise.resolve(ok(undefined));
  }
  private deliver(bytes: Buffer, port: number): void {
    const phone = this.phones.get(port);
    if (phone) asPhone(() => phone(bytes.toString('latin1')));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const SDP = (user: string, port: number) => `v=0\r\no=${user} 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n`;

/** A header line of a message, by name (the phones' side: what sipp's [last_X:] copies). */
function line(text: string, name: string): string {
  const at = text.search(new RegExp(`\r\n${name}:`, 'i'));
  if (at < 0) throw new Error(`no ${name}`);
  return text.slice(at + 2, text.indexOf('\r\n', at + 2));
}
function toTag(text: string): string {
  return /;tag=([^;\s>]+)/.exec(line(text, 'To'))![1]!;
}
function status(text: string): number {
  return text.startsWith('SIP/2.0 ') ? Number(text.slice(8, 11)) : 0;
}

const dataDir = mkdtempSync(join(tmpdir(), 'sotto-bench-calls-'));
const config = loadConfig({ SOTTO_DATA_DIR: dataDir, SOTTO_BIND: '127.0.0.1', SOTTO_HTTP_PORT: '0', SOTTO_SIP_PORT: '0', SOTTO_SIP_TLS_PORT: '0', SOTTO_RTP_PORTS: '30000-39999' });
// As `sotto start` logs (info, lines gathered per turn as on its standard
// output), to a sink that costs nothing to read. (pino.destination, used
// before, made ~7 KB of garbage a line that the server never makes.)
const rt = await openRuntime(config, createLogger('info', new TurnBatchedDestination(openSync('/dev/null', 'w'))));
const practice = await createPractice(rt.database.db, { name: 'Bench', tier: 'pro', sipDomain: DOMAIN });
const phones: Array<{ username: string; password: string; extension: string }> = [];
for (const ext of ['101', '102']) {
  const { user } = await addUser(rt.database.db, practice.id, { email: `u${ext}@bench.example`, displayName: ext, role: 'staff', extension: ext }, CLI_ACTOR);
  const d = await addDevice(rt.database.db, practice.id, user.id, { kind: 'desk_phone' }, CLI_ACTOR);
  phones.push({ username: d.device.sipUsername, password: d.sipPassword, extension: ext });
}
const [caller, callee] = phones as [(typeof phones)[number], (typeof phones)[number]];
const transport = new MemoryTransport();
const service = await startSipService(rt, { transports: [transport] });

function challengeAnswer(challenge: string, who: typeof caller, method: string, uri: string): string {
  const parsed = parseMessage(Buffer.from(challenge, 'latin1'));
  if (!parsed.ok || parsed.value.kind !== 'response') throw new Error('expected a challenge');
  const c = selectChallenge(parsed.value as SipResponse, ['MD5']);
  const authorization = c && createAuthorization(c, { username: who.username, password: who.password, method, uri });
  if (!authorization) throw new Error('no challenge');
  return authorization;
}

// ------------------------------------------------------------ the callee registers once

function register(cseq: number, authorization?: string): string {
  return (
    `REGISTER sip:${DOMAIN} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${CALLEE_PORT};branch=z9hG4bK-reg${cseq};rport\r\nMax-Forwards: 70\r\n` +
    `From: <sip:${callee.username}@${DOMAIN}>;tag=reg\r\nTo: <sip:${callee.username}@${DOMAIN}>\r\nCall-ID: reg@127.0.0.1\r\nCSeq: ${cseq} REGISTER\r\n` +
    `Contact: <sip:${callee.username}@127.0.0.1:${CALLEE_PORT};transport=UDP>\r\n` +
    (authorization ? `Authorization: ${authorization}\r\n` : '') +
    'Expires: 3600\r\nContent-Length: 0\r\n\r\n'
  );
}
await new Promise<void>((resolve, reject) => {
  transport.phones.set(CALLEE_PORT, (text) => {
    if (status(text) === 401) transport.inject(register(2, challengeAnswer(text, callee, 'REGISTER', `sip:${DOMAIN}`)), CALLEE_PORT);
    else if (status(text) === 200) resolve();
    else reject(new Error(`REGISTER answered ${status(text)}`));
  });
  transport.inject(register(1), CALLEE_PORT);
});

// ------------------------------------------------------------ the callee: 180, 200, then 200 to the BYE

transport.phones.set(CALLEE_PORT, (text) => {
  if (text.startsWith('INVITE ')) {
    const tag = `callee${text.length}x${Math.random().toString(36).slice(2, 10)}`;
    const copied = `${line(text, 'Via')}\r\n${line(text, 'From')}\r\n${line(text, 'To')};tag=${tag}\r\n${line(text, 'Call-ID')}\r\n${line(text, 'CSeq')}\r\n`;
    const contact = `Contact: <sip:callee@127.0.0.1:${CALLEE_PORT};transport=UDP>\r\n`;
    transport.inject(`SIP/2.0 180 Ringing\r\n${copied}${contact}Content-Length: 0\r\n\r\n`, CALLEE_PORT);
    const body = SDP('callee', 7000);
    transport.inject(`SIP/2.0 200 OK\r\n${copied}${contact}Content-Type: application/sdp\r\nContent-Length: ${body.length}\r\n\r\n${body}`, CALLEE_PORT);
  } else if (text.startsWith('BYE ')) {
    const copied = `${line(text, 'Via')}\r\n${line(text, 'From')}\r\n${line(text, 'To')}\r\n${line(text, 'Call-ID')}\r\n${line(text, 'CSeq')}\r\n`;
    transport.inject(`SIP/2.0 200 OK\r\n${copied}Content-Length: 0\r\n\r\n`, CALLEE_PORT);
  }
});

// ------------------------------------------------------------ the caller, one call after another per lane

const calleeUri = `sip:${callee.extension}@${DOMAIN}`;
function invite(n: number, port: number, cseq: number, branch: string, authorization?: string): string {
  const body = SDP('caller', 6000);
  return (
    `INVITE ${calleeUri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${port};branch=${branch};rport\r\nMax-Forwards: 70\r\n` +
    `From: <sip:${caller.username}@${DOMAIN}>;tag=${n}SIPpTag00${n}\r\nTo: <${calleeUri}>\r\nCall-ID: ${n}-call@127.0.0.1\r\nCSeq: ${cseq} INVITE\r\n` +
    `Contact: <sip:${caller.username}@127.0.0.1:${port};transport=UDP>\r\n` +
    (authorization ? `Proxy-Authorization: ${authorization}\r\n` : '') +
    `User-Agent: sotto-bench\r\nContent-Type: application/sdp\r\nContent-Length: ${body.length}\r\n\r\n${body}`
  );
}
function inDialog(method: string, n: number, port: number, cseq: number, target: string, tag: string): string {
  return (
    `${method} ${target} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-${method}${n};rport\r\nMax-Forwards: 70\r\n` +
    `From: <sip:${caller.username}@${DOMAIN}>;tag=${n}SIPpTag00${n}\r\nTo: <${calleeUri}>;tag=${tag}\r\nCall-ID: ${n}-call@127.0.0.1\r\nCSeq: ${cseq} ${method}\r\nContent-Length: 0\r\n\r\n`
  );
}

function call(n: number, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    transport.phones.set(port, (text) => {
      const s = status(text);
      if (s === 100 || s === 180) return;
      const method = /^CSeq:\s*\d+\s+(\w+)/im.exec(text)?.[1];
      if (s === 407) {
        const ack = `ACK ${calleeUri} SIP/2.0\r\n${line(text, 'Via')}\r\nMax-Forwards: 70\r\n${line(text, 'From')}\r\n${line(text, 'To')}\r\nCall-ID: ${n}-call@127.0.0.1\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n`;
        transport.inject(ack, port);
        transport.inject(invite(n, port, 2, `z9hG4bK-inv2-${n}`, challengeAnswer(text, caller, 'INVITE', calleeUri)), port);
      } else if (s === 200 && method === 'INVITE') {
        const target = /<([^>]+)>/.exec(line(text, 'Contact'))![1]!;
        const tag = toTag(text);
        transport.inject(inDialog('ACK', n, port, 2, target, tag), port);
        transport.inject(inDialog('BYE', n, port, 3, target, tag), port);
      } else if (s === 200 && method === 'BYE') {
        resolve();
      } else {
        reject(new Error(`call ${n}: unexpected ${text.slice(0, 40)}`));
      }
    });
    asPhone(() => transport.inject(invite(n, port, 1, `z9hG4bK-inv1-${n}`), port));
  });
}

let gcMs = 0;
let gcMajorMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcMs += e.duration;
    if (((e as unknown as { detail?: { kind?: number } }).detail)?.kind !== constants.NODE_PERFORMANCE_GC_MINOR) gcMajorMs += e.duration;
  }
}).observe({ entryTypes: ['gc'] });

/** utime + stime of a process, ms (the native relay child). */
function childCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const rest = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(rest[11]) + Number(rest[12])) * 10;
}

let next = 0;
let snapped = false;
async function run(total: number): Promise<{ serverUs: number; relayUs: number; gcUs: number; gcMajorUs: number; allocatedKb: number }> {
  const end = next + total;
  gcMs = 0;
  gcMajorMs = 0;
  phoneUs = 0;
  const relay0 = childCpuMs(service.relay.nativePid);
  const meter = startAllocationMeter();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, lane) => {
      while (next < end) {
        if (process.env.BENCH_SNAPSHOT_MID && next === end - (total >> 1) && total > 1000 && !snapped) {
          snapped = true;
          (await import('node:v8')).writeHeapSnapshot(process.env.BENCH_SNAPSHOT_MID);
        }
        await call(next++, 40_000 + lane);
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  const allocated = meter.stop();
  const relayMs = childCpuMs(service.relay.nativePid) - relay0;
  return {
    serverUs: (cpu.user + cpu.system - phoneUs) / total,
    relayUs: (relayMs * 1000) / total,
    gcUs: (gcMs * 1000) / total,
    gcMajorUs: (gcMajorMs * 1000) / total,
    allocatedKb: allocated / 1024 / total,
  };
}

// Warm-up: JIT and caches, as a server that has been up for a while.
await run(WARMUP);
const allocations = args.includes('--alloc');
const profile = args.includes('--prof') || allocations ? await import('node:inspector').then((m) => new m.Session()) : undefined;
if (profile) {
  profile.connect();
  if (allocations) {
    // Every sampled allocation, the ones young collections freed included: where the GC's work comes from.
    await new Promise((r) => profile.post('HeapProfiler.enable', () => profile.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true }, r)));
  } else {
    await new Promise((r) => profile.post('Profiler.enable', () => profile.post('Profiler.start', r)));
  }
}
const r = await run(CALLS);
if (profile) {
  const { writeFileSync } = await import('node:fs');
  await new Promise<void>((resolve) =>
    profile.post(allocations ? 'HeapProfiler.stopSampling' : 'Profiler.stop', (_e, res) => {
      writeFileSync(`call-setups-inproc-${process.pid}.${allocations ? 'heapprofile' : 'cpuprofile'}`, JSON.stringify((res as { profile: unknown }).profile));
      resolve();
    }),
  );
}
// Transactions stay up to 32 s after their answer (Timers J, L, M): what they hold is what every scavenge copies.
const heapMb = process.memoryUsage().heapUsed / 1048576;
if (process.env.BENCH_SNAPSHOT) (await import('node:v8')).writeHeapSnapshot(process.env.BENCH_SNAPSHOT);
await service.stop();
await rt.close();
rmSync(dataDir, { recursive: true, force: true });
process.stdout.write(
  `call setups ${CALLS} (warm-up ${WARMUP}, ${CONCURRENCY} at once): ${(r.serverUs + r.relayUs).toFixed(0)} µs CPU a call ` +
    `(server process ${r.serverUs.toFixed(0)}, native relay ${r.relayUs.toFixed(0)}; phones subtracted) = ${(1e6 / (r.serverUs + r.relayUs)).toFixed(0)} setups/s per core; ` +
    `GC pauses ${r.gcUs.toFixed(0)} µs a call (${r.gcMajorUs.toFixed(0)} of them full collections); ` +
    `${r.allocatedKb.toFixed(1)} KB allocated a call (JS heap, the phones' share included); heap after ${heapMb.toFixed(0)} MB\n`,
);
