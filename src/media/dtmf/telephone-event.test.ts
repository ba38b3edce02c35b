import { describe, expect, it } from 'vitest';
import { parseRtpPacket, serializeRtpPacket } from '../rtp/packet.ts';
import { parseTelephoneEvent, serializeTelephoneEvent } from './telephone-event.ts';
import { TelephoneEventReceiver, type TelephoneEventPacket } from './telephone-event-receiver.ts';
import { telephoneEventTrain } from './telephone-event-sender.ts';

describe('RFC 4733 telephone-event payload', () => {
  it('serializes digit 5, end, volume 10, duration 1280 to exact bytes', () => {
    expect(serializeTelephoneEvent({ event: 5, end: true, volume: 10, duration: 1280 }).toString('hex')).toBe('058a0500');
  });

  it('parses, ignoring the reserved bit', () => {
    const r = parseTelephoneEvent(Buffer.from('0bca00a0', 'hex'));
    expect(r.ok && r.value).toEqual({ event: 11, end: true, volume: 10, duration: 160 });
  });

  it('reads the last block of a multi-block payload as the current event', () => {
    const r = parseTelephoneEvent(Buffer.from('01800320' + '020a00a0', 'hex'));
    expect(r.ok && r.value).toEqual({ event: 2, end: false, volume: 10, duration: 160 });
  });

  it('refuses a short payload without throwing', () => {
    const r = parseTelephoneEvent(Buffer.from('0580', 'hex'));
    expect(!r.ok && r.error.code).toBe('TELEPHONE_EVENT_TOO_SHORT');
  });
});

describe('telephone-event sender', () => {
  const train = telephoneEventTrain({
    digit: '7', durationMs: 100, payloadType: 101, ssrc: 0x1234, firstSequenceNumber: 65534, timestamp: 8000,
  });

  it('sends updates then three end packets, one timestamp, marker on the first only', () => {
    const wire = train.map((s) => serializeRtpPacket(s.packet).toString('hex'));
    expect(wire).toEqual([
      '80e5fffe00001f4000001234' + '070a00a0',
      '8065ffff00001f4000001234' + '070a0140',
      '8065000000001f4000001234' + '070a01e0',
      '8065000100001f4000001234' + '070a0280',
      '8065000200001f4000001234' + '078a0320',
      '8065000300001f4000001234' + '078a0320',
      '8065000400001f4000001234' + '078a0320',
    ]);
    expect(train.map((s) => s.sendAtMs)).toEqual([0, 20, 40, 60, 80, 100, 120]);
  });

  it('sends only end packets for a press shorter than one interval', () => {
    const short = telephoneEventTrain({ digit: '#', durationMs: 10, payloadType: 101, ssrc: 1, firstSequenceNumber: 1, timestamp: 0 });
    expect(short).toHaveLength(3);
    expect(short[0]!.packet.marker).toBe(true);
    expect(short.every((s) => s.packet.payload.toString('hex') === '0b8a0050')).toBe(true);
  });
});

describe('telephone-event receiver', () => {
  const asPackets = (digits: { digit: '1' | '2' | '5' | '*'; ts: number; seq: number }[]) =>
    digits.flatMap(({ digit, ts, seq }) =>
      telephoneEventTrain({ digit, durationMs: 100, payloadType: 101, ssrc: 9, firstSequenceNumber: seq, timestamp: ts }).map(
        (s): TelephoneEventPacket => {
          const p = parseRtpPacket(serializeRtpPacket(s.packet));
          if (!p.ok) throw new Error('bad packet');
          return p.value;
        },
      ),
    );

  it('reports each key press once despite the repeated end packets', () => {
    const rx = new TelephoneEventReceiver();
    const events = asPackets([{ digit: '1', ts: 0, seq: 1 }, { digit: '2', ts: 2000, seq: 8 }]).flatMap((p) => rx.receive(p));
    expect(events).toEqual([
      { event: 1, digit: '1', timestamp: 0, duration: 800, volume: 10, endSeen: true },
      { event: 2, digit: '2', timestamp: 2000, duration: 800, volume: 10, endSeen: true },
    ]);
  });

  it('reports a key once when only the last end packet survives', () => {
    const rx = new TelephoneEventReceiver();
    const packets = asPackets([{ digit: '5', ts: 160, seq: 1 }]);
    const survivors = [packets[0]!, packets[2]!, packets[6]!];
    expect(survivors.flatMap((p) => rx.receive(p)).map((e) => [e.digit, e.duration, e.endSeen])).toEqual([['5', 800, true]]);
  });

  it('closes a key whose end packets were all lost when the next key starts', () => {
    const rx = new TelephoneEventReceiver();
    const packets = asPackets([{ digit: '1', ts: 0, seq: 1 }, { digit: '*', ts: 4000, seq: 8 }]);
    const withoutFirstEnds = packets.filter((_, i) => i < 4 || i >= 7);
    const events = withoutFirstEnds.flatMap((p) => rx.receive(p));
    expect(events.map((e) => [e.digit, e.duration, e.endSeen])).toEqual([
      ['1', 640, false],
      ['*', 800, true],
    ]);
  });

  it('closes an unfinished key on flush', () => {
    const rx = new TelephoneEventReceiver();
    const packets = asPackets([{ digit: '2', ts: 0, seq: 1 }]).slice(0, 2);
    expect(packets.flatMap((p) => rx.receive(p))).toEqual([]);
    expect(rx.flush().map((e) => [e.digit, e.duration, e.endSeen])).toEqual([['2', 320, false]]);
    expect(rx.flush()).toEqual([]);
  });

  it('drops a straggler from an earlier key that arrives late', () => {
    const rx = new TelephoneEventReceiver();
    const packets = asPackets([{ digit: '1', ts: 0, seq: 1 }, { digit: '2', ts: 4000, seq: 8 }]);
    const reordered = [...packets.slice(0, 5), ...packets.slice(7, 9), packets[5]!, packets[6]!, ...packets.slice(9)];
    expect(reordered.flatMap((p) => rx.receive(p)).map((e) => e.digit)).toEqual(['1', '2']);
  });

  it('joins the segments of a key held longer than 0xFFFF timestamp units (§2.5.1.5)', () => {
    const rx = new TelephoneEventReceiver();
    const seg = (ts: number, duration: number, marker: boolean, end: boolean): TelephoneEventPacket => ({
      timestamp: ts,
      marker,
      payload: serializeTelephoneEvent({ event: 0, end, volume: 10, duration }),
    });
    const events = [
      seg(1000, 160, true, false),
      seg(1000, 0xffff, false, false),
      seg(1000 + 0xffff, 160, false, false),
      seg(1000 + 0xffff, 800, false, true),
      seg(1000 + 0xffff, 800, false, true),
    ].flatMap((p) => rx.receive(p));
    expect(events).toEqual([{ event: 0, digit: '0', timestamp: 1000, duration: 0xffff + 800, volume: 10, endSeen: true }]);
  });

  it('handles the RTP timestamp wrapping between keys', () => {
    const rx = new TelephoneEventReceiver();
    const events = asPackets([{ digit: '1', ts: 0xffffff00, seq: 1 }, { digit: '2', ts: 0x100, seq: 8 }]).flatMap((p) => rx.receive(p));
    expect(events.map((e) => e.digit)).toEqual(['1', '2']);
  });
});
