import { describe, expect, it } from 'vitest';
import { OutboundStream } from './outbound-stream.ts';

describe('outbound stream (SSRC, sequence and timestamp rewriting)', () => {
  it('keeps a source relative spacing, reordering and wrap included', () => {
    const out = new OutboundStream();
    const a = out.rewrite(7, 0xfffe, 0xffffff00, 0, 160);
    const b = out.rewrite(7, 0x0000, 0x00000040, 40, 160); // two later, across both wraps
    const c = out.rewrite(7, 0xffff, 0xffffffa0, 41, 160); // the reordered one in between
    expect(a.switched).toBe(true);
    expect(b.switched || c.switched).toBe(false);
    expect((b.sequenceNumber - a.sequenceNumber) & 0xffff).toBe(2);
    expect((c.sequenceNumber - a.sequenceNumber) & 0xffff).toBe(1);
    expect((b.timestamp - a.timestamp) >>> 0).toBe(0x140);
  });

  it('continues one packet on, advanced by the time between, when the source changes', () => {
    const out = new OutboundStream();
    const last = out.rewrite(1, 500, 80_000, 1000, 160);
    // A prompt starts 100 ms later with its own numbering.
    const next = out.rewrite(0x1_0000_0001, 0, 0, 1100, 160);
    expect(next.switched).toBe(true);
    expect(next.sequenceNumber).toBe((last.sequenceNumber + 1) & 0xffff);
    expect((next.timestamp - last.timestamp) >>> 0).toBe(800);
    // A reordered old packet of the first source after the switch back does not rewind the base.
    const back = out.rewrite(1, 501, 80_160, 1120, 160);
    expect(back.sequenceNumber).toBe((next.sequenceNumber + 1) & 0xffff);
  });
});
