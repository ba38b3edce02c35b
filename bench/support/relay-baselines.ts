// What the relay benchmarks (media-relay.ts, calls.ts) share: CPU time read
// from /proc per thread or process (so a busy machine does not inflate it),
// Sotto's relay on each of its data planes, and the peers they are compared
// with: the raw Node UDP forwarder (per call one socket facing each phone,
// a datagram in on one goes out of the other, no parsing — the ceiling for
// any relay written on Node's dgram) and rtpengine in userspace.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { MediaRelay } from '../../src/media/relay/index.ts';
import { NgClient } from '../../src/media/relay/ng-client.ts';
import { buildNativeProgram } from '../../src/media/relay/native-build.ts';

const CLK_TCK = 100;

/** utime + stime of a /proc stat file, in milliseconds. */
export function statCpuMs(path: string): number {
  const fields = readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

const threadIds = () => new Set(readdirSync('/proc/self/task'));

/** The threads `start` creates (a worker and its helpers), so their CPU alone is measured. */
export async function newThreads<T>(start: () => Promise<T>): Promise<{ value: T; cpuMs: () => number }> {
  const before = threadIds();
  const value = await start();
  const created = [...threadIds()].filter((t) => !before.has(t));
  return { value, cpuMs: () => created.reduce((ms, t) => ms + (existsSync(`/proc/self/task/${t}/stat`) ? statCpuMs(`/proc/self/task/${t}/stat`) : 0), 0) };
}

export const portOf = (sdp: string): number => Number(/m=audio (\d+)/.exec(sdp)?.[1] ?? NaN);

export interface UdpForwarder {
  /** CPU milliseconds of the forwarder's own threads so far. */
  cpuMs(): number;
  /** Sets up one call; returns the ports phone A and phone B must send to. */
  connect(callId: string, aPort: number, bPort: number): Promise<{ aSendTo: number; bSendTo: number }>;
  close(): Promise<void>;
}

function forwarderSource(address: string): string {
  return `
const { parentPort } = require('node:worker_threads');
const dgram = require('node:dgram');
const sockets = [];
parentPort.on('message', ({ id, aPort, bPort }) => {
  const a = dgram.createSocket({ type: 'udp4', recvBufferSize: 2 << 20 });
  const b = dgram.createSocket({ type: 'udp4', recvBufferSize: 2 << 20 });
  let ready = 0;
  const done = () => { if (++ready === 2) parentPort.postMessage({ id, aSendTo: a.address().port, bSendTo: b.address().port }); };
  a.bind(0, '${address}', done);
  b.bind(0, '${address}', done);
  a.on('message', (m) => b.send(m, bPort, '${address}'));
  b.on('message', (m) => a.send(m, aPort, '${address}'));
  sockets.push(a, b);
});`;
}

/** The raw forwarder in one worker thread on `address` (loopback). */
export async function startUdpForwarder(address: string): Promise<UdpForwarder> {
  const { value: worker, cpuMs } = await newThreads(async () => {
    const w = new Worker(forwarderSource(address), { eval: true });
    await new Promise((resolve) => w.once('online', resolve));
    return w;
  });
  let next = 0;
  const waiting = new Map<number, (r: { aSendTo: number; bSendTo: number }) => void>();
  worker.on('message', (m: { id: number; aSendTo: number; bSendTo: number }) => waiting.get(m.id)?.(m));
  return {
    cpuMs,
    connect(_callId, aPort, bPort) {
      const id = next++;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        worker.postMessage({ id, aPort, bPort });
      });
    },
    close: () => worker.terminate().then(() => undefined),
  };
}

/** The measurement window, by send time: only packets sent inside it count, wherever they are when it closes. */
export interface MeasureWindow {
  start: number;
  end: number;
  received: number;
  /** One-way delay of each counted packet, ms (the sender stamps performance.now() at RTP octet 12). */
  readonly delays: number[];
}

export function newMeasureWindow(): MeasureWindow {
  return { start: Infinity, end: Infinity, received: 0, delays: [] };
}

/** A phone's socket that counts the generator's packets it receives into `window`; `accept` filters out others (RTCP). */
export async function openMeasuringSocket(address: string, window: MeasureWindow, accept: (m: Buffer) => boolean): Promise<Socket> {
  const socket = createSocket({ type: 'udp4', recvBufferSize: 2 << 20 });
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  socket.on('message', (m) => {
    if (!accept(m)) return;
    const sentAt = m.readDoubleBE(12);
    if (sentAt < window.start || sentAt >= window.end) return;
    window.received++;
    window.delays.push(performance.now() - sentAt);
  });
  return socket;
}

/** One relay as the benchmarks drive it. */
export interface RelayUnderTest {
  readonly name: string;
  /** Sets up one call; returns the ports phone A and phone B must send to. */
  connect(callId: string, aPort: number, bPort: number): Promise<{ aSendTo: number; bSendTo: number }>;
  /** CPU milliseconds the relay used so far (its own threads or process). */
  cpuMs(): number;
  close(): Promise<void>;
}

export type SdpFor = (port: number, id: number) => string;

/**
 * Sotto's MediaRelay on one data plane: 'native' (the sotto-relay process,
 * CPU of that process) or 'js' (one worker thread, CPU of the threads it
 * started). Returns a reason string when the plane is not available.
 */
export async function startSottoRelay(address: string, plane: 'native' | 'js', portRange: { min: number; max: number }, sdp: SdpFor): Promise<RelayUnderTest | string> {
  let relay: MediaRelay;
  let cpuMs: () => number;
  try {
    const started = await newThreads(() => MediaRelay.start({ bindAddress: address, portRange, workers: 1, inactivityTimeoutMs: 600_000, dataPlane: plane }));
    relay = started.value;
    const pid = relay.nativePid;
    cpuMs = plane === 'native' && pid !== undefined ? () => statCpuMs(`/proc/${pid}/stat`) : started.cpuMs;
  } catch (e) {
    return `did not start (${(e as { code?: string }).code ?? 'error'})`;
  }
  return {
    name: plane === 'native' ? 'Sotto relay, native plane (1 process)' : 'Sotto relay, JS plane (1 worker)',
    async connect(callId, aPort, bPort) {
      const toB = await relay.offer(callId, 'a', sdp(aPort, 1), { peerLegId: 'b' });
      const toA = await relay.answer(callId, 'b', sdp(bPort, 2));
      return { aSendTo: portOf(toA), bSendTo: portOf(toB) };
    },
    cpuMs,
    close: () => relay.close(),
  };
}

/** rtpengine (Debian rtpengine-daemon), userspace forwarding (--table=-1), one worker thread, over its ng protocol. */
export async function startRtpengine(address: string, portRange: { min: number; max: number }, sdp: SdpFor): Promise<RelayUnderTest | string> {
  if (!existsSync('/usr/bin/rtpengine')) return 'not installed (Debian package rtpengine-daemon)';
  const ngPort = 22230 + Math.floor(Math.random() * 500);
  const child: ChildProcess = spawn('/usr/bin/rtpengine', [
    '--config-file=none', `--interface=${address}`, `--listen-ng=${address}:${ngPort}`, `--port-min=${portRange.min}`, `--port-max=${portRange.max}`,
    '--table=-1', '--foreground', '--log-stderr', '--log-level=3', '--num-threads=1', '--timeout=600',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  const ng = new NgClient(address, ngPort, 500);
  let up = false;
  for (let i = 0; i < 20 && !up && child.exitCode === null; i++) {
    up = await ng.request({ command: 'ping' }).then(() => true, () => false);
  }
  if (!up) {
    child.kill();
    ng.close();
    return 'did not start';
  }
  return {
    name: 'rtpengine 10.5 userspace (1 thread)',
    async connect(callId, aPort, bPort) {
      const offer = await ng.request({ command: 'offer', 'call-id': callId, 'from-tag': 'a', sdp: sdp(aPort, 1), ICE: 'remove' });
      const answer = await ng.request({ command: 'answer', 'call-id': callId, 'from-tag': 'a', 'to-tag': 'b', sdp: sdp(bPort, 2), ICE: 'remove' });
      return { aSendTo: portOf(String(answer.sdp)), bSendTo: portOf(String(offer.sdp)) };
    },
    cpuMs: () => statCpuMs(`/proc/${child.pid}/stat`),
    async close() {
      ng.close();
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    },
  };
}

export interface LoadResult {
  /** Packets sent inside the measurement window, and of those, received back through the relay. */
  readonly sent: number;
  readonly received: number;
  readonly loss: number;
  /** One-way delay through the relay, ms (generator included). */
  readonly minMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Relay CPU in the window, µs per packet received. */
  readonly cpuUsPerPacket: number;
  /** The generator's own CPU in the window, µs per packet it sent and received (is it the bottleneck?). */
  readonly generatorUsPerPacket: number;
}

/**
 * Offers `calls` calls to `relay` from the C load generator (native/rtp-load:
 * one Node thread cannot send the 100,000 packets/s of 1,000 calls), two
 * phones a call sending 20 ms PCMU both ways, and measures loss, delay and
 * the relay's CPU over `windowMs` after `warmupMs`.
 */
export async function offerLoad(relay: RelayUnderTest, address: string, calls: number, warmupMs: number, windowMs: number): Promise<LoadResult> {
  const binary = await buildNativeProgram('rtp-load');
  if (!binary.ok) throw new Error(`load generator: ${binary.error.code}`);
  const drainMs = 300;
  const child = spawn(binary.value, [address, String(calls * 2), String(warmupMs), String(windowMs), String(drainMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  child.stdout!.setEncoding('latin1');
  child.stdout!.on('data', (d: string) => {
    out += d;
    let nl: number;
    while ((nl = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      const w = waiters.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  const nextLine = () => new Promise<string>((resolve) => (lines.length > 0 ? resolve(lines.shift()!) : waiters.push(resolve)));
  const ports = (await nextLine()).split(' ').slice(1).map(Number);
  const targets: number[] = [];
  for (let c = 0; c < calls; c++) {
    const r = await relay.connect(`bench-${c}`, ports[2 * c]!, ports[2 * c + 1]!);
    targets.push(r.aSendTo, r.bSendTo);
  }
  const started = performance.now();
  child.stdin!.write(`TARGETS ${targets.join(' ')}\n`);
  // The window opens warmupMs after the generator starts sending; read the relay's CPU at its edges.
  await new Promise((r) => setTimeout(r, Math.max(0, warmupMs - (performance.now() - started))));
  const generatorCpu = () => (existsSync(`/proc/${child.pid}/stat`) ? statCpuMs(`/proc/${child.pid}/stat`) : 0);
  const cpu0 = relay.cpuMs();
  const gen0 = generatorCpu();
  await new Promise((r) => setTimeout(r, windowMs));
  const cpu1 = relay.cpuMs();
  const gen1 = generatorCpu();
  const result = (await nextLine()).split(' ');
  const [sent, received, minUs, p50Us, p99Us] = result.slice(1).map(Number) as [number, number, number, number, number];
  return {
    sent,
    received,
    loss: sent > 0 ? Math.max(0, 1 - received / sent) : 1,
    minMs: minUs / 1000,
    p50Ms: p50Us / 1000,
    p99Ms: p99Us / 1000,
    cpuUsPerPacket: ((cpu1 - cpu0) * 1000) / Math.max(1, received),
    generatorUsPerPacket: ((gen1 - gen0) * 1000) / Math.max(1, sent + received),
  };
}
