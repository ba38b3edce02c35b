import { describe, expect, it } from 'vitest';
import { parseRtpPacket, serializeRtpPacket } from '../rtp/packet.ts';
import { serializeTelephoneEvent } from './telephone-event.ts';
import { TelephoneEventReceiver, type TelephoneEventPacket } from './telephone-event-receiver.ts';
import { telephoneEventTrain } from './telephone-event-sender.ts';
import type { DtmfDigit } from './keypad.ts';

/**
 * What baresip 1.0.0 (libre 1.1.0) sent for "703262#" typed on its console
 * 300 ms and 400 ms apart, recorded on this project's test machine: per key,
 * [RTP timestamp, event, updates, end packets]. Updates are 20 ms apart,
 * 160 units each, the first with the marker bit. The console sends no key
 * release, so a key lasts until the next one is typed, and the last, '#',
 * never ends (its updates run on until the call ends).
 */
const BARESIP_300MS: readonly Key[] = [[16771, 7, 16, 3], [19811, 0, 12, 3], [22211, 3, 12, 3], [24611, 2, 12, 3], [27011, 6, 12, 3], [29411, 2, 12, 3], [31811, 11, 161, 0]];
const BARESIP_400MS: readonly Key[] = [[31930, 7, 21, 3], [35770, 0, 17, 3], [38970, 3, 17, 3], [42170, 2, 17, 3], [45370, 6, 17, 3], [48570, 2, 17, 3], [51770, 11, 166, 0]];
type Key = readonly [timestamp: number, event: number, updates: number, ends: number];

function packetsOf(keys: readonly Key[]): TelephoneEventPacket[][] {
  return keys.map(([timestamp, event, updates, ends]) => {
    const out: TelephoneEventPacket[] = [];
    for (let i = 1; i <= updates; i++) out.push({ timestamp, marker: i === 1, payload: serializeTelephoneEvent({ event, end: false, volume: 10, duration: i * 160 }) });
    for (let i = 0; i < ends; i++) out.push({ timestamp, marker: false, payload: serializeTelephoneEvent({ event, end: true, volume: 10, duration: updates * 160 }) });
    return out;
  });
}

const digitsOf = (rx: TelephoneEventReceiver, packets: readonly TelephoneEventPacket[]) => packets.flatMap((p) => rx.receive(p)).map((e) => e.digit).join('');

describe('telephone-event receiver: keys as baresip sends them', () => {
  for (const [name, keys] of [['300 ms', BARESIP_300MS], ['400 ms', BARESIP_400MS]] as const) {
    it(`hears every key of a PIN typed ${name} apart once, the never-ending '#' included`, () => {
      expect(digitsOf(new TelephoneEventReceiver(), packetsOf(keys).flat())).toBe('703262#');
    });

    it(`hears each key (${name} apart) as soon as its first packet arrives, not when the next key is typed`, () => {
      const rx = new TelephoneEventReceiver();
      const heard = packetsOf(keys).map((key) => [rx.receive(key[0]!).map((e) => e.digit), ...key.slice(1).map((p) => rx.receive(p))].flat());
      expect(heard).toEqual(['7', '0', '3', '2', '6', '2', '#'].map((d) => [d]));
    });
  }

  it("hears the last digit of a PIN typed without '#' while the key is still held", () => {
    const [first, ...rest] = packetsOf(BARESIP_400MS.slice(0, 6));
    const rx = new TelephoneEventReceiver();
    const heldLast = rest.at(-1)!.filter((p) => !isEndPacket(p));
    expect(digitsOf(rx, [...first!, ...rest.slice(0, -1).flat(), ...heldLast])).toBe('703262');
  });
});

function isEndPacket(p: TelephoneEventPacket): boolean {
  return (p.payload[1]! & 0x80) !== 0;
}

describe('telephone-event receiver: loss, reordering, repeats (RFC 4733 §2.5)', () => {
  const asPackets = (digits: { digit: DtmfDigit; ts: number; seq: number }[]) =>
    digits.flatMap(({ digit, ts, seq }) =>
      telephoneEventTrain({ digit, durationMs: 100, payloadType: 101, ssrc: 9, firstSequenceNumber: seq, timestamp: ts }).map((s): TelephoneEventPacket => {
        const p = parseRtpPacket(serializeRtpPacket(s.packet));
        if (!p.ok) throw new Error('bad packet');
        return p.value;
      }),
    );

  it('reports each press once, at its first packet, despite the three end packets', () => {
    const rx = new TelephoneEventReceiver();
    const events = asPackets([{ digit: '1', ts: 0, seq: 1 }, { digit: '2', ts: 2000, seq: 8 }]).map((p) => rx.receive(p));
    expect(events.map((e) => e.length)).toEqual([1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect(events.flat()).toEqual([
      { event: 1, digit: '1', timestamp: 0, duration: 160, volume: 10, endSeen: false },
      { event: 2, digit: '2', timestamp: 2000, duration: 160, volume: 10, endSeen: false },
    ]);
  });

  it('hears the same key pressed twice in a row (two timestamps) twice', () => {
    const rx = new TelephoneEventReceiver();
    expect(digitsOf(rx, asPackets([{ digit: '2', ts: 0, seq: 1 }, { digit: '2', ts: 1600, seq: 8 }]))).toBe('22');
  });

  it('hears a press whose first packets were lost, once, from the first packet that arrives', () => {
    const rx = new TelephoneEventReceiver();
    const packets = asPackets([{ digit: '5', ts: 160, seq: 1 }]);
    const survivors = [packets[2]!, packets[6]!];
    expect(survivors.flatMap((p) => rx.receive(p)).map((e) => [e.digit, e.duration, e.endSeen])).toEqual([['5', 480, false]]);
  });

  it('hears a press of which only an end packet arrived (a press shorter than one packet)', () => {
    const rx = new TelephoneEventReceiver();
    const packets = asPackets([{ digit: '9', ts: 160, seq: 1 }]);
    expect([packets[5]!, packets[6]!].flatMap((p) => rx.receive(p)).map((e) => [e.digit, e.endSeen])).toEqual([['9', true]]);
  });

  it('hears the next key when every end packet of the previous one was lost', () => {
    const rx = new TelephoneEventReceiver();
    const packets = asPackets([{ digit: '1', ts: 0, seq: 1 }, { digit: '*', ts: 4000, seq: 8 }]);
    expect(digitsOf(rx, packets.filter((_, i) => i < 4 || i >= 7))).toBe('1*');
  });

  it('drops stragglers of an earlier key that arrive after the next key began', () => {
    const rx = new TelephoneEventReceiver();
    const packets = asPackets([{ digit: '1', ts: 0, seq: 1 }, { digit: '2', ts: 4000, seq: 8 }]);
    const reordered = [...packets.slice(0, 2), ...packets.slice(7, 9), ...packets.slice(2, 7), ...packets.slice(9)];
    expect(digitsOf(rx, reordered)).toBe('12');
  });

  it('does not double a key whose marker packet arrives after its first update', () => {
    const rx = new TelephoneEventReceiver();
    const packets = asPackets([{ digit: '4', ts: 800, seq: 1 }]);
    expect(digitsOf(rx, [packets[1]!, packets[0]!, ...packets.slice(2)])).toBe('4');
  });

  it('hears one press across the segments of a key held longer than 0xFFFF units (§2.5.1.5)', () => {
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
      seg(1000, 0xffff, false, false), // a late copy from the first segment
      seg(1000 + 0xffff, 800, false, true),
      seg(1000 + 0xffff, 800, false, true),
    ].flatMap((p) => rx.receive(p));
    expect(events).toEqual([{ event: 0, digit: '0', timestamp: 1000, duration: 160, volume: 10, endSeen: false }]);
  });

  it('hears a new key from a sender that reuses the timestamp for it', () => {
    const rx = new TelephoneEventReceiver();
    const packets = asPackets([{ digit: '1', ts: 500, seq: 1 }, { digit: '2', ts: 500, seq: 8 }]);
    expect(digitsOf(rx, packets)).toBe('12');
  });

  it('handles the RTP timestamp wrapping between keys', () => {
    const rx = new TelephoneEventReceiver();
    expect(digitsOf(rx, asPackets([{ digit: '1', ts: 0xffffff00, seq: 1 }, { digit: '2', ts: 0x100, seq: 8 }]))).toBe('12');
  });

  it('hears keys after the stream restarts at an unrelated timestamp (a new SSRC after a re-INVITE)', () => {
    const rx = new TelephoneEventReceiver();
    expect(digitsOf(rx, asPackets([{ digit: '1', ts: 0x90000000, seq: 1 }, { digit: '3', ts: 0x10000000, seq: 8 }, { digit: '3', ts: 0x10000640, seq: 15 }]))).toBe('133');
  });

  it('ignores a payload too short to be an event', () => {
    expect(new TelephoneEventReceiver().receive({ timestamp: 0, marker: true, payload: Buffer.from('05', 'hex') })).toEqual([]);
  });
});
