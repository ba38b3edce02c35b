import { describe, expect, it } from 'vitest';
import { encodeNativeRequest, parseNativeLine } from './native-protocol.ts';

describe('native relay control protocol', () => {
  it('writes one line per request, legs by port, no call ids', () => {
    expect(encodeNativeRequest(1, { op: 'ping' })).toBe('P 1\n');
    expect(encodeNativeRequest(7, { op: 'bind', call: 3, ports: [20000, 20002] })).toBe('B 7 3 20000 20002\n');
    const leg = { remotePort: 4000, remoteRtcpPort: 4001, payloadType: 0, latch: 'latch-once' as const };
    expect(
      encodeNativeRequest(8, {
        op: 'configure',
        call: 3,
        legs: [
          { ...leg, port: 20000, remoteAddress: '192.0.2.1', telephoneEventPayloadType: 101, receivesFrom: true, sendsTo: true },
          { ...leg, port: 20002, remoteAddress: '2001:db8::7', receivesFrom: false, sendsTo: true, latch: 'negotiated-only' },
        ],
      }),
    ).toBe('C 8 3 20000,192.0.2.1,4000,4001,0,101,3,o 20002,2001:db8::7,4000,4001,0,-1,2,n\n');
    expect(encodeNativeRequest(9, { op: 'delete', call: 3 })).toBe('D 9 3\n');
    expect(encodeNativeRequest(10, { op: 'stats', call: 3 })).toBe('S 10 3\n');
    expect(encodeNativeRequest(11, { op: 'end', call: 3 })).toBe('E 11 3\n');
    expect(encodeNativeRequest(12, { op: 'unpark', ports: [20000, 20002] })).toBe('U 12 20000 20002\n');
    expect(encodeNativeRequest(13, { op: 'plane' })).toBe('Q 13\n');
    expect(encodeNativeRequest(14, { op: 'clock', advanceMs: 61_000 })).toBe('T 14 61000\n');
  });

  it('refuses to write what the child could misread (odd ports, host names)', () => {
    expect(() => encodeNativeRequest(1, { op: 'bind', call: 1, ports: [20001] })).toThrow(RangeError);
    expect(() => encodeNativeRequest(1, { op: 'unpark', ports: [20001] })).toThrow(RangeError);
    expect(() => encodeNativeRequest(1, { op: 'clock', advanceMs: -1 })).toThrow(RangeError);
    expect(() => encodeNativeRequest(1, { op: 'clock', advanceMs: 0.5 })).toThrow(RangeError);
    const leg = { port: 20000, remoteAddress: 'phone.example', remotePort: 4000, remoteRtcpPort: 4001, payloadType: 0, receivesFrom: true, sendsTo: true, latch: 'latch-once' as const };
    expect(() => encodeNativeRequest(1, { op: 'configure', call: 1, legs: [leg] })).toThrow(RangeError);
  });

  it('reads replies, errors, stats and events', () => {
    expect(parseNativeLine('READY 1')).toEqual({ ok: true, value: { kind: 'ready' } });
    expect(parseNativeLine('R 4 OK')).toEqual({ ok: true, value: { kind: 'ok', seq: 4, legs: [] } });
    expect(parseNativeLine('R 5 ERR RELAY_BIND_FAILED 20002 EADDRINUSE')).toEqual({
      ok: true,
      value: { kind: 'error', seq: 5, code: 'RELAY_BIND_FAILED', port: 20002, reason: 'EADDRINUSE' },
    });
    expect(parseNativeLine('R 7 PLANE 500 498 12 9968')).toEqual({
      ok: true,
      value: { kind: 'plane', seq: 7, stats: { openPairs: 500, parkedPairs: 498, parkedDropped: 12, pairCap: 9968 } },
    });
    expect(parseNativeLine('I 12 60004')).toEqual({ ok: true, value: { kind: 'inactive', call: 12, idleMs: 60004 } });
    const stats = parseNativeLine('R 6 OK 20000,1,50,49,2,1,0,3,2,425984,192.0.2.1,61000 20002,0,0,0,0,0,0,0,0,425984,-,0');
    expect(stats).toEqual({
      ok: true,
      value: {
        kind: 'ok',
        seq: 6,
        legs: [
          { port: 20000, latched: true, packetsReceived: 50, packetsSent: 49, packetsRefused: 2, packetsMalformed: 1, unexpectedPayloadType: 0, rtcpReceived: 3, rtcpSent: 2, recvBufferSize: 425984, peer: { address: '192.0.2.1', port: 61000 } },
          { port: 20002, latched: false, packetsReceived: 0, packetsSent: 0, packetsRefused: 0, packetsMalformed: 0, unexpectedPayloadType: 0, rtcpReceived: 0, rtcpSent: 0, recvBufferSize: 425984 },
        ],
      },
    });
  });

  it('returns an error for a line it cannot read, never throws', () => {
    for (const line of ['', 'R', 'R x OK', 'R 1 MAYBE', 'R 1 OK 1,2,3', 'R 1 ERR lower', 'I 1', 'Z 1 2', 'R 1 OK 20000,1,a,0,0,0,0,0,0,0,-,0', 'R 1 PLANE 1 2 3', 'R 1 PLANE 1 2 3 x']) {
      const r = parseNativeLine(line);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('RELAY_NATIVE_BAD_LINE');
    }
  });
});
