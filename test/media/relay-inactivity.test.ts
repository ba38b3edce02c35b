// When the relay reports a call's media dead (the B2BUA then hangs it up),
// on both data planes, with the relay's clock held so a minute or an hour
// passes in one request and nothing is reported by the wall clock. The
// phones are bare loopback sockets; 127.0.0.2 plays the stranger.
//   - RTCP from the latched phone is a sign of life (RFC 3550 §6.3.5);
//     RTCP from any other address is not.
//   - A call on hold (RFC 3264 §8.4: a=inactive, a=sendonly, c=0.0.0.0)
//     carries no RTP by design: it is not ended after the 60 s window, only
//     at the hold bound (1 h); resume restores 60 s, counted from the resume.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaRelay } from '../../src/media/relay/index.ts';
import type { LegStats } from '../../src/media/relay/control-messages.ts';
import { Endpoint, openPair, portOf, rtcpReport, rtp, sdp } from './support/udp-phones.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const RANGES = { native: { min: 49000, max: 49039 }, js: { min: 49040, max: 49079 } } as const;

/** The same SDP with the RFC 2543 hold address (RFC 3264 §8.4 still asks answerers to take it). */
const zeroed = (text: string) => text.replace('c=IN IP4 127.0.0.1', 'c=IN IP4 0.0.0.0');

const HOLDS = [
  { style: 'a=inactive', offer: (port: number) => sdp(port, 'inactive'), answer: (port: number) => sdp(port, 'inactive') },
  { style: 'a=sendonly', offer: (port: number) => sdp(port, 'sendonly'), answer: (port: number) => sdp(port, 'recvonly') },
  { style: 'c=0.0.0.0', offer: (port: number) => zeroed(sdp(port)), answer: (port: number) => sdp(port) },
];

describe.each(['native', 'js'] as const)('media inactivity on the %s plane', { timeout: 20_000 }, (plane) => {
  let relay: MediaRelay;
  const opened: Endpoint[] = [];
  const reports: { callId: string; idleMs: number }[] = [];
  let nextCall = 0;

  beforeAll(async () => {
    relay = await MediaRelay.start({ bindAddress: '127.0.0.1', portRange: RANGES[plane], workers: 1, dataPlane: plane, clock: 'held' });
    relay.onInactive((callId, idleMs) => void reports.push({ callId, idleMs }));
  });

  afterAll(async () => {
    for (const e of opened) e.close();
    await relay.close();
  });

  /** a calls b, both sendrecv; a's RTP latches its leg. */
  async function connected() {
    const { a, b } = await openPair(opened);
    const callId = `${plane}-quiet-${++nextCall}`;
    const toB = await relay.offer(callId, 'a', sdp(a.rtp.port), { peerLegId: 'b' });
    const toA = await relay.answer(callId, 'b', sdp(b.rtp.port));
    expect(relay.planeOf(callId)).toBe(plane);
    const relayForA = portOf(toA);
    await a.rtp.send(rtp(1, 0xa1, 0x11), relayForA);
    await b.rtp.until(1);
    return { callId, a, b, relayForA, relayForB: portOf(toB) };
  }

  /** A re-INVITE through the relay: a offers, b answers. */
  async function renegotiate(callId: string, offer: string, answer: string): Promise<void> {
    await relay.offer(callId, 'a', offer);
    await relay.answer(callId, 'b', answer);
  }

  /** Asks for a's leg counters until `test` holds (the relay takes a datagram when it takes it). */
  async function legA(callId: string, test: (leg: LegStats) => boolean): Promise<LegStats> {
    for (;;) {
      const leg = (await relay.stats(callId)).legs.find((l) => l.legId === 'a')!;
      if (test(leg)) return leg;
    }
  }

  const reported = (callId: string) => reports.filter((r) => r.callId === callId).map((r) => r.idleMs);

  it('reports a call whose phones fell silent once 60 s have passed, not before', async () => {
    const { callId } = await connected();
    await relay.advanceClock(MINUTE - 1);
    expect(reported(callId)).toEqual([]);
    await relay.advanceClock(1);
    expect(reported(callId)).toEqual([MINUTE]);
  });

  it('counts RTCP from the latched phone as a sign of life: a call whose phone keeps reporting stays up', async () => {
    const { callId, a, relayForA } = await connected();
    await relay.advanceClock(50_000);
    await a.rtcp.send(rtcpReport(0xa1), relayForA + 1);
    await legA(callId, (l) => l.rtcpReceived === 1);
    // 100 s without RTP, 50 s since the report.
    await relay.advanceClock(50_000);
    expect(reported(callId)).toEqual([]);
    await relay.advanceClock(10_000);
    expect(reported(callId)).toEqual([MINUTE]);
  });

  it('does not count RTCP from another address, nor from another port of the phone once its RTCP port is known', async () => {
    const { callId, a, relayForA } = await connected();
    await a.rtcp.send(rtcpReport(0xa1), relayForA + 1);
    await legA(callId, (l) => l.rtcpReceived === 1);
    await relay.advanceClock(30_000);
    const stranger = await Endpoint.open('127.0.0.2');
    const otherPort = await Endpoint.open('127.0.0.1');
    opened.push(stranger, otherPort);
    await stranger.send(rtcpReport(0x5eed), relayForA + 1);
    await otherPort.send(rtcpReport(0xa1), relayForA + 1);
    const leg = await legA(callId, (l) => l.packetsRefused + l.rtcpReceived === 3);
    expect(leg).toMatchObject({ rtcpReceived: 1, packetsRefused: 2 });
    // A minute after the phone's own report, whatever the others sent.
    await relay.advanceClock(30_000);
    expect(reported(callId)).toEqual([MINUTE]);
  });

  it.each(HOLDS)('keeps a call on hold ($style) up past 60 s of silence, and reports it at the 1 h hold bound', async ({ offer, answer }) => {
    const { callId, a, b } = await connected();
    await renegotiate(callId, offer(a.rtp.port), answer(b.rtp.port));
    await relay.advanceClock(MINUTE + 1_000);
    expect(reported(callId)).toEqual([]);
    await relay.advanceClock(HOUR - MINUTE - 1_001);
    expect(reported(callId)).toEqual([]);
    await relay.advanceClock(1);
    expect(reported(callId)).toEqual([HOUR]);
  });

  it('restores the 60 s window on resume, counted from the resume however long the hold was', async () => {
    const { callId, a, b } = await connected();
    await renegotiate(callId, sdp(a.rtp.port, 'inactive'), sdp(b.rtp.port, 'inactive'));
    await relay.advanceClock(HOUR / 2);
    expect(reported(callId)).toEqual([]);
    await renegotiate(callId, sdp(a.rtp.port), sdp(b.rtp.port));
    await relay.advanceClock(MINUTE - 1);
    expect(reported(callId)).toEqual([]);
    await relay.advanceClock(1);
    expect(reported(callId)).toEqual([MINUTE]);
  });
});
