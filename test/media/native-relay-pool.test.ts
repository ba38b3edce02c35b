// The native plane's parked port pairs (native/relay/port-pair.c): a call
// that ends leaves its sockets open for the next call on those ports. What
// a phone (or an attacker) would notice if that went wrong: the ended
// call's phone reaching the next call on its old port, a stranger getting
// in, a worker unable to bind a port, descriptors piling up. Ports
// 42740-42799 (native-relay.test.ts has 42200-42739).
import { spawn } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { MediaRelay } from '../../src/media/relay/index.ts';
import { buildNativeRelay } from '../../src/media/relay/native-build.ts';
import { NativeDataPlane } from '../../src/media/relay/native-plane.ts';
import type { NativeLegConfig } from '../../src/media/relay/native-protocol.ts';
import { Endpoint, openPair, portOf, rtcpReport, rtp, sdp } from './support/udp-phones.ts';

const opened: Endpoint[] = [];
afterAll(() => {
  for (const e of opened) e.close();
});

const phones = () => openPair(opened);

async function plainCall(relay: MediaRelay, callId: string) {
  const { a, b } = await phones();
  const toB = await relay.offer(callId, 'a', sdp(a.rtp.port), { peerLegId: 'b' });
  const toA = await relay.answer(callId, 'b', sdp(b.rtp.port));
  return { a, b, relayForA: portOf(toA), relayForB: portOf(toB) };
}

/** The relay child's sockets, as /proc names them (socket:[inode]), sorted. */
function socketLinks(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`)
    .map((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((link) => link.startsWith('socket:'))
    .sort();
}

function socketFds(pid: number): number {
  return socketLinks(pid).length;
}

/** Polls a counter of the relay until it reaches `want` (the child's reply is the event: no timers). */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  for (;;) {
    const v = await read();
    if (done(v)) return v;
  }
}

/** The relay program itself, driven line by line (as native-control.test.ts does); `shell` wraps its start (a lower descriptor limit). */
async function rawRelay(shell?: string) {
  const binary = await buildNativeRelay();
  if (!binary.ok) throw new Error(binary.error.code);
  const args = ['127.0.0.1', '262144', '262144', '60000', '3600000'];
  const child = shell ? spawn('sh', ['-c', `${shell}; exec "$0" "$@"`, binary.value, ...args], { stdio: ['pipe', 'pipe', 'inherit'] }) : spawn(binary.value, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => (waiters.shift() ?? ((l: string) => lines.push(l)))(line));
  const next = () => (lines.length > 0 ? Promise.resolve(lines.shift()!) : new Promise<string>((resolve) => waiters.push(resolve)));
  const write = (text: string) => new Promise<void>((resolve) => child.stdin.write(text, () => resolve()));
  return { child, next, write };
}

describe('native relay: parked port pairs', { timeout: 20_000 }, () => {
  it('a port reused after a parked period: the ended call\'s phone does not reach the new call, and a third address is still refused', async () => {
    // Two pairs: the second call gets the first call's ports again (round-robin wraps).
    const relay = await MediaRelay.start({ bindAddress: '127.0.0.1', portRange: { min: 42740, max: 42743 }, workers: 1, dataPlane: 'native' });
    try {
      const first = await plainCall(relay, 'parked-1');
      await first.a.rtp.send(rtp(1, 0xa1, 1), first.relayForA);
      await first.b.rtp.until(1);
      await relay.delete('parked-1');
      // The ended call's phone A goes on streaming to its old port, now parked.
      const old = first.relayForA;
      for (let i = 0; i < 6; i++) await first.a.rtp.send(rtp(2 + i, 0xa1, 0x0d), old);
      await first.a.rtcp.send(rtcpReport(0xa1), old + 1);

      const second = await plainCall(relay, 'parked-2');
      expect(new Set([second.relayForA, second.relayForB])).toEqual(new Set([first.relayForA, first.relayForB]));
      // Whichever new leg sits on the old port: its phone (`near`) and the other phone (`far`).
      const onOld = second.relayForA === old ? { near: second.a, far: second.b, farPort: second.relayForB } : { near: second.b, far: second.a, farPort: second.relayForA };
      const legId = second.relayForA === old ? 'a' : 'b';
      const fromNear = rtp(50, 0xc1, 0x21);
      await onOld.near.rtp.send(fromNear, old);
      await onOld.far.rtp.until(1);
      // Then the old phone (consecutive sequence numbers, one SSRC: what the latch check wants) and a stranger.
      const stranger = await Endpoint.open('127.0.0.2');
      opened.push(stranger);
      for (let i = 0; i < 6; i++) {
        await first.a.rtp.send(rtp(8 + i, 0xa1, 0x0d), old);
        await stranger.send(rtp(300 + i, 0x5eed, 0x66), old);
      }
      const again = rtp(51, 0xc1, 0x22);
      await onOld.near.rtp.send(again, old);
      await onOld.far.rtp.until(2);
      expect(onOld.far.rtp.heard.map((h) => h.bytes)).toEqual([fromNear, again]);
      // Media the other way goes to the new phone only.
      await onOld.far.rtp.send(rtp(70, 0xd1, 0x31), onOld.farPort);
      await onOld.near.rtp.until(1);
      expect(onOld.near.rtp.heard.map((h) => h.bytes)).toEqual([rtp(70, 0xd1, 0x31)]);
      // The new leg saw exactly the twelve sent after it latched: nothing queued while parked reached it.
      const leg = (await relay.stats('parked-2')).legs.find((l) => l.legId === legId)!;
      expect(leg).toMatchObject({ localPort: old, latched: true, packetsReceived: 2, packetsRefused: 12, rtcpReceived: 0 });
      expect(first.a.rtp.heard).toHaveLength(0);
      expect(stranger.heard).toHaveLength(0);
      await relay.delete('parked-2');

      // A JS call (SRTP) gets a port the native plane had parked: the plane lets it go first.
      const srtp = await phones();
      const offer = sdp(srtp.a.rtp.port).replace('RTP/AVP', 'RTP/SAVP') + 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:' + Buffer.alloc(30, 7).toString('base64') + '\r\n';
      const toB = await relay.offer('parked-srtp', 'a', offer, { peerLegId: 'b' });
      expect(relay.planeOf('parked-srtp')).toBe('js');
      expect([42740, 42742]).toContain(portOf(toB));
      await relay.delete('parked-srtp');
    } finally {
      await relay.close();
    }
    // Stopped: every socket closed, parked ones included.
    for (const port of [42740, 42741, 42742, 42743]) (await Endpoint.open('127.0.0.1', port)).close();
  });

  it('drops what arrives on a parked port, counts it, and forwards none of it', async () => {
    const started = await NativeDataPlane.start({ bindAddress: '127.0.0.1', recvBufferSize: 262144, sendBufferSize: 262144, inactivityTimeoutMs: 60_000, holdInactivityTimeoutMs: 3_600_000 }, () => {});
    if (!started.ok) throw new Error(started.error.code);
    const plane = started.value;
    try {
      const { a, b } = await phones();
      const leg = (port: number, phone: Endpoint): NativeLegConfig => ({ port, remoteAddress: '127.0.0.1', remotePort: phone.port, remoteRtcpPort: phone.port + 1, payloadType: 0, receivesFrom: true, sendsTo: true, latch: 'latch-once' });
      await plane.request({ op: 'bind', call: 1, ports: [42750, 42752] });
      await plane.request({ op: 'configure', call: 1, legs: [leg(42750, a.rtp), leg(42752, b.rtp)] });
      await a.rtp.send(rtp(1, 0xa1, 1), 42750);
      await b.rtp.until(1);
      await plane.request({ op: 'end', call: 1 });
      expect(await plane.planeStats()).toMatchObject({ openPairs: 2, parkedPairs: 2, parkedDropped: 0 });
      // The phone that was latched, on both ports of its old pair.
      for (let i = 0; i < 3; i++) await a.rtp.send(rtp(2 + i, 0xa1, 2), 42750);
      await a.rtcp.send(rtcpReport(0xa1), 42751);
      const stats = await until(() => plane.planeStats(), (s) => s.parkedDropped >= 4);
      expect(stats).toMatchObject({ parkedPairs: 2, parkedDropped: 4 });
      // Counted means read: the child will never handle them again, so nothing more can reach B.
      expect(b.rtp.heard).toHaveLength(1);
      expect(b.rtcp.heard).toHaveLength(0);
      // A worker wanting the port: unpark closes the pair, and the port binds.
      await plane.unpark([42750]);
      expect(await plane.planeStats()).toMatchObject({ openPairs: 1, parkedPairs: 1 });
      for (const port of [42750, 42751]) (await Endpoint.open('127.0.0.1', port)).close();
    } finally {
      await plane.close();
    }
  });

  it('keeps its descriptors bounded by the range while calls churn through it twice', async () => {
    // Ten pairs: each call takes two, so twenty calls go through every pair twice (round-robin).
    const relay = await MediaRelay.start({ bindAddress: '127.0.0.1', portRange: { min: 42760, max: 42779 }, workers: 1, dataPlane: 'native' });
    try {
      const pid = relay.nativePid!;
      const atStart = socketFds(pid);
      const counts: number[] = [];
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 5; i++) {
          const callId = `churn-${round}-${i}`;
          const call = await plainCall(relay, callId);
          await call.a.rtp.send(rtp(1, 0xa1, 1), call.relayForA);
          await call.b.rtp.until(1);
          await relay.delete(callId);
        }
        counts.push(socketFds(pid) - atStart);
      }
      // Two sockets (RTP, RTCP) per pair in the range, after one pass and after two: none leaked, none reopened.
      expect(counts).toEqual([20, 20]);
      expect(relay.ports.inUse).toBe(0);
    } finally {
      await relay.close();
    }
  });

  it('drains what queued on a parked port before a new call\'s leg exists (the old phone\'s stream cannot latch it)', async () => {
    const { child, next, write } = await rawRelay();
    const legs = (a: Endpoint, b: Endpoint) => `42790,127.0.0.1,${a.port},${a.port + 1},0,101,3,o 42792,127.0.0.1,${b.port},${b.port + 1},0,101,3,o`;
    try {
      expect(await next()).toBe('READY 1');
      const first = await phones();
      await write(`B 1 1 42790 42792\nC 2 1 ${legs(first.a.rtp, first.b.rtp)}\n`);
      expect([await next(), await next()]).toEqual(['R 1 OK', 'R 2 OK']);
      await first.a.rtp.send(rtp(1, 0xa1, 1), 42790);
      await first.b.rtp.until(1);
      await write('E 3 1\n');
      expect(await next()).toBe('R 3 OK');
      // Stopped, the child reads nothing: the next call's requests wait in its pipe, then the old
      // phone's stream waits on the parked socket, and it wakes to both at once (requests first).
      const second = await phones();
      child.kill('SIGSTOP');
      await write(`B 4 2 42790 42792\nC 5 2 ${legs(second.a.rtp, second.b.rtp)}\n`);
      for (let i = 0; i < 4; i++) await first.a.rtp.send(rtp(2 + i, 0xa1, 0x0d), 42790);
      child.kill('SIGCONT');
      expect([await next(), await next()]).toEqual(['R 4 OK', 'R 5 OK']);
      await write('Q 6\n');
      // All four read and dropped by the take of the pair, none left for the new leg to judge.
      expect(await next()).toMatch(/^R 6 PLANE 2 0 4 \d+$/);
      const fromA = rtp(40, 0xc1, 0x21);
      await second.a.rtp.send(fromA, 42790);
      await second.b.rtp.until(1);
      expect(second.b.rtp.heard.map((h) => h.bytes)).toEqual([fromA]);
      // The new leg on 42790: latched (to the new phone, the only one heard), one received, nothing refused.
      await write('S 7 2\n');
      const legStats = (await next()).split(' ').slice(3);
      expect(legStats.find((l) => l.startsWith('42790,'))).toMatch(new RegExp(`^42790,1,1,0,0,0,0,0,0,\\d+,127\\.0\\.0\\.1,${second.a.rtp.port}$`));
    } finally {
      child.kill('SIGCONT');
      child.stdin.end();
    }
  });

  it('parks no more pairs than its descriptor limit allows: beyond the cap, pairs close at the end of their call', async () => {
    // A limit of 74 descriptors: (74 - 64 kept for the rest) / 2 = a cap of 5 pairs; ten pairs in play.
    const { child, next, write } = await rawRelay('ulimit -n 74');
    const ports = Array.from({ length: 10 }, (_, i) => 42780 + 2 * i);
    let seq = 1;
    const ask = async (line: string) => {
      await write(`${line.replace('#', String(seq))}\n`);
      return [await next(), seq++][0];
    };
    try {
      expect(await next()).toBe('READY 1');
      const atStart = socketFds(child.pid!); // its stdio: socket pairs from Node
      expect(await ask('Q #')).toBe('R 1 PLANE 0 0 0 5');
      // One call at a time through the ten pairs, twice: every bind succeeds, and the same five
      // pairs (the same sockets) stay parked, rather than every pair cycling through open and close.
      const parkedSockets: string[][] = [];
      for (let round = 0; round < 2; round++) {
        for (const [i, port] of ports.entries()) {
          expect(await ask(`B # ${i + 1} ${port}`)).toMatch(/^R \d+ OK$/);
          expect(await ask(`E # ${i + 1}`)).toMatch(/^R \d+ OK$/);
        }
        parkedSockets.push(socketLinks(child.pid!));
      }
      expect(await ask('Q #')).toMatch(/^R \d+ PLANE 5 5 0 5$/);
      expect(parkedSockets[1]).toEqual(parkedSockets[0]);
      // Ten calls at once: more pairs than the cap while they last (a call is never refused for it)…
      for (const [i, port] of ports.entries()) expect(await ask(`B # ${i + 1} ${port}`)).toMatch(/^R \d+ OK$/);
      expect(await ask('Q #')).toMatch(/^R \d+ PLANE 10 0 0 5$/);
      // …and when they end, those beyond the cap close, as every pair did before parking.
      for (const [i] of ports.entries()) expect(await ask(`E # ${i + 1}`)).toMatch(/^R \d+ OK$/);
      expect(await ask('Q #')).toMatch(/^R \d+ PLANE 5 5 0 5$/);
      expect(socketFds(child.pid!) - atStart).toBe(10);
    } finally {
      child.stdin.end();
    }
  });
});
