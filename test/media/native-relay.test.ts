// The native data plane (native/relay/) over real loopback UDP, driven
// through MediaRelay as the B2BUA drives it. The phones are bare sockets
// so each test can say exactly which bytes left from where: what a phone
// would notice (audio from the other phone, byte for byte, and nothing
// from anyone else). 127.0.0.2 plays the stranger: Linux routes all of
// 127/8 to loopback. These tests must run on the native plane: if it does
// not build, they fail (dataPlane: 'native' refuses to start without it).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaRelay } from '../../src/media/relay/index.ts';
import { Endpoint, openPhone, portOf, rtcpReport, rtp, sdp } from './support/udp-phones.ts';

let relay: MediaRelay;
const opened: Endpoint[] = [];
let nextCall = 0;

beforeAll(async () => {
  relay = await MediaRelay.start({ bindAddress: '127.0.0.1', portRange: { min: 42200, max: 42399 }, workers: 1, dataPlane: 'native' });
});

afterAll(async () => {
  for (const e of opened) e.close();
  await relay.close();
});

async function plainCall(on: MediaRelay = relay) {
  const a = await openPhone();
  const b = await openPhone();
  opened.push(a.rtp, a.rtcp, b.rtp, b.rtcp);
  const callId = `native-${++nextCall}`;
  const toB = await on.offer(callId, 'a', sdp(a.rtp.port), { peerLegId: 'b' });
  const toA = await on.answer(callId, 'b', sdp(b.rtp.port));
  return { callId, a, b, relayForA: portOf(toA), relayForB: portOf(toB) };
}

describe('native media relay', { timeout: 20_000 }, () => {
  it('carries plain calls on the native plane, byte-exact both ways, from the port SDP named', async () => {
    expect(relay.dataPlane).toBe('native');
    const { callId, a, b, relayForA, relayForB } = await plainCall();
    expect(relay.planeOf(callId)).toBe('native');
    const fromA = rtp(1000, 0xa0a0a0a0, 0x11);
    // With a CSRC, a header extension and padding: the relay passes what it does not need to read.
    const withExtras = Buffer.concat([Buffer.from([0xb1, 0x00, 0x03, 0xe9, 0, 0, 0x03, 0x20, 0xa0, 0xa0, 0xa0, 0xa0, 1, 2, 3, 4, 0xbe, 0xde, 0, 1, 9, 9, 9, 9]), Buffer.alloc(160, 0x22), Buffer.from([0, 0, 0, 4])]);
    await a.rtp.send(fromA, relayForA);
    await a.rtp.send(withExtras, relayForA);
    await b.rtp.until(2);
    expect(b.rtp.heard.map((h) => h.bytes)).toEqual([fromA, withExtras]);
    expect(b.rtp.heard.every((h) => h.from === relayForB)).toBe(true);
    const fromB = rtp(7, 0xb0b0b0b0, 0x33);
    const event = rtp(8, 0xb0b0b0b0, 0x05, 101).subarray(0, 16);
    await b.rtp.send(fromB, relayForB);
    await b.rtp.send(event, relayForB);
    await a.rtp.until(2);
    expect(a.rtp.heard.map((h) => h.bytes)).toEqual([fromB, event]);
    expect(a.rtp.heard.every((h) => h.from === relayForA)).toBe(true);
    const stats = await relay.stats(callId);
    expect(stats.legs.find((l) => l.legId === 'a')).toMatchObject({ localPort: relayForA, latched: true, packetsReceived: 2, packetsSent: 2 });
  });

  it('forwards RTCP between the phones on port + 1, from the latched phone only', async () => {
    const { callId, a, b, relayForA, relayForB } = await plainCall();
    // RTCP is taken only once the leg's RTP has latched.
    await a.rtp.send(rtp(1, 0xa1, 1), relayForA);
    await b.rtp.send(rtp(1, 0xb1, 2), relayForB);
    await b.rtp.until(1);
    await a.rtp.until(1);
    const stranger = await Endpoint.open('127.0.0.2');
    opened.push(stranger);
    await stranger.send(rtcpReport(0x5eed), relayForA + 1);
    const report = rtcpReport(0xa1);
    await a.rtcp.send(report, relayForA + 1);
    await b.rtcp.until(1);
    expect(b.rtcp.heard[0]!.bytes).toEqual(report);
    expect(b.rtcp.heard[0]!.from).toBe(relayForB + 1);
    const back = rtcpReport(0xb1);
    await b.rtcp.send(back, relayForB + 1);
    await a.rtcp.until(1);
    expect(a.rtcp.heard.map((h) => h.bytes)).toEqual([back]);
    const legA = (await relay.stats(callId)).legs.find((l) => l.legId === 'a')!;
    expect(legA).toMatchObject({ rtcpReceived: 1, packetsRefused: 1 });
    expect(b.rtcp.heard).toHaveLength(1);
    expect(stranger.heard).toHaveLength(0);
  });

  it('latches to the SDP address on its first packet, and to a NAT address only after two consistent packets', async () => {
    const { a, b, relayForA, relayForB } = await plainCall();
    // A's first packet from the SDP address is relayed at once.
    await a.rtp.send(rtp(10, 0xa2, 1), relayForA);
    await b.rtp.until(1);
    // B sits behind NAT: it sends from another port than its SDP said.
    const natB = await Endpoint.open();
    opened.push(natB);
    await natB.send(rtp(500, 0xb2, 2), relayForB); // not yet trusted
    await natB.send(rtp(501, 0xb2, 3), relayForB); // consecutive: latched, relayed
    await a.rtp.until(1);
    expect(a.rtp.heard.map((h) => h.bytes)).toEqual([rtp(501, 0xb2, 3)]);
    // A's audio now goes to B's NAT address, not to the SDP port.
    await a.rtp.send(rtp(11, 0xa2, 4), relayForA);
    await natB.until(1);
    expect(natB.heard[0]!.bytes).toEqual(rtp(11, 0xa2, 4));
    expect(b.rtp.heard).toHaveLength(1);
  });

  it('does not let one spoofed packet that races the phone take the stream', async () => {
    const { a, relayForA, relayForB } = await plainCall();
    const natB = await Endpoint.open();
    const stranger = await Endpoint.open('127.0.0.2');
    opened.push(natB, stranger);
    // The stranger guesses the port and sends first; B (behind NAT) follows with its stream.
    await stranger.send(rtp(900, 0x5eed, 0x66), relayForB);
    await natB.send(rtp(40, 0xb3, 0x44), relayForB);
    await natB.send(rtp(41, 0xb3, 0x45), relayForB);
    await a.rtp.until(1);
    // Then the stranger sends a consistent stream of its own.
    for (let i = 1; i <= 5; i++) await stranger.send(rtp(900 + i, 0x5eed, 0x66), relayForB);
    await natB.send(rtp(42, 0xb3, 0x46), relayForB);
    await a.rtp.until(2);
    expect(a.rtp.heard.map((h) => h.bytes)).toEqual([rtp(41, 0xb3, 0x45), rtp(42, 0xb3, 0x46)]);
    await a.rtp.send(rtp(1, 0xa3, 0x10), relayForA);
    await natB.until(1);
    expect(stranger.heard).toHaveLength(0);
  });

  it('neither forwards nor latches onto a third address mid-call, even copying the phone\'s stream', async () => {
    const { callId, a, b, relayForA, relayForB } = await plainCall();
    await a.rtp.send(rtp(100, 0xa4, 1), relayForA);
    await b.rtp.send(rtp(200, 0xb4, 2), relayForB);
    await b.rtp.until(1);
    await a.rtp.until(1);
    const strangers = [await Endpoint.open('127.0.0.2'), await Endpoint.open('127.0.0.1')];
    opened.push(...strangers);
    for (const s of strangers) {
      for (let i = 1; i <= 10; i++) {
        await s.send(rtp(100 + i, 0xa4, 0x77), relayForA);
        await s.send(rtp(200 + i, 0xb4, 0x77), relayForB);
      }
    }
    await a.rtp.send(rtp(101, 0xa4, 3), relayForA);
    await b.rtp.send(rtp(201, 0xb4, 4), relayForB);
    await b.rtp.until(2);
    await a.rtp.until(2);
    expect(b.rtp.heard.map((h) => h.bytes)).toEqual([rtp(100, 0xa4, 1), rtp(101, 0xa4, 3)]);
    expect(a.rtp.heard.map((h) => h.bytes)).toEqual([rtp(200, 0xb4, 2), rtp(201, 0xb4, 4)]);
    for (const s of strangers) expect(s.heard).toHaveLength(0);
    const legs = (await relay.stats(callId)).legs;
    expect(legs.find((l) => l.legId === 'a')!.packetsRefused).toBe(20);
    expect(legs.find((l) => l.legId === 'b')!.packetsRefused).toBe(20);
  });

  it('drops malformed packets and payload types not negotiated, and goes on relaying', async () => {
    const { callId, a, b, relayForA } = await plainCall();
    const first = rtp(1, 0xa5, 8);
    await a.rtp.send(first, relayForA);
    await b.rtp.until(1);
    const malformed = [
      Buffer.alloc(0),
      Buffer.from([0x80, 0x00, 0x01]),
      Buffer.concat([Buffer.from([0x40]), rtp(1, 1, 1).subarray(1)]), // version 1
      Buffer.concat([Buffer.from([0x8f]), rtp(1, 1, 1).subarray(1, 20)]), // 15 CSRCs in 20 octets
      Buffer.concat([Buffer.from([0x90]), rtp(1, 1, 1).subarray(1, 12), Buffer.from([0xbe, 0xde, 0xff, 0xff])]), // extension past the end
      Buffer.concat([Buffer.from([0xa0]), rtp(1, 1, 1).subarray(1, 171), Buffer.from([0])]), // padding count 0
      Buffer.concat([Buffer.from([0xa0]), rtp(1, 1, 1).subarray(1, 20), Buffer.from([200])]), // padding longer than the packet
      Buffer.concat([rtp(1, 1, 1), Buffer.alloc(3000)]), // longer than any G.711 packet
    ];
    for (const m of malformed) await a.rtp.send(m, relayForA);
    await a.rtp.send(rtp(2, 0xa5, 1, 96), relayForA); // a payload type SDP did not name
    const good = rtp(3, 0xa5, 9);
    await a.rtp.send(good, relayForA);
    await b.rtp.until(2);
    expect(b.rtp.heard.map((h) => h.bytes)).toEqual([first, good]);
    const legA = (await relay.stats(callId)).legs.find((l) => l.legId === 'a')!;
    expect(legA).toMatchObject({ packetsMalformed: malformed.length, unexpectedPayloadType: 1, packetsReceived: 2 });
  });

  it('follows SDP direction: on hold (A sendonly, B recvonly) B\'s audio does not reach A, and the latch survives the re-INVITE', async () => {
    const { callId, a, b, relayForA, relayForB } = await plainCall();
    await a.rtp.send(rtp(1, 0xa8, 1), relayForA);
    await b.rtp.until(1);
    // Re-INVITE from A putting B on hold: same addresses, so the same ports and latches.
    const toB = await relay.offer(callId, 'a', sdp(a.rtp.port, 'sendonly'));
    expect(portOf(toB)).toBe(relayForB);
    expect(await relay.answer(callId, 'b', sdp(b.rtp.port, 'recvonly'))).toContain('a=recvonly');
    await b.rtp.send(rtp(1, 0xb8, 2), relayForB); // refused by direction, not forwarded
    await a.rtp.send(rtp(2, 0xa8, 3), relayForA);
    await b.rtp.until(2);
    expect(b.rtp.heard.map((h) => h.bytes)).toEqual([rtp(1, 0xa8, 1), rtp(2, 0xa8, 3)]);
    // B's packet was taken in (counted) and dropped: nothing arrives for A once the relay has seen it.
    while ((await relay.stats(callId)).legs.find((l) => l.legId === 'b')!.packetsReceived < 1);
    expect(a.rtp.heard).toHaveLength(0);
    expect((await relay.stats(callId)).legs.find((l) => l.legId === 'a')!.latched).toBe(true);
    expect(relay.planeOf(callId)).toBe('native');
  });

  it('delete returns the ports to the pool (their sockets stay parked on the plane: native-relay-pool.test.ts)', async () => {
    const before = relay.ports.inUse;
    const { callId } = await plainCall();
    expect(relay.ports.inUse).toBe(before + 2);
    await relay.delete(callId);
    expect(relay.ports.inUse).toBe(before);
  });

  it('reports a call whose RTP stopped as inactive, once until RTP flows again', async () => {
    const quiet = await MediaRelay.start({ bindAddress: '127.0.0.1', portRange: { min: 42500, max: 42599 }, workers: 1, dataPlane: 'native', inactivityTimeoutMs: 200 });
    try {
      const reports: string[] = [];
      const waiters: (() => void)[] = [];
      quiet.onInactive((id) => {
        reports.push(id);
        waiters.shift()?.();
      });
      const report = () => new Promise<void>((resolve) => waiters.push(resolve));
      const { callId, a, b, relayForA } = await plainCall(quiet);
      const first = report();
      await a.rtp.send(rtp(1, 0xa6, 1), relayForA);
      await b.rtp.until(1);
      await first;
      expect(quiet.planeOf(callId)).toBe('native');
      expect(reports).toEqual([callId]);
      // RTP again re-arms it: a second silence is a second report.
      const second = report();
      await a.rtp.send(rtp(2, 0xa6, 1), relayForA);
      await b.rtp.until(2);
      await second;
      expect(reports).toEqual([callId, callId]);
    } finally {
      await quiet.close();
    }
  });

  it('reports its calls inactive at once when the native plane dies, and relays new calls on the workers', async () => {
    const logged: string[] = [];
    const doomed = await MediaRelay.start({ bindAddress: '127.0.0.1', portRange: { min: 42600, max: 42699 }, workers: 1, dataPlane: 'native', log: (code) => logged.push(code) });
    try {
      const { callId, a, b, relayForA } = await plainCall(doomed);
      await a.rtp.send(rtp(1, 0xb1, 1), relayForA);
      await b.rtp.until(1);
      const reported = new Promise<string>((resolve) => doomed.onInactive((id) => resolve(id)));
      process.kill(doomed.nativePid!, 'SIGKILL');
      // The B2BUA hangs up a call reported inactive: without the report it would stay up, silent.
      expect(await reported).toBe(callId);
      expect(logged).toEqual(['RELAY_NATIVE_EXITED']);
      const next = await plainCall(doomed);
      expect(doomed.planeOf(next.callId)).toBe('js');
    } finally {
      await doomed.close();
    }
  });

  it('moves a call to the JS workers when it needs a prompt, keeping the latched NAT address', async () => {
    const { callId, a, relayForA, relayForB } = await plainCall();
    const natB = await Endpoint.open();
    opened.push(natB);
    await natB.send(rtp(10, 0xb7, 1), relayForB);
    await natB.send(rtp(11, 0xb7, 2), relayForB);
    await a.rtp.until(1);
    const playback = await relay.play(callId, 'b', { pcm: new Int16Array(160 * 3).fill(1000) });
    expect(relay.planeOf(callId)).toBe('js');
    await playback.done;
    // The prompt went to where B actually is, and the ports did not change.
    await natB.until(3);
    expect(natB.heard.every((h) => h.from === relayForB)).toBe(true);
    // A stranger still cannot get in after the move.
    const stranger = await Endpoint.open('127.0.0.2');
    opened.push(stranger);
    await stranger.send(rtp(12, 0xb7, 0x66), relayForB);
    await natB.send(rtp(12, 0xb7, 3), relayForB);
    await a.rtp.until(2);
    expect(a.rtp.heard.at(-1)!.bytes.subarray(12)).toEqual(rtp(12, 0xb7, 3).subarray(12));
    expect(stranger.heard).toHaveLength(0);
  });

  it('keeps SRTP offers on the JS workers', async () => {
    const a = await openPhone();
    opened.push(a.rtp, a.rtcp);
    const offer = sdp(a.rtp.port).replace('RTP/AVP', 'RTP/SAVP') + 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:' + Buffer.alloc(30, 7).toString('base64') + '\r\n';
    await relay.offer('native-srtp', 'a', offer, { peerLegId: 'b' });
    expect(relay.planeOf('native-srtp')).toBe('js');
    await relay.delete('native-srtp');
  });

  it('without a C compiler, relays on the JS workers and logs a code; dataPlane native refuses to start', async () => {
    const saved = { path: process.env.PATH, cache: process.env.SOTTO_NATIVE_CACHE };
    process.env.PATH = '/nonexistent';
    const cache = mkdtempSync(join(tmpdir(), 'sotto-no-cc-'));
    process.env.SOTTO_NATIVE_CACHE = cache;
    try {
      const logged: string[] = [];
      const fallback = await MediaRelay.start({ bindAddress: '127.0.0.1', portRange: { min: 42600, max: 42699 }, workers: 1, log: (code) => logged.push(code) });
      expect(fallback.dataPlane).toBe('js');
      expect(logged).toEqual(['RELAY_NATIVE_NO_COMPILER']);
      await fallback.close();
      await expect(MediaRelay.start({ bindAddress: '127.0.0.1', portRange: { min: 42600, max: 42699 }, workers: 1, dataPlane: 'native' })).rejects.toMatchObject({ code: 'RELAY_CLOSED' });
    } finally {
      process.env.PATH = saved.path;
      rmSync(cache, { recursive: true, force: true });
      if (saved.cache === undefined) delete process.env.SOTTO_NATIVE_CACHE;
      else process.env.SOTTO_NATIVE_CACHE = saved.cache;
    }
  });

  it('stays up through a Ctrl-C or a service stop signalling its process group: the parent stops it, by closing its control pipe', async () => {
    const logged: string[] = [];
    const relay2 = await MediaRelay.start({ bindAddress: '127.0.0.1', portRange: { min: 42700, max: 42739 }, workers: 1, dataPlane: 'native', log: (code) => logged.push(code) });
    try {
      // Ctrl-C in a terminal; systemd's stop and timeout(1) send SIGTERM to every process of the service.
      process.kill(relay2.nativePid!, 'SIGINT');
      process.kill(relay2.nativePid!, 'SIGTERM');
      // A whole call through it after the signal: the plane was running to answer it.
      const { callId, a, b, relayForA } = await plainCall(relay2);
      await a.rtp.send(rtp(1, 0xc1, 1), relayForA);
      await b.rtp.until(1);
      expect(relay2.planeOf(callId)).toBe('native');
      expect(logged).toEqual([]);
    } finally {
      await relay2.close();
    }
  });

  it('dies with its parent, even when the parent is killed outright', async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', new URL('./support/native-relay-parent.ts', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    expect(existsSync(`/proc/${pid}`)).toBe(true);
    const dead = new Promise((resolve) => parent.once('exit', resolve));
    parent.kill('SIGKILL');
    await dead;
    // The child sees EOF on its control pipe and exits; wait for its /proc entry to go (it is not our child, so no exit event).
    await new Promise<void>((resolve) => {
      const check = () => (existsSync(`/proc/${pid}`) && !isZombie(pid) ? setTimeout(check, 20) : resolve());
      check();
    });
  });
});

function isZombie(pid: number): boolean {
  try {
    return /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}
