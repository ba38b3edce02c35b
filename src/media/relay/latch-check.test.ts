import { describe, expect, it } from 'vitest';
import { LatchCheck } from './latch-check.ts';

const sdpAddress = { address: '192.0.2.10', port: 4000 };
const nat = { address: '198.51.100.7', port: 61000 };

describe('latch check', () => {
  it('passes the SDP address at once', () => {
    expect(new LatchCheck(sdpAddress).passes(sdpAddress, 1, 10, false)).toBe(true);
  });

  it('passes another address only on a second in-sequence packet of one SSRC', () => {
    const check = new LatchCheck(sdpAddress);
    expect(check.passes(nat, 9, 100, false)).toBe(false);
    expect(check.passes(nat, 9, 102, false)).toBe(false); // not consecutive: starts over
    expect(check.passes(nat, 8, 103, false)).toBe(false); // another SSRC: starts over
    expect(check.passes({ ...nat, port: 61001 }, 8, 104, false)).toBe(false);
    expect(check.passes(nat, 8, 104, false)).toBe(false);
    expect(check.passes(nat, 8, 105, false)).toBe(true);
  });

  it('passes an authenticated SRTP packet from anywhere', () => {
    expect(new LatchCheck(sdpAddress).passes(nat, 1, 1, true)).toBe(true);
  });
});
