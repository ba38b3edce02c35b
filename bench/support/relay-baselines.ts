// What the relay benchmarks (media-relay.ts, calls.ts) share: CPU time read
// from /proc per thread (so a busy machine does not inflate it), and the
// raw Node UDP forwarder they compare Sotto's relay with: per call one
// socket facing each phone, a datagram in on one goes out of the other, no
// parsing — the ceiling for any relay written on Node's dgram.
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

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
