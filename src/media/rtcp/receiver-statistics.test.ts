import { describe, expect, it } from 'vitest';
import { RtpReceiverStatistics } from './receiver-statistics.ts';

const G711_FRAME = 160;

function feed(stats: RtpReceiverStatistics, seqs: number[], firstTs = 0): void {
  for (const seq of seqs) {
    const n = (seq - seqs[0]! + 0x10000) & 0xffff;
    stats.receive(seq, firstTs + n * G711_FRAME, n * 20);
  }
}

describe('RTP receiver statistics (RFC 3550 §A.1, §A.3, §A.8)', () => {
  it('keeps a new source on probation until two packets arrive in sequence', () => {
    const stats = new RtpReceiverStatistics({ ssrc: 1, clockRate: 8000 });
    expect(stats.receive(100, 0, 0)).toBe('probation');
    expect(stats.receive(101, 160, 20)).toBe('accepted');
    expect(stats.receive(102, 320, 40)).toBe('accepted');
    expect(stats.packetsReceived).toBe(2);
  });

  it('counts loss and the fraction lost per reporting interval', () => {
    const stats = new RtpReceiverStatistics({ ssrc: 1, clockRate: 8000, minSequential: 1 });
    feed(stats, [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    let block = stats.reportBlock(200);
    expect(block).toMatchObject({ fractionLost: 0, cumulativeLost: 0, extendedHighestSequence: 19 });
    // Next interval: 20..29 expected, 20, 22 and 23 lost.
    feed(stats, [21, 24, 25, 26, 27, 28, 29]);
    block = stats.reportBlock(400);
    expect(block.cumulativeLost).toBe(3);
    expect(block.fractionLost).toBe(Math.floor((3 * 256) / 10));
    expect(block.extendedHighestSequence).toBe(29);
  });

  it('extends the highest sequence across the 16-bit wrap', () => {
    const stats = new RtpReceiverStatistics({ ssrc: 1, clockRate: 8000, minSequential: 1 });
    feed(stats, [65533, 65534, 65535, 0, 1, 2]);
    expect(stats.extendedHighestSequence).toBe(0x10000 + 2);
    expect(stats.cumulativeLost).toBe(0);
  });

  it('counts a duplicate as received, so loss can go negative', () => {
    const stats = new RtpReceiverStatistics({ ssrc: 1, clockRate: 8000, minSequential: 1 });
    feed(stats, [1, 2, 3]);
    expect(stats.receive(2, 160, 60)).toBe('duplicate-or-reordered');
    expect(stats.cumulativeLost).toBe(-1);
  });

  it('restarts after a large jump confirmed by the next packet', () => {
    const stats = new RtpReceiverStatistics({ ssrc: 1, clockRate: 8000, minSequential: 1 });
    feed(stats, [1, 2, 3]);
    expect(stats.receive(40000, 0, 80)).toBe('bad-jump');
    expect(stats.receive(40001, 160, 100)).toBe('accepted');
    expect(stats.extendedHighestSequence).toBe(40001);
    expect(stats.cumulativeLost).toBe(0);
  });

  it('estimates jitter per §A.8 from one late packet', () => {
    const stats = new RtpReceiverStatistics({ ssrc: 1, clockRate: 8000, minSequential: 1 });
    for (let i = 0; i < 8; i++) stats.receive(i, i * 160, i === 5 ? 110 : i * 20);
    // D = +80 then -80 then 0: J = 5, 9.6875, 9.08203125
    expect(stats.jitter).toBe(9);
    expect(stats.jitterMs).toBeCloseTo(9.08203125 / 8, 6);
  });

  it('fills LSR and DLSR from the last sender report', () => {
    const stats = new RtpReceiverStatistics({ ssrc: 1, clockRate: 8000, minSequential: 1 });
    feed(stats, [1, 2]);
    stats.receiveSenderReport(0xe7a1b2c3, 0x80001234, 1000);
    const block = stats.reportBlock(1500);
    expect(block.lastSenderReport).toBe(0xb2c38000);
    expect(block.delaySinceLastSenderReport).toBe(32768);
  });
});
