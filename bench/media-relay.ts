// Relaying G.711 calls through Sotto's media relay (one worker thread, so
// "per core"), side by side with peers measured in the same run on the same
// loopback load:
//   rtpengine (Debian rtpengine-daemon, userspace forwarding, --table=-1,
//     one worker thread), driven over its ng protocol (bencode over UDP);
//   a raw Node UDP forwarder in a worker thread (two sockets per call, no
//     parsing): the ceiling for any relay written on Node's dgram.
// N calls, each two phones sending 20 ms PCMU packets both ways (100
// packets/s per call reach the relay). Printed per relay: packets relayed
// per second, loss, relay CPU per packet (utime+stime from /proc: of the
// relay's own threads for the Node relays, of the process for rtpengine;
// true CPU, not wall time, so a busy machine does not inflate it), the calls per core that
// CPU cost implies, and the one-way delay added on loopback (p50/p99,
// generator scheduling included).
// Run: npx tsx bench/media-relay.ts   (BENCH_CALLS=200 BENCH_SECONDS=3)

import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { MediaRelay } from '../src/media/relay/index.ts';
import { NgClient } from '../src/media/relay/ng-client.ts';
import { newMeasureWindow, newThreads, openMeasuringSocket, portOf, startUdpForwarder, statCpuMs, type MeasureWindow } from './support/relay-baselines.ts';

const CALLS = Math.min(1000, Number(process.env.BENCH_CALLS ?? 200));
const SECONDS = Math.min(10, Number(process.env.BENCH_SECONDS ?? 3));
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 1500);
const LOCAL = '127.0.0.1';

interface RelayUnderTest {
  readonly name: string;
  /** Sets up one call; returns the ports phone A and phone B must send to. */
  connect(callId: string, aPort: number, bPort: number): Promise<{ aSendTo: number; bSendTo: number }>;
  /** CPU (or busy) milliseconds the relay used so far. */
  cpuMs(): number;
  close(): Promise<void>;
}

const sdp = (port: number, id: number) =>
  `v=0\r\no=- ${id} 1 IN IP4 ${LOCAL}\r\ns=-\r\nc=IN IP4 ${LOCAL}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n`;

async function sotto(): Promise<RelayUnderTest> {
  const { value: relay, cpuMs } = await newThreads(() =>
    MediaRelay.start({ bindAddress: LOCAL, portRange: { min: 45000, max: 46999 }, workers: 1, inactivityTimeoutMs: 600_000 }),
  );
  return {
    name: 'Sotto relay (1 worker)',
    async connect(callId, aPort, bPort) {
      const toB = await relay.offer(callId, 'a', sdp(aPort, 1));
      const toA = await relay.answer(callId, 'b', sdp(bPort, 2));
      return { aSendTo: portOf(toA), bSendTo: portOf(toB) };
    },
    cpuMs,
    close: () => relay.close(),
  };
}

async function rtpengine(): Promise<RelayUnderTest | string> {
  if (!existsSync('/usr/bin/rtpengine')) return 'not installed (Debian package rtpengine-daemon)';
  const ngPort = 22230 + Math.floor(Math.random() * 500);
  const child: ChildProcess = spawn('/usr/bin/rtpengine', [
    '--config-file=none', `--interface=${LOCAL}`, `--listen-ng=${LOCAL}:${ngPort}`, '--port-min=47000', '--port-max=48999',
    '--table=-1', '--foreground', '--log-stderr', '--log-level=3', '--num-threads=1', '--timeout=600',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  const ng = new NgClient(LOCAL, ngPort, 500);
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

async function forwarder(): Promise<RelayUnderTest> {
  return { name: 'raw Node UDP forwarder (1 worker)', ...(await startUdpForwarder(LOCAL)) };
}

interface Phone {
  readonly socket: Socket;
  sendTo: number;
}

async function openPhone(window: MeasureWindow): Promise<Phone> {
  return { socket: await openMeasuringSocket(LOCAL, window, (m) => m.length >= 20), sendTo: 0 };
}

interface Figures {
  readonly pps: number;
  readonly loss: number;
  readonly cpuUsPerPacket: number;
  readonly p50: number;
  readonly p99: number;
}

async function measure(relay: RelayUnderTest): Promise<Figures> {
  const window = newMeasureWindow();
  const pairs: [Phone, Phone][] = [];
  for (let c = 0; c < CALLS; c++) {
    const a = await openPhone(window);
    const b = await openPhone(window);
    const ports = await relay.connect(`bench-${c}`, a.socket.address().port, b.socket.address().port);
    a.sendTo = ports.aSendTo;
    b.sendTo = ports.bSendTo;
    pairs.push([a, b]);
  }
  // Every call sends every 20 ms, spread over ten 2 ms slices so the relay sees a steady stream.
  const seq = new Uint16Array(CALLS * 2);
  let sent = 0;
  let slices = 0;
  const start = performance.now();
  const sendSlice = (slice: number) => {
    for (let c = slice; c < CALLS; c += 10) {
      for (let side = 0; side < 2; side++) {
        const phone = pairs[c]![side]!;
        const packet = Buffer.alloc(172, 0xff);
        packet[0] = 0x80;
        packet[1] = 0;
        const s = seq[c * 2 + side]!++;
        packet.writeUInt16BE(s, 2);
        packet.writeUInt32BE(s * 160, 4);
        packet.writeUInt32BE(c * 2 + side + 1, 8);
        const now = performance.now();
        packet.writeDoubleBE(now, 12);
        phone.socket.send(packet, phone.sendTo, LOCAL);
        if (now >= window.start && now < window.end) sent++;
      }
    }
  };
  // Slices due by the clock are sent even when the timer fired late, so the offered load holds.
  const timer = setInterval(() => {
    const due = Math.floor((performance.now() - start) / 2);
    while (slices < due) sendSlice(slices++ % 10);
  }, 2);
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  const cpu0 = relay.cpuMs();
  window.start = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  window.end = performance.now();
  const cpu1 = relay.cpuMs();
  // Packets sent in the window but still in flight arrive just after it: give them time.
  await new Promise((r) => setTimeout(r, 300));
  clearInterval(timer);
  for (const [a, b] of pairs) {
    a.socket.close();
    b.socket.close();
  }
  const latencies = window.delays.sort((x, y) => x - y);
  const pick = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  const seconds = (window.end - window.start) / 1000;
  return {
    pps: window.received / seconds,
    loss: sent > 0 ? Math.max(0, 1 - window.received / sent) : 1,
    cpuUsPerPacket: ((cpu1 - cpu0) * 1000) / Math.max(1, window.received),
    p50: pick(0.5),
    p99: pick(0.99),
  };
}

const rows: string[][] = [['relay', 'relayed pkt/s', 'loss', 'CPU/packet', 'calls/core (CPU)', 'delay p50', 'delay p99']];
const candidates: (() => Promise<RelayUnderTest | string>)[] = [sotto, rtpengine, forwarder];
const names = ['Sotto relay', 'rtpengine', 'raw Node forwarder'];
const only = process.env.BENCH_ONLY;
for (let i = 0; i < candidates.length; i++) {
  if (only && !names[i]!.toLowerCase().includes(only.toLowerCase())) continue;
  const relay = await candidates[i]!();
  if (typeof relay === 'string') {
    rows.push([names[i]!, `skipped: ${relay}`, '', '', '', '', '']);
    continue;
  }
  try {
    const f = await measure(relay);
    rows.push([
      relay.name,
      f.pps.toFixed(0),
      `${(f.loss * 100).toFixed(2)} %`,
      `${f.cpuUsPerPacket.toFixed(1)} µs`,
      (1e6 / (f.cpuUsPerPacket * 100)).toFixed(0),
      `${f.p50.toFixed(2)} ms`,
      `${f.p99.toFixed(2)} ms`,
    ]);
  } finally {
    await relay.close();
  }
}

console.log(`media relay: ${CALLS} concurrent PCMU calls (${CALLS * 100} packets/s offered), ${SECONDS} s on loopback`);
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
console.log('calls/core (CPU) = 1 s of CPU / (CPU per packet x 100 packets/s per call); delay includes the load generator.');
