import { describe, expect, it } from 'vitest';
import { isSequenceNewer, parseRtpPacket, serializeRtpPacket, type RtpPacket } from './packet.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('RTP packet (RFC 3550 §5.1)', () => {
  it('parses a plain PCMU packet and serializes it to the same bytes', () => {
    const wire = hex('80 00 1234 0000a0b0 deadbeef' + 'ff'.repeat(160));
    const r = parseRtpPacket(wire);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({
      marker: false,
      payloadType: 0,
      sequenceNumber: 0x1234,
      timestamp: 0xa0b0,
      ssrc: 0xdeadbeef,
      csrc: [],
      paddingLength: 0,
    });
    expect(r.value.extension).toBeUndefined();
    expect(r.value.payload.length).toBe(160);
    expect(serializeRtpPacket(r.value)).toEqual(wire);
  });

  it('round-trips marker, CSRCs, an extension and padding to exact bytes', () => {
    const packet: RtpPacket = {
      marker: true,
      payloadType: 101,
      sequenceNumber: 65535,
      timestamp: 0xffffffff,
      ssrc: 1,
      csrc: [0x11111111, 0x22222222],
      extension: { profile: 0xbede, data: hex('10ff0000') },
      paddingLength: 3,
      payload: hex('0a8003c0'),
    };
    const wire = serializeRtpPacket(packet);
    expect(wire.toString('hex')).toBe(
      'b2' + 'e5' + 'ffff' + 'ffffffff' + '00000001' + '11111111' + '22222222' + 'bede0001' + '10ff0000' + '0a8003c0' + '000003',
    );
    const back = parseRtpPacket(wire);
    expect(back.ok && back.value).toEqual({ ...packet });
  });

  it('pads an extension body to a 32-bit boundary', () => {
    const wire = serializeRtpPacket({
      marker: false, payloadType: 8, sequenceNumber: 1, timestamp: 2, ssrc: 3, csrc: [],
      extension: { profile: 0x1000, data: hex('aa') }, paddingLength: 0, payload: hex('d5'),
    });
    expect(wire.subarray(12).toString('hex')).toBe('10000001' + 'aa000000' + 'd5');
  });

  it.each([
    ['shorter than the header', '80000001', 'RTP_TOO_SHORT'],
    ['version 1', '40000001 00000000 00000000', 'RTP_BAD_VERSION'],
    ['CSRC count past the end', '83000001 00000000 00000000 00000001', 'RTP_TRUNCATED_CSRC'],
    ['extension header cut', '90000001 00000000 00000000 bede', 'RTP_TRUNCATED_EXTENSION'],
    ['extension length past the end', '90000001 00000000 00000000 bede0002 00000000', 'RTP_TRUNCATED_EXTENSION'],
    ['padding count zero', 'a0000001 00000000 00000000 aa00', 'RTP_BAD_PADDING'],
    ['padding longer than payload', 'a0000001 00000000 00000000 aa09', 'RTP_BAD_PADDING'],
  ])('refuses a packet with %s', (_name, bytes, code) => {
    const r = parseRtpPacket(hex(bytes));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe(code);
  });

  it('never throws on random peer bytes', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let i = 0; i < 5000; i++) {
      const len = rand() % 40;
      const bytes = Buffer.alloc(len);
      for (let j = 0; j < len; j++) bytes[j] = rand();
      if (len > 0) bytes[0] = (bytes[0]! & 0x3f) | 0x80;
      expect(() => parseRtpPacket(bytes)).not.toThrow();
    }
  });

  it('orders sequence numbers across the 16-bit wrap', () => {
    expect(isSequenceNewer(1, 65535)).toBe(true);
    expect(isSequenceNewer(65535, 1)).toBe(false);
    expect(isSequenceNewer(5, 5)).toBe(false);
  });
});
