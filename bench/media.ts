// Media primitives' throughput on one core, each beside a peer:
//   RTP parse + serialize (PCMU 20 ms packets)      vs Buffer.from copy of the same bytes
//   G.711 encode/decode (samples/s)                 vs a plain Int16Array copy loop
//   SRTP protect/unprotect AES_CM_128_HMAC_SHA1_80  vs node crypto's raw AES-CTR + HMAC-SHA1 per packet
// Run: npx tsx bench/media.ts   (prints figures; nothing is asserted)

import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import {
  AES_CM_128_HMAC_SHA1_80,
  decodeAlaw,
  decodeUlaw,
  encodeAlaw,
  encodeUlaw,
  parseRtpPacket,
  serializeRtpPacket,
  SrtpSession,
  type RtpPacket,
} from '../src/media/index.ts';

const BUDGET_MS = Number(process.env.BENCH_MS ?? 700);

/** Runs `fn` (which does `unitsPerCall` units) for about BUDGET_MS; returns units per second. */
function rate(fn: () => void, unitsPerCall: number): number {
  for (let i = 0; i < 200; i++) fn(); // warm up
  let calls = 0;
  const start = performance.now();
  let now = start;
  while (now - start < BUDGET_MS) {
    for (let i = 0; i < 100; i++) fn();
    calls += 100;
    now = performance.now();
  }
  return (calls * unitsPerCall * 1000) / (now - start);
}

const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(1)} k`);
const rows: [string, string, string][] = [];
const row = (what: string, ours: number, peer: number, unit: string) =>
  rows.push([what, `${fmt(ours)}${unit}`, `${fmt(peer)}${unit}`]);

// RTP
const packet: RtpPacket = {
  marker: false, payloadType: 0, sequenceNumber: 1, timestamp: 160, ssrc: 0x1234abcd, csrc: [], paddingLength: 0,
  payload: randomBytes(160),
};
const wire = serializeRtpPacket(packet);
let sink = 0;
row('RTP parse+serialize (172 B)', rate(() => {
  const p = parseRtpPacket(wire);
  if (p.ok) sink += serializeRtpPacket(p.value).length;
}, 1), rate(() => {
  sink += Buffer.from(wire).length;
}, 1), ' pkt/s');

// G.711
const pcm = Int16Array.from({ length: 8000 }, (_, i) => Math.round(12000 * Math.sin(i / 5)));
const ulaw = encodeUlaw(pcm);
const alaw = encodeAlaw(pcm);
const copy = () => {
  const out = new Int16Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = pcm[i]!;
  sink += out[1]!;
};
const copyRate = rate(copy, pcm.length);
row('µ-law encode', rate(() => (sink += encodeUlaw(pcm)[0]!), pcm.length), copyRate, ' samples/s');
row('µ-law decode', rate(() => (sink += decodeUlaw(ulaw)[0]!), pcm.length), copyRate, ' samples/s');
row('A-law encode', rate(() => (sink += encodeAlaw(pcm)[0]!), pcm.length), copyRate, ' samples/s');
row('A-law decode', rate(() => (sink += decodeAlaw(alaw)[0]!), pcm.length), copyRate, ' samples/s');

// SRTP
const masterKey = randomBytes(16);
const masterSalt = randomBytes(14);
const tx = new SrtpSession({ suite: AES_CM_128_HMAC_SHA1_80, masterKey, masterSalt });
let seq = 0;
const protectOurs = rate(() => {
  wire.writeUInt16BE(seq++ & 0xffff, 2);
  const r = tx.protectRtp(wire);
  if (r.ok) sink += r.value.length;
}, 1);

// Unprotect needs fresh packets (the replay window refuses repeats): protect
// a pool first, then time one pass over it with a new receiving session.
const pool: Buffer[] = [];
const poolTx = new SrtpSession({ suite: AES_CM_128_HMAC_SHA1_80, masterKey, masterSalt });
for (let i = 0; i < 40000; i++) {
  wire.writeUInt16BE(i & 0xffff, 2);
  const r = poolTx.protectRtp(wire);
  if (r.ok) pool.push(r.value);
}
const rx = new SrtpSession({ suite: AES_CM_128_HMAC_SHA1_80, masterKey, masterSalt });
for (let i = 0; i < 200; i++) sink += rx.unprotectRtp(pool[i]!).ok ? 1 : 0;
const unprotectStart = performance.now();
for (let i = 200; i < pool.length; i++) sink += rx.unprotectRtp(pool[i]!).ok ? 1 : 0;
const unprotectOurs = ((pool.length - 200) * 1000) / (performance.now() - unprotectStart);

// The peer: what any SRTP stack on node crypto must at least do per packet.
const encKey = randomBytes(16);
const authKey = randomBytes(20);
const iv = randomBytes(16);
const roc = Buffer.alloc(4);
const rawProtect = rate(() => {
  const enc = createCipheriv('aes-128-ctr', encKey, iv).update(wire.subarray(12));
  const tag = createHmac('sha1', authKey).update(wire.subarray(0, 12)).update(enc).update(roc).digest();
  sink += tag[0]! + enc.length;
}, 1);
row('SRTP protect (172 B, _80)', protectOurs, rawProtect, ' pkt/s');
row('SRTP unprotect (172 B, _80)', unprotectOurs, rawProtect, ' pkt/s');

const width = [30, 20, 20];
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(width[i]!)).join(' ');
console.log(line(['media bench (one core)', 'sotto', 'peer']));
console.log(line(['', '', '(copy / raw node crypto)']));
for (const r of rows) console.log(line(r));
// 50 packets/s per direction per G.711 call: what the SRTP rate means for a relay.
console.log(`\nSRTP unprotect+protect per relayed packet ≈ ${fmt(1 / (1 / protectOurs + 1 / unprotectOurs))} pkt/s ≈ ${Math.floor(1 / (1 / protectOurs + 1 / unprotectOurs) / 100)} SRTP<->SRTP calls of crypto per core (both directions, 50 pkt/s each)`);
if (sink === 42) console.log('');
