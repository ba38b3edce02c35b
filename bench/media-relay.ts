// Relaying G.711 calls through Sotto's media relay, per core, side by side
// with peers measured in the same run on the same loopback load:
//   Sotto, native plane (the sotto-relay process plain calls run on) and
//     JS plane (one worker thread: SRTP, transcoding, prompts, recording);
//   rtpengine (Debian rtpengine-daemon, userspace forwarding, --table=-1,
//     one worker thread), driven over its ng protocol (bencode over UDP);
//   a raw Node UDP forwarder in a worker thread (two sockets per call, no
//     parsing): the ceiling for any relay written on Node's dgram.
// N calls, each two phones (the C load generator, native/rtp-load) sending
// 20 ms PCMU packets both ways: 100 packets/s per call reach the relay.
// Printed per relay: packets relayed per second, loss, relay CPU per packet
// (utime+stime from /proc: of the relay's own process or threads; true CPU,
// not wall time, so a busy machine does not inflate it), the calls per core
// that CPU cost implies, and the one-way delay added on loopback (p50/p99,
// generator included).
// Run: npx tsx bench/media-relay.ts   (BENCH_CALLS=500 BENCH_SECONDS=3 BENCH_ONLY=native)

import {
  offerLoad,
  startRtpengine,
  startSottoRelay,
  startUdpForwarder,
  type RelayUnderTest,
} from './support/relay-baselines.ts';

// 500 calls by default: a load each relay carries without queueing on a shared 2-core box, so CPU per packet compares like with like (bench/calls.ts searches for the loss limit).
const CALLS = Math.min(3000, Number(process.env.BENCH_CALLS ?? 500));
const SECONDS = Math.min(10, Number(process.env.BENCH_SECONDS ?? 3));
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 1500);
const LOCAL = '127.0.0.1';

const sdp = (port: number, id: number) =>
  `v=0\r\no=- ${id} 1 IN IP4 ${LOCAL}\r\ns=-\r\nc=IN IP4 ${LOCAL}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n`;

const candidates: [string, () => Promise<RelayUnderTest | string>][] = [
  ['Sotto native', () => startSottoRelay(LOCAL, 'native', { min: 30000, max: 39999 }, sdp)],
  ['Sotto JS', () => startSottoRelay(LOCAL, 'js', { min: 30000, max: 39999 }, sdp)],
  ['rtpengine', () => startRtpengine(LOCAL, { min: 20000, max: 29999 }, sdp)],
  ['raw Node forwarder', async () => ({ name: 'raw Node UDP forwarder (1 worker)', ...(await startUdpForwarder(LOCAL)) })],
];

const rows: string[][] = [['relay', 'relayed pkt/s', 'loss', 'CPU/packet', 'calls/core (CPU)', 'delay p50', 'delay p99']];
const only = process.env.BENCH_ONLY;
for (const [name, start] of candidates) {
  if (only && !name.toLowerCase().includes(only.toLowerCase())) continue;
  const relay = await start();
  if (typeof relay === 'string') {
    rows.push([name, `skipped: ${relay}`, '', '', '', '', '']);
    continue;
  }
  try {
    const f = await offerLoad(relay, LOCAL, CALLS, WARMUP_MS, SECONDS * 1000);
    rows.push([
      relay.name,
      (f.received / SECONDS).toFixed(0),
      `${(f.loss * 100).toFixed(2)} %`,
      `${f.cpuUsPerPacket.toFixed(1)} µs`,
      (1e6 / (f.cpuUsPerPacket * 100)).toFixed(0),
      `${f.p50Ms.toFixed(2)} ms`,
      `${f.p99Ms.toFixed(2)} ms`,
    ]);
  } finally {
    await relay.close();
  }
}

console.log(`media relay: ${CALLS} concurrent PCMU calls (${CALLS * 100} packets/s offered), ${SECONDS} s on loopback`);
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
console.log('calls/core (CPU) = 1 s of CPU / (CPU per packet x 100 packets/s per call); delay includes the load generator.');
