import { describe, expect, it } from 'vitest';
import { serializeRtpPacket } from '../rtp/packet.ts';
import { parseTelephoneEvent, serializeTelephoneEvent } from './telephone-event.ts';
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
