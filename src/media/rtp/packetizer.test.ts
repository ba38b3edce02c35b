import { describe, expect, it } from 'vitest';
import { RtpPacketizer } from './packetizer.ts';
import { serializeRtpPacket } from './packet.ts';

describe('RTP packetizer', () => {
  it('numbers packets, advances timestamps by samples, marks the talkspurt start', () => {
    const p = new RtpPacketizer({ payloadType: 0, ssrc: 0x11223344, firstSequenceNumber: 65535, firstTimestamp: 0xffffff60 });
    const frame = Buffer.alloc(160, 0xff);
    const wire = [p.next(frame), p.next(frame)].map((x) => serializeRtpPacket(x).subarray(0, 12).toString('hex'));
    expect(wire).toEqual(['8080ffffffffff6011223344', '800000000000000011223344']);
    p.skip(1600);
    const resumed = p.next(frame);
    expect([resumed.marker, resumed.sequenceNumber, resumed.timestamp]).toEqual([true, 1, 160 + 1600]);
    expect(p.next(frame).marker).toBe(false);
  });

  it('starts from random sequence numbers, timestamps and SSRCs', () => {
    const a = new RtpPacketizer({ payloadType: 8 });
    const b = new RtpPacketizer({ payloadType: 8 });
    const first = [a.next(Buffer.alloc(160)), b.next(Buffer.alloc(160))];
    expect(first[0]!.ssrc === first[1]!.ssrc && first[0]!.timestamp === first[1]!.timestamp).toBe(false);
  });

  it('hands out sequence numbers for a telephone-event train in between', () => {
    const p = new RtpPacketizer({ payloadType: 0, firstSequenceNumber: 10, firstTimestamp: 0 });
    p.next(Buffer.alloc(160));
    expect(p.reserveSequenceNumbers(7)).toBe(11);
    expect(p.next(Buffer.alloc(160)).sequenceNumber).toBe(18);
  });
});
