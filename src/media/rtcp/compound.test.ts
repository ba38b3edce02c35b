import { describe, expect, it } from 'vitest';
import { parseRtcpCompound, serializeRtcpCompound, type RtcpPacket } from './compound.ts';
import { cnameSdes } from './sdes.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const senderReport: RtcpPacket = {
  type: 'sender-report',
  ssrc: 0x01020304,
  ntpSeconds: 0xe7a1b2c3,
  ntpFraction: 0x80000000,
  rtpTimestamp: 160000,
  packetCount: 1000,
  octetCount: 160000,
  reports: [
    {
      ssrc: 0x0a0b0c0d,
      fractionLost: 25,
      cumulativeLost: -2,
      extendedHighestSequence: 0x0001ffff,
      jitter: 37,
      lastSenderReport: 0xb2c38000,
      delaySinceLastSenderReport: 0x00010000,
    },
  ],
};

const compoundWire = hex(
  // SR, one report block
  '81c8000c 01020304 e7a1b2c3 80000000 00027100 000003e8 00027100' +
    '0a0b0c0d 19fffffe 0001ffff 00000025 b2c38000 00010000' +
    // SDES CNAME "ab", null-terminated and padded
    '81ca0003 01020304 0102 6162 00000000' +
    // BYE with reason "x"
    '81cb0002 01020304 0178 0000',
);

describe('RTCP compound packets (RFC 3550 §6)', () => {
  it('serializes SR + SDES + BYE to exact bytes and parses them back', () => {
    const packets: RtcpPacket[] = [senderReport, cnameSdes(0x01020304, 'ab'), { type: 'goodbye', sources: [0x01020304], reason: 'x' }];
    expect(serializeRtcpCompound(packets).toString('hex')).toBe(compoundWire.toString('hex'));
    const r = parseRtcpCompound(compoundWire);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value[0]).toEqual(senderReport);
    expect(r.value[1]).toEqual({ type: 'source-description', chunks: [{ source: 0x01020304, items: [{ type: 1, value: Buffer.from('ab') }] }] });
    expect(r.value[2]).toEqual({ type: 'goodbye', sources: [0x01020304], reason: 'x' });
  });

  it('round-trips an RR with no blocks, a multi-item SDES and an opaque APP packet', () => {
    const packets: RtcpPacket[] = [
      { type: 'receiver-report', ssrc: 7, reports: [] },
      {
        type: 'source-description',
        chunks: [
          { source: 7, items: [{ type: 1, value: Buffer.from('sotto@host') }, { type: 6, value: Buffer.from('Sotto') }] },
          { source: 8, items: [] },
        ],
      },
      { type: 'other', packetType: 204, count: 0, body: hex('00000007 6e616d65 01020304') },
      { type: 'goodbye', sources: [7, 8] },
    ];
    const wire = serializeRtcpCompound(packets);
    expect(wire.subarray(0, 8).toString('hex')).toBe('80c9000100000007');
    const r = parseRtcpCompound(wire);
    expect(r.ok && r.value).toEqual(packets);
  });

  it('accepts padding on the last packet only', () => {
    const padded = hex('a0c90002 00000007 00000004');
    const r = parseRtcpCompound(padded);
    expect(r.ok && r.value).toEqual([{ type: 'receiver-report', ssrc: 7, reports: [] }]);
    const notLast = Buffer.concat([padded, hex('80c90001 00000007')]);
    const bad = parseRtcpCompound(notLast);
    expect(!bad.ok && bad.error.code).toBe('RTCP_BAD_PADDING');
  });

  it.each([
    ['too short', '80c9', 'RTCP_TOO_SHORT'],
    ['version 1', '40c90001 00000007', 'RTCP_BAD_VERSION'],
    ['length past the end', '80c90005 00000007', 'RTCP_BAD_LENGTH'],
    ['trailing octets', '80c90001 00000007 80', 'RTCP_BAD_LENGTH'],
    ['first packet not SR/RR', '81cb0001 00000007', 'RTCP_BAD_FIRST_PACKET'],
    ['report count beyond the body', '81c90001 00000007', 'RTCP_MALFORMED_BODY'],
    ['SDES item past the end', '80c90001 00000007 81ca0002 00000007 01090000', 'RTCP_MALFORMED_BODY'],
  ])('refuses %s', (_name, bytes, code) => {
    const r = parseRtcpCompound(hex(bytes));
    expect(!r.ok && r.error.code).toBe(code);
  });

  it('allows a reduced-size packet when asked (RFC 5506)', () => {
    const r = parseRtcpCompound(hex('81cb0001 00000007'), { allowReducedSize: true });
    expect(r.ok && r.value).toEqual([{ type: 'goodbye', sources: [7] }]);
  });

  it('never throws on random peer bytes', () => {
    let seed = 11;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let i = 0; i < 5000; i++) {
      const len = 4 + (rand() % 60);
      const bytes = Buffer.alloc(len);
      for (let j = 0; j < len; j++) bytes[j] = rand();
      bytes[0] = (bytes[0]! & 0x3f) | 0x80;
      bytes[1] = 200 + (rand() % 5);
      expect(() => parseRtcpCompound(bytes, { allowReducedSize: true })).not.toThrow();
    }
  });
});
