// Calls through Sotto, two figures, each beside baselines measured in the
// same run on the same loopback:
//
// 1. Concurrent relayed G.711 calls one core holds: Sotto's media relay on
//    its native plane (the sotto-relay process plain calls run on) and on
//    its JS plane (one worker thread), rtpengine in userspace (one thread),
//    and a raw Node UDP forwarder (one worker, two sockets a call, no
//    parsing: the ceiling for any relay on Node's dgram) are each offered N
//    calls by the C load generator (native/rtp-load: two phones a call
//    sending 20 ms PCMU both ways, 100 packets/s per call reach the relay),
//    N stepped up until loss reaches 0.1 %. Printed: the largest N under
//    0.1 % loss, the jitter the relay adds at that N (one-way delay minus
//    the smallest delay seen, p50/p99, generator included), and the relay's
//    CPU per packet with the calls per core it implies (the loss search is
//    bounded by the CPU the shared 2-core machine leaves the generator and
//    relay; the CPU figure is not).
// 2. Call setups per second through the B2BUA (bench/call-setups.ts): `sotto
//    start` (real database, registrar, B2BUA, relay) with sipp as caller (INVITE, 407, INVITE with
//    digest, 180, 200, ACK, BYE) and sipp as callee (registered, answers),
//    bounded in calls and concurrency. Printed: setups/s by the wall clock,
//    and by Sotto's own CPU (utime+stime of its process tree), i.e. per core.
//
// Run: npx tsx bench/calls.ts   (BENCH_STEPS=250,500,1000,1500 BENCH_SECONDS=2 BENCH_SETUPS=600 BENCH_PART=media|setups BENCH_ONLY=native)

import { offerLoad, startRtpengine, startSottoRelay, startUdpForwarder, type RelayUnderTest } from './support/relay-baselines.ts';
import { describeSetupRun, measureCallSetups, setupOptionsFromEnv } from './call-setups.ts';

const STEPS = (process.env.BENCH_STEPS ?? '250,500,1000,1500').split(',').map(Number).filter((n) => n > 0 && n <= 2500);
const SECONDS = Math.min(10, Number(process.env.BENCH_SECONDS ?? 2));
const SETUPS = Math.min(5000, Number(process.env.BENCH_SETUPS ?? 600));
const LOCAL = '127.0.0.1';

// ------------------------------------------------------------ part 1: media

const sdp = (port: number, id: number) =>
  `v=0\r\no=- ${id} 1 IN IP4 ${LOCAL}\r\ns=-\r\nc=IN IP4 ${LOCAL}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n`;

const relays: [string, () => Promise<RelayUnderTest | string>][] = [
  ['Sotto media relay, native plane', () => startSottoRelay(LOCAL, 'native', { min: 30000, max: 39999 }, sdp)],
  ['Sotto media relay, JS plane', () => startSottoRelay(LOCAL, 'js', { min: 30000, max: 39999 }, sdp)],
  ['rtpengine userspace', () => startRtpengine(LOCAL, { min: 20000, max: 29999 }, sdp)],
  ['raw Node UDP forwarder', async () => ({ name: 'raw Node UDP forwarder', ...(await startUdpForwarder(LOCAL)) })],
];

/** Offers `calls` calls to a fresh relay for SECONDS; loss, added jitter, CPU. */
async function offer(make: () => Promise<RelayUnderTest | string>, calls: number): Promise<{ loss: number; jitterP50: number; jitterP99: number; cpuUsPerPacket: number; generatorUsPerPacket: number } | string> {
  const relay = await make();
  if (typeof relay === 'string') return relay;
  try {
    const r = await offerLoad(relay, LOCAL, calls, 1000, SECONDS * 1000);
    return { loss: r.loss, jitterP50: r.p50Ms - r.minMs, jitterP99: r.p99Ms - r.minMs, cpuUsPerPacket: r.cpuUsPerPacket, generatorUsPerPacket: r.generatorUsPerPacket };
  } finally {
    await relay.close();
  }
}

async function largestUnderLoss(name: string, make: () => Promise<RelayUnderTest | string>): Promise<string[]> {
  let best: { calls: number; jitterP50: number; jitterP99: number; cpuUsPerPacket: number } | undefined;
  let firstLoss = '';
  for (const calls of STEPS) {
    const r = await offer(make, calls);
    if (typeof r === 'string') return [name, `skipped: ${r}`];
    process.stderr.write(`  ${name}: ${calls} calls, loss ${(r.loss * 100).toFixed(3)} %, jitter p50 ${r.jitterP50.toFixed(2)} ms p99 ${r.jitterP99.toFixed(2)} ms, ${r.cpuUsPerPacket.toFixed(1)} µs CPU/packet (generator ${r.generatorUsPerPacket.toFixed(1)} µs per packet sent or received)\n`);
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
const rows = [['relay (1 thread or process)', 'max calls < 0.1 % loss', 'first step with loss', 'added jitter p50', 'p99', 'CPU/packet', 'calls/core (CPU)']];
if (part !== 'setups') {
  const only = process.env.BENCH_ONLY;
  for (const [name, make] of relays) {
    if (only && !name.toLowerCase().includes(only.toLowerCase())) continue;
    rows.push(await largestUnderLoss(name, make));
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
}
if (part !== 'media') console.log('B2BUA call setups (sipp caller and callee, `sotto start`):', (await setups()).join(' | '));
