// Calls through Sotto, two figures, each beside a baseline measured in the
// same run on the same loopback:
//
// 1. Concurrent relayed G.711 calls one core holds: Sotto's media relay (one
//    worker thread) and a raw Node UDP forwarder (one worker, two sockets a
//    call, no parsing: the ceiling for any relay on Node's dgram) are each
//    offered N calls (two phones each sending 20 ms PCMU both ways: 100
//    packets/s per call reach the relay), N stepped up until loss reaches
//    0.1 %. Printed: the largest N under 0.1 % loss, the jitter the relay
//    adds at that N (one-way delay minus the smallest delay seen, p50/p99,
//    load generator included), and the relay thread's CPU per packet with
//    the calls per core it implies (the loss search is bounded by what one
//    generator thread can send on a shared 2-core machine; CPU is not).
// 2. Call setups per second through the B2BUA (bench/call-setups.ts): `sotto
//    start` with sipp as caller (INVITE, 407, INVITE with digest, 180, 200,
//    ACK, BYE) and sipp as callee. Printed: setups/s by the wall clock, and
//    by Sotto's own CPU (utime+stime of its process tree), i.e. per core.
//
// Run: npx tsx bench/calls.ts   (BENCH_STEPS=100,200,300,400,600 BENCH_SECONDS=2 BENCH_SETUPS=600 BENCH_PART=media|setups)

import type { Socket } from 'node:dgram';
import { MediaRelay } from '../src/media/relay/index.ts';
import { newMeasureWindow, newThreads, openMeasuringSocket, portOf, startUdpForwarder, type MeasureWindow } from './support/relay-baselines.ts';
import { describeSetupRun, measureCallSetups, setupOptionsFromEnv } from './call-setups.ts';

const STEPS = (process.env.BENCH_STEPS ?? '100,200,300,400,600').split(',').map(Number).filter((n) => n > 0 && n <= 2000);
const SECONDS = Math.min(10, Number(process.env.BENCH_SECONDS ?? 2));
const SETUPS = Math.min(5000, Number(process.env.BENCH_SETUPS ?? 600));
const LOCAL = '127.0.0.1';

// ------------------------------------------------------------ part 1: media

interface Relay {
  /** CPU milliseconds of the relay's own threads so far. */
  cpuMs(): number;
  connect(callId: string, aPort: number, bPort: number): Promise<{ aSendTo: number; bSendTo: number }>;
  close(): Promise<void>;
}

const sdp = (port: number, id: number) =>
  `v=0\r\no=- ${id} 1 IN IP4 ${LOCAL}\r\ns=-\r\nc=IN IP4 ${LOCAL}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n`;

async function sottoRelay(): Promise<Relay> {
  const { value: relay, cpuMs } = await newThreads(() => MediaRelay.start({ bindAddress: LOCAL, portRange: { min: 30000, max: 34999 }, workers: 1, inactivityTimeoutMs: 600_000 }));
  return {
    cpuMs,
    async connect(callId, aPort, bPort) {
      const toB = await relay.offer(callId, 'a', sdp(aPort, 1));
      const toA = await relay.answer(callId, 'b', sdp(bPort, 2));
      return { aSendTo: portOf(toA), bSendTo: portOf(toB) };
    },
    close: () => relay.close(),
  };
}

async function rawForwarder(): Promise<Relay> {
  return startUdpForwarder(LOCAL);
}

/** Only the generator's own packets (PCMU, 172 octets): not the relay's RTCP. */
const openPhone = (window: MeasureWindow): Promise<Socket> => openMeasuringSocket(LOCAL, window, (m) => m.length === 172 && (m[1]! & 0x7f) === 0);

/** Offers `calls` calls to a fresh relay for SECONDS; loss and delay percentiles. */
async function offer(make: () => Promise<Relay>, calls: number): Promise<{ loss: number; jitterP50: number; jitterP99: number; cpuUsPerPacket: number }> {
  const relay = await make();
  const window = newMeasureWindow();
  const phones: Array<{ socket: Socket; sendTo: number }> = [];
  try {
    for (let c = 0; c < calls; c++) {
      const a = await openPhone(window);
      const b = await openPhone(window);
      const ports = await relay.connect(`bench-${c}`, a.address().port, b.address().port);
      phones.push({ socket: a, sendTo: ports.aSendTo }, { socket: b, sendTo: ports.bSendTo });
    }
    const seq = new Uint16Array(phones.length);
    let sent = 0;
    let slices = 0;
    const start = performance.now();
    // Every phone sends every 20 ms, spread over ten 2 ms slices; late timers catch up so the load holds.
    const sendSlice = (slice: number) => {
      for (let p = slice; p < phones.length; p += 10) {
        const phone = phones[p]!;
        const packet = Buffer.alloc(172, 0xff);
        packet[0] = 0x80;
        packet[1] = 0;
        const s = seq[p]!++;
        packet.writeUInt16BE(s, 2);
        packet.writeUInt32BE(s * 160, 4);
        packet.writeUInt32BE(p + 1, 8);
        const now = performance.now();
        packet.writeDoubleBE(now, 12);
        phone.socket.send(packet, phone.sendTo, LOCAL);
        if (now >= window.start && now < window.end) sent++;
      }
    };
    const timer = setInterval(() => {
      const due = Math.floor((performance.now() - start) / 2);
      while (slices < due) sendSlice(slices++ % 10);
    }, 2);
    await new Promise((r) => setTimeout(r, 1000));
    const cpu0 = relay.cpuMs();
    window.start = performance.now();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    window.end = performance.now();
    const cpu1 = relay.cpuMs();
    await new Promise((r) => setTimeout(r, 300));
    clearInterval(timer);
    const d = window.delays.sort((x, y) => x - y);
    const min = d[0] ?? 0;
    const pick = (q: number) => (d[Math.min(d.length - 1, Math.floor(q * d.length))] ?? NaN) - min;
    return {
      loss: sent > 0 ? Math.max(0, 1 - window.received / sent) : 1,
      jitterP50: pick(0.5),
      jitterP99: pick(0.99),
      cpuUsPerPacket: ((cpu1 - cpu0) * 1000) / Math.max(1, window.received),
    };
  } finally {
    for (const p of phones) p.socket.close();
    await relay.close();
  }
}

async function largestUnderLoss(name: string, make: () => Promise<Relay>): Promise<string[]> {
  let best: { calls: number; jitterP50: number; jitterP99: number; cpuUsPerPacket: number } | undefined;
  let firstLoss = '';
  for (const calls of STEPS) {
    const r = await offer(make, calls);
    process.stderr.write(`  ${name}: ${calls} calls, loss ${(r.loss * 100).toFixed(3)} %, jitter p50 ${r.jitterP50.toFixed(2)} ms p99 ${r.jitterP99.toFixed(2)} ms, ${r.cpuUsPerPacket.toFixed(1)} µs CPU/packet\n`);
    if (r.loss >= 0.001) {
      firstLoss = `${calls} (${(r.loss * 100).toFixed(2)} %)`;
      break;
    }
    best = { calls, ...r };
  }
  return [
    name,
    best ? String(best.calls) : `< ${STEPS[0]}`,
    firstLoss || `none up to ${STEPS.at(-1)}`,
    best ? `${best.jitterP50.toFixed(2)} ms` : '',
    best ? `${best.jitterP99.toFixed(2)} ms` : '',
    best ? `${best.cpuUsPerPacket.toFixed(1)} µs` : '',
    best ? (1e6 / (best.cpuUsPerPacket * 100)).toFixed(0) : '',
  ];
}

// ------------------------------------------------------------ part 2: setups

// Measured in bench/call-setups.ts (its own runs, warm-up and per-thread figures).
async function setups(): Promise<string[]> {
  return describeSetupRun(await measureCallSetups({ ...setupOptionsFromEnv(), calls: SETUPS }));
}

// ------------------------------------------------------------ run

console.log(`calls: concurrent relayed PCMU calls (steps ${STEPS.join(', ')}, ${SECONDS} s each) and call setups (${SETUPS}) on loopback`);
const part = process.env.BENCH_PART ?? 'all';
const rows = [['relay (1 worker thread)', 'max calls < 0.1 % loss', 'first step with loss', 'added jitter p50', 'p99', 'CPU/packet', 'calls/core (CPU)']];
if (part !== 'setups') {
  rows.push(await largestUnderLoss('Sotto media relay', sottoRelay));
  rows.push(await largestUnderLoss('raw Node UDP forwarder', rawForwarder));
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
}
if (part !== 'media') console.log('B2BUA call setups (sipp caller and callee, `sotto start`):', (await setups()).join(' | '));
