// The media relay over real loopback UDP: two fake phones (plain sockets)
// call each other through it, and what each hears is decoded and checked
// the way a person on the phone would notice: the tone's pitch and length,
// keys reported once, a stranger unable to get into the call.
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  concatPcm,
  detectToneSegments,
  generateDtmfTone,
  parseRtcpCompound,
  silentPcm,
  dominantFrequency,
  encodeUlaw,
  generateTone,
  pcm16ToBytes,
  serializeRtpPacket,
  telephoneEventTrain,
  ulawToLinear,
  writeWav,
  type G711Codec,
  type RtpPacket,
} from '../../src/media/index.ts';
import { MediaRelay, type DtmfNotice, type OfferOptions, type RecordedFrame } from '../../src/media/relay/index.ts';
import { FakePhone, sendPaced } from './fake-phone.ts';

let relay: MediaRelay;
const phones: FakePhone[] = [];
let nextCall = 0;

beforeAll(async () => {
  relay = await MediaRelay.start({ bindAddress: '127.0.0.1', portRange: { min: 41000, max: 41999 }, workers: 2 });
});

afterAll(async () => {
  for (const p of phones) p.close();
  await relay.close();
});

interface Call {
  readonly callId: string;
  readonly a: FakePhone;
  readonly b: FakePhone;
}

async function call(
  options: { aCodecs?: G711Codec[]; bCodecs?: G711Codec[]; aSrtp?: boolean; bSrtp?: boolean; te?: number | null; offer?: OfferOptions } = {},
  on: MediaRelay = relay,
): Promise<Call> {
  const a = await FakePhone.open();
  const b = await FakePhone.open();
  phones.push(a, b);
  const callId = `call-${++nextCall}`;
  const te = options.te === null ? {} : { telephoneEventPayloadType: options.te ?? 101 };
  const offer = a.offer({ codecs: options.aCodecs ?? ['PCMU'], ...te, srtp: options.aSrtp ?? false });
  const toB = await on.offer(callId, 'a', offer, options.offer ?? {});
  const answer = b.answer(toB, { codecs: options.bCodecs ?? ['PCMU', 'PCMA'], srtp: options.bSrtp ?? false });
  const toA = await on.answer(callId, 'b', answer);
  a.takeAnswer(toA);
  return { callId, a, b };
}

const tone = (hz: number, ms: number) => generateTone([hz], ms, { amplitude: 8000 });

function expectTone(pcm: Int16Array, hz: number, ms: number): void {
  expect(Math.abs(dominantFrequency(pcm) - hz)).toBeLessThan(15);
  const segments = detectToneSegments(pcm, { frequencyHz: hz });
  expect(segments).toHaveLength(1);
  expect(Math.abs(segments[0]!.durationMs - ms)).toBeLessThanOrEqual(40);
}

describe('media relay', () => {
  it('carries a tone from A to B, under the relay SSRC with consecutive sequence numbers (JS plane)', async () => {
    // A plain call would go to the native plane, which passes packets byte-exact (test/media/native-relay.test.ts).
    const { a, b } = await call({ offer: { dataPlane: 'js' } });
    const packets = a.packets(tone(1000, 1000));
    for (const p of packets) a.sendPacket(p);
    await b.until(() => b.received.length === packets.length);
    expectTone(b.decodedAudio(), 1000, 1000);
    // The relay's port facing B is where B's packets come from; it answered as SDP said.
    expect(new Set(b.received.map((r) => r.from.port))).toEqual(new Set([b.negotiated!.remotePort]));
    const ssrcs = new Set(b.received.map((r) => r.packet.ssrc));
    expect(ssrcs.size).toBe(1);
    expect([...ssrcs][0]).not.toBe(packets[0]!.ssrc);
  });

  it('transcodes PCMU from A into PCMA for B, and back', async () => {
    const { a, b } = await call({ aCodecs: ['PCMU'], bCodecs: ['PCMA'], offer: { codecs: ['PCMA'] } });
    expect(a.negotiated!.codec).toBe('PCMU');
    expect(b.negotiated!.codec).toBe('PCMA');
    for (const p of a.packets(tone(800, 600))) a.sendPacket(p);
    for (const p of b.packets(tone(1200, 400))) b.sendPacket(p);
    await b.until(() => b.received.length === 30);
    await a.until(() => a.received.length === 20);
    expect(b.received.every((r) => r.packet.payloadType === 8)).toBe(true);
    expect(a.received.every((r) => r.packet.payloadType === 0)).toBe(true);
    expectTone(b.decodedAudio('pcma'), 800, 600);
    expectTone(a.decodedAudio('pcmu'), 1200, 400);
  });

  it('neither forwards nor latches onto RTP from a third address mid-call', async () => {
    const { callId, a, b } = await call();
    const first = a.packets(tone(1000, 200));
    for (const p of first) a.sendPacket(p);
    await b.until(() => b.received.length === first.length);

    // The stranger knows the relay's port facing A and sends a consistent stream there, as A would.
    const stranger = await FakePhone.open();
    phones.push(stranger);
    const forged: RtpPacket[] = Array.from({ length: 20 }, (_, i) => ({
      marker: false,
      payloadType: 0,
      sequenceNumber: 100 + i,
      timestamp: 16000 + i * 160,
      ssrc: 0x5eed,
      csrc: [],
      paddingLength: 0,
      payload: encodeUlaw(tone(3000, 20)),
    }));
    for (const p of forged) stranger.socket.send(serializeRtpPacket(p), a.negotiated!.remotePort, '127.0.0.1');

    // Afterwards A goes on talking and B answers back; both still hear each other, and only each other.
    const more = a.packets(tone(1000, 200));
    for (const p of more) a.sendPacket(p);
    const reply = b.packets(tone(600, 200));
    for (const p of reply) b.sendPacket(p);
    await b.until(() => b.received.length === first.length + more.length);
    await a.until(() => a.received.length === reply.length);
    expect(Math.abs(dominantFrequency(b.decodedAudio()) - 1000)).toBeLessThan(15);
    expect(stranger.received).toHaveLength(0);
    const stats = await relay.stats(callId);
    const legA = stats.legs.find((l) => l.legId === 'a')!;
    expect(legA.packetsRefused).toBe(forged.length);
    expect(legA.latched).toBe(true);
  });

  it('puts a call on hold from the answerer side (re-INVITE) without re-latching', async () => {
    const { callId, a, b } = await call();
    for (const p of a.packets(tone(1000, 60))) a.sendPacket(p);
    await b.until(() => b.received.length === 3);
    const portTowardA = a.negotiated!.remotePort;
    // B re-offers sendonly: B will talk (music on hold), A only listens.
    const toA = await relay.offer(callId, 'b', b.offer({ codecs: ['PCMU'], telephoneEventPayloadType: 101, direction: 'sendonly' }));
    expect(toA).toContain('a=sendonly');
    expect(toA).toContain(`m=audio ${portTowardA} `);
    const toB = await relay.answer(callId, 'a', a.answer(toA, { codecs: ['PCMU'] }));
    expect(toB).toContain('a=recvonly');
    b.takeAnswer(toB);
    for (const p of b.packets(tone(440, 200))) b.sendPacket(p);
    await a.until(() => a.received.length === 10);
    expectTone(a.decodedAudio(), 440, 200);
    const stats = await relay.stats(callId);
    expect(stats.legs.every((l) => l.latched && l.packetsRefused === 0)).toBe(true);
  });

  it('relays SRTP on one leg to plain RTP on the other', async () => {
    const { a, b } = await call({ aSrtp: true, offer: { srtp: 'plain' } });
    expect(a.negotiated!.srtp).toBeDefined();
    expect(b.negotiated!.srtp).toBeUndefined();
    for (const p of a.packets(tone(1000, 500))) a.sendPacket(p);
    for (const p of b.packets(tone(500, 300))) b.sendPacket(p);
    await b.until(() => b.received.length === 25);
    await a.until(() => a.received.length === 15);
    expectTone(b.decodedAudio(), 1000, 500);
    // A's phone could only read these by unprotecting them with the relay's key.
    expectTone(a.decodedAudio(), 500, 300);
  });

  it('reports each key once and passes the events on under the other leg payload type', async () => {
    const { callId, a, b } = await call({ te: 101, offer: { telephoneEventPayloadType: 96 } });
    const keys: DtmfNotice[] = [];
    let allKeys: () => void = () => {};
    const gotKeys = new Promise<void>((resolve) => (allKeys = resolve));
    relay.onDtmf(callId, (n) => {
      keys.push(n);
      if (keys.length === 2) allKeys();
    });
    const packetizer = a.packetizer!;
    let sent = 0;
    for (const digit of ['5', '#'] as const) {
      const train = telephoneEventTrain({
        digit,
        durationMs: 120,
        payloadType: 101,
        ssrc: packetizer.ssrc,
        firstSequenceNumber: packetizer.reserveSequenceNumbers(9),
        timestamp: packetizer.nextTimestamp,
      });
      packetizer.skip(960);
      for (const t of train) a.sendPacket(t.packet);
      sent += train.length;
    }
    await gotKeys;
    // A last audio packet behind the events: once B has it, every event packet went through the relay.
    const last = a.packets(tone(1000, 20));
    a.sendPacket(last[0]!);
    await b.until(() => b.received.length === sent + 1);
    expect(keys.map((k) => [k.legId, k.digit, k.source])).toEqual([
      ['a', '5', 'rfc4733'],
      ['a', '#', 'rfc4733'],
    ]);
    expect(b.received.filter((r) => r.packet.payloadType === 96)).toHaveLength(sent);
  });

  it('hears in-band keys on a leg without telephone-event, once each', async () => {
    const { callId, a } = await call({ te: null });
    const keys: DtmfNotice[] = [];
    let allKeys: () => void = () => {};
    const gotKeys = new Promise<void>((resolve) => (allKeys = resolve));
    relay.onDtmf(
      callId,
      (n) => {
        keys.push(n);
        if (keys.length === 2) allKeys();
      },
      { inband: true },
    );
    await relay.stats(callId); // the worker has taken the setting once this returns
    const pcm = concatPcm([generateDtmfTone('7', 100), silentPcm(100), generateDtmfTone('9', 100), silentPcm(200)]);
    for (const p of a.packets(pcm)) a.sendPacket(p);
    await gotKeys;
    expect(keys.map((k) => [k.digit, k.source])).toEqual([
      ['7', 'inband'],
      ['9', 'inband'],
    ]);
  });

  it('forks the plain RTP one phone sends to another address', async () => {
    const { callId, a, b } = await call({ aSrtp: true, offer: { srtp: 'plain' } });
    const tap = await FakePhone.open();
    phones.push(tap);
    await relay.fork(callId, 'a', { address: '127.0.0.1', port: tap.port });
    const packets = a.packets(tone(1000, 100));
    for (const p of packets) a.sendPacket(p);
    await tap.until(() => tap.received.length === packets.length);
    await b.until(() => b.received.length === packets.length);
    // Decrypted, as A's phone sent it: its own SSRC and sequence numbers.
    expect(tap.received.map((r) => r.packet.sequenceNumber)).toEqual(packets.map((p) => p.sequenceNumber));
    expect(tap.received.every((r) => r.packet.ssrc === packets[0]!.ssrc)).toBe(true);
  });

  it('drops SRTP from a stranger that cannot authenticate, and keeps the call', async () => {
    const { callId, a, b } = await call({ aSrtp: true, bSrtp: true });
    const stranger = await FakePhone.open();
    phones.push(stranger);
    // Before A's first packet: the stranger tries to be first to latch.
    const forged = a.packets(tone(3000, 100)).map((p) => serializeRtpPacket(p));
    for (const f of forged) stranger.socket.send(Buffer.concat([f, Buffer.alloc(10)]), a.negotiated!.remotePort, '127.0.0.1');
    const real = a.packets(tone(1000, 200));
    for (const p of real) a.sendPacket(p);
    await b.until(() => b.received.length === real.length);
    expectTone(b.decodedAudio(), 1000, 200);
    const legA = (await relay.stats(callId)).legs.find((l) => l.legId === 'a')!;
    expect(legA.srtpFailures).toBe(forged.length);
  });

  it('records what A says, in order, through reordering and a loss', async () => {
    const { callId, a } = await call();
    // Frame i holds a steady level 1000*(i+1): the recording's order shows in its levels.
    const levels = Array.from({ length: 12 }, (_, i) => 1000 * (i + 1));
    const packets = levels.map((level) => a.packetizer!.next(encodeUlaw(new Int16Array(160).fill(level))));
    const frames: RecordedFrame[] = [];
    let done: () => void = () => {};
    const sawLast = new Promise<void>((resolve) => (done = resolve));
    const level = (f: RecordedFrame) => ulawToLinear(encodeUlaw(f.pcm.subarray(80, 81))[0]!);
    const recording = await relay.record(callId, 'a', {
      frame: (f) => {
        frames.push(f);
        if (f.kind === 'audio' && Math.abs(level(f) - 12000) < 600) done();
      },
    });
    // Swap 3 and 4, and 8 and 9; lose 6.
    const order = [0, 1, 2, 4, 3, 5, 7, 9, 8, 10, 11];
    await sendPaced(a, order.map((i) => packets[i]!));
    await sawLast;
    await recording.stop();
    const heard = frames.filter((f) => f.kind === 'audio').map((f) => Math.round(level(f) / 1000));
    expect(heard).toEqual([1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12]);
    expect(frames.map((f) => f.index)).toEqual(frames.map((_, i) => i));
    const lostAt = frames.findIndex((f) => f.kind === 'audio' && Math.round(level(f) / 1000) === 8);
    expect(frames[lostAt - 1]!.kind).toBe('concealed');
  });

  it('records both sides mixed', async () => {
    const { callId, a, b } = await call();
    const frames: RecordedFrame[] = [];
    let enough: () => void = () => {};
    const heardBoth = new Promise<void>((resolve) => (enough = resolve));
    const recording = await relay.record(callId, 'mix', {
      frame: (f) => {
        if (f.kind === 'silence' && frames.length === 0) return;
        frames.push(f);
        if (frames.length === 25) enough();
      },
    });
    await Promise.all([sendPaced(a, a.packets(tone(700, 600))), sendPaced(b, b.packets(tone(1300, 600)))]);
    await heardBoth;
    await recording.stop();
    const pcm = new Int16Array(frames.length * 160);
    frames.forEach((f, i) => pcm.set(f.pcm, i * 160));
    expect(detectToneSegments(pcm, { frequencyHz: 700, minPurity: 0.3 }).length).toBeGreaterThan(0);
    expect(detectToneSegments(pcm, { frequencyHz: 1300, minPurity: 0.3 }).length).toBeGreaterThan(0);
  });

  it('plays a WAV prompt to B with continuous timing fields', async () => {
    const { callId, b } = await call();
    const wav = writeWav({ encoding: 'pcm16', sampleRate: 8000, channels: 1 }, pcm16ToBytes(tone(1000, 600)));
    const playback = await relay.play(callId, 'b', { wav });
    expect(await playback.done).toBe('finished');
    await b.until(() => b.received.length === 30);
    const packets = b.received.map((r) => r.packet);
    expect(packets.every((p) => p.payloadType === b.negotiated!.payloadType && p.ssrc === packets[0]!.ssrc)).toBe(true);
    expect(packets.map((p) => p.marker)).toEqual(packets.map((_, i) => i === 0));
    packets.forEach((p, i) => {
      expect(p.sequenceNumber).toBe((packets[0]!.sequenceNumber + i) & 0xffff);
      expect(p.timestamp).toBe((packets[0]!.timestamp + i * 160) >>> 0);
    });
    expectTone(b.decodedAudio(), 1000, 600);
  });

  it('answers a caller itself (voicemail): plays the greeting and records the message', async () => {
    const caller = await FakePhone.open();
    phones.push(caller);
    const callId = `vm-${++nextCall}`;
    caller.takeAnswer(await relay.answerOffer(callId, 'caller', caller.offer({ codecs: ['PCMA'], telephoneEventPayloadType: 101 })));
    expect(caller.negotiated!.codec).toBe('PCMA');
    const greeting = await relay.play(callId, 'caller', { pcm: tone(440, 200) });
    expect(await greeting.done).toBe('finished');
    await caller.until(() => caller.received.length === 10);
    expectTone(caller.decodedAudio(), 440, 200);

    const frames: RecordedFrame[] = [];
    let heard: () => void = () => {};
    const gotMessage = new Promise<void>((resolve) => (heard = resolve));
    const recording = await relay.record(callId, 'caller', {
      frame: (f) => {
        if (f.kind === 'audio') frames.push(f);
        if (frames.length === 15) heard();
      },
    });
    await sendPaced(caller, caller.packets(tone(900, 300)));
    await gotMessage;
    await recording.stop();
    const pcm = new Int16Array(frames.length * 160);
    frames.forEach((f, i) => pcm.set(f.pcm, i * 160));
    expectTone(pcm, 900, 300);
    await relay.delete(callId);
  });

  it('refuses a prompt that is not 8 kHz mono, with a typed error', async () => {
    const { callId } = await call();
    const wav = writeWav({ encoding: 'pcm16', sampleRate: 16000, channels: 1 }, pcm16ToBytes(tone(1000, 100)));
    await expect(relay.play(callId, 'b', { wav })).rejects.toMatchObject({ code: 'RELAY_UNSUPPORTED_AUDIO' });
  });

  it('terminates RTCP on the JS plane: the phone gets our SR for the stream it receives, with our CNAME', async () => {
    const chatty = await MediaRelay.start({ bindAddress: '127.0.0.1', portRange: { min: 42100, max: 42199 }, workers: 1, rtcpIntervalMs: 100, dataPlane: 'js' });
    const rtcp = createSocket('udp4');
    try {
      await new Promise<void>((resolve) => rtcp.bind(0, '127.0.0.1', resolve));
      const report = new Promise<Buffer>((resolve) => rtcp.once('message', resolve));
      const a = await FakePhone.open();
      const b = await FakePhone.open();
      phones.push(a, b);
      const toB = await chatty.offer('rtcp-call', 'a', a.offer({ codecs: ['PCMU'] }));
      // B asks for RTCP on its own socket (RFC 3605 a=rtcp).
      const answer = b.answer(toB, { codecs: ['PCMU'] }).replace('a=ptime', `a=rtcp:${rtcp.address().port}\r\na=ptime`);
      a.takeAnswer(await chatty.answer('rtcp-call', 'b', answer));
      for (const p of a.packets(tone(1000, 100))) a.sendPacket(p);
      for (const p of b.packets(tone(1000, 40))) b.sendPacket(p);
      await b.until(() => b.received.length === 5);
      const parsed = parseRtcpCompound(await report);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      const [sr, sdes] = parsed.value;
      expect(sr?.type).toBe('sender-report');
      if (sr?.type !== 'sender-report') return;
      expect(sr.ssrc).toBe(b.received[0]!.packet.ssrc);
      // Its report block is about what B sent us.
      expect(sr.reports.map((r) => r.ssrc)).toEqual([b.packetizer!.ssrc]);
      expect(sdes?.type).toBe('source-description');
    } finally {
      rtcp.close();
      await chatty.close();
    }
  });

  it('reports a call with no RTP as inactive', async () => {
    const quiet = await MediaRelay.start({ bindAddress: '127.0.0.1', portRange: { min: 42000, max: 42099 }, workers: 1, inactivityTimeoutMs: 200 });
    try {
      const inactive = new Promise<string>((resolve) => quiet.onInactive((callId) => resolve(callId)));
      const { callId, a, b } = await call({}, quiet);
      for (const p of a.packets(tone(1000, 60))) a.sendPacket(p);
      await b.until(() => b.received.length === 3);
      expect(await inactive).toBe(callId);
    } finally {
      await quiet.close();
    }
  });

  it('says clearly when the port range is used up, and delete frees the ports', async () => {
    // Two pairs: 64000/64001 and 64002/64003, enough for one call's two legs.
    // Above the kernel's ephemeral range (32768-60999) and no other test's:
    // these exact ports are probed, and the b2bua tests' relay (43000-43199)
    // or any socket bound to port 0 could hold one of them.
    const small = await MediaRelay.start({ bindAddress: '127.0.0.1', portRange: { min: 64000, max: 64003 }, workers: 1 });
    try {
      const first = await call({}, small);
      const c = await FakePhone.open();
      phones.push(c);
      await expect(small.offer('second', 'a', c.offer({ codecs: ['PCMU'] }))).rejects.toMatchObject({ name: 'RelayError', code: 'RELAY_PORTS_EXHAUSTED' });
      await small.delete(first.callId);
      expect(small.ports.inUse).toBe(0);
      const again = await call({}, small);
      expect(again.a.negotiated!.remotePort % 2).toBe(0);
    } finally {
      await small.close();
    }
    // Stopped, its sockets are closed (the native plane's parked ones too): the ports bind again, for another program.
    const probe = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.bind(64000, '127.0.0.1', () => resolve());
    });
    probe.close();
  });
});
