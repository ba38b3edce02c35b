import { describe, expect, it } from 'vitest';
import { decodeUlaw, encodeUlaw } from '../codecs/g711.ts';
import { JitterBuffer, type JitterPushOutcome } from './jitter-buffer.ts';

// Scripted arrivals: packet n carries timestamp base + 160·n and a payload of
// code (n % 100) + 1, so an output frame names the packet it came from.
interface Arrival {
  readonly atMs: number;
  readonly n: number;
  readonly quiet?: boolean;
}

const FRAME = 160;

function payloadFor(n: number, quiet = false): Buffer {
  // A 500 Hz tone (or near-silence), µ-law coded; the first code names the packet.
  const level = quiet ? 20 : 4000;
  const pcm = Int16Array.from({ length: FRAME }, (_, i) => Math.round(level * Math.sin((2 * Math.PI * 500 * i) / 8000)));
  const out = encodeUlaw(pcm);
  // The id goes in the first code: near 0xff (a tiny sample) for quiet frames, so they stay quiet.
  out[0] = quiet ? 0xff - (n % 16) : (n % 100) + 1;
  return out;
}

function idOf(payload: Buffer): number {
  return payload[0]! >= 0xf0 ? 0xff - payload[0]! : payload[0]! - 1;
}

function steady(count: number, from = 0, startMs = 0): Arrival[] {
  return Array.from({ length: count }, (_, i) => ({ atMs: startMs + i * 20, n: from + i }));
}

/** Runs the script on a fake clock, pulling every 20 ms at phase 10; returns frame labels. */
function run(
  arrivals: Arrival[],
  untilMs: number,
  base = 1000,
  afterPull?: (jb: JitterBuffer) => void,
  timestampOf: (n: number) => number = (n) => base + n * FRAME,
  ssrcOf?: (n: number) => number,
) {
  let now = 0;
  const jb = new JitterBuffer({ clock: { now: () => now }, law: 'pcmu' });
  const outcomes: JitterPushOutcome[] = [];
  const frames: string[] = [];
  const sorted = [...arrivals].sort((a, b) => a.atMs - b.atMs);
  let next = 0;
  for (now = 0; now <= untilMs; now++) {
    while (next < sorted.length && sorted[next]!.atMs === now) {
      const { n, quiet } = sorted[next++]!;
      const ssrc = ssrcOf?.(n);
      outcomes.push(
        jb.push({
          sequenceNumber: (n + 5) & 0xffff,
          timestamp: timestampOf(n) >>> 0,
          payload: payloadFor(n, quiet),
          ...(ssrc !== undefined ? { ssrc } : {}),
        }),
      );
    }
    if (now % 20 === 10) {
      const f = jb.pull();
      expect(f.payload.length).toBe(FRAME);
      afterPull?.(jb);
      frames.push(f.kind === 'audio' ? `a${idOf(f.payload)}` : f.kind === 'concealed' ? 'c' : 's');
    }
  }
  return { jb, frames, outcomes };
}

const audio = (frames: string[]) => frames.filter((f) => f.startsWith('a'));

describe('jitter buffer', () => {
  it('plays a steady stream in order after the initial delay, with nothing concealed', () => {
    const { frames, jb } = run(steady(20), 420);
    expect(frames.slice(0, 4)).toEqual(['s', 'a0', 'a1', 'a2']);
    expect(audio(frames)).toEqual(Array.from({ length: 20 }, (_, i) => `a${i}`));
    expect(jb.stats).toMatchObject({ received: 20, lost: 0, late: 0, duplicates: 0, dropped: 0 });
  });

  it('undoes reordering within the buffer delay', () => {
    const script = steady(12).map((a) => (a.n === 4 ? { ...a, atMs: 105 } : a.n === 5 ? { ...a, atMs: 95 } : a));
    const { frames, jb } = run(script, 300);
    expect(audio(frames)).toEqual(Array.from({ length: 12 }, (_, i) => `a${i}`));
    expect(jb.stats.lost).toBe(0);
  });

  it('drops a duplicate, whether still queued or already played', () => {
    const script = [...steady(10), { atMs: 61, n: 3 }, { atMs: 150, n: 1 }];
    const { frames, outcomes, jb } = run(script, 260);
    expect(audio(frames)).toEqual(Array.from({ length: 10 }, (_, i) => `a${i}`));
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(2);
    expect(jb.stats.duplicates).toBe(2);
  });

  it('conceals a packet that comes too late and drops it when it does come', () => {
    const script = steady(12).map((a) => (a.n === 5 ? { ...a, atMs: 300 } : a));
    const { frames, outcomes, jb } = run(script, 300);
    expect(frames.slice(0, 9)).toEqual(['s', 'a0', 'a1', 'a2', 'a3', 'a4', 'c', 'a6', 'a7']);
    expect(outcomes.at(-1)).toBe('late');
    expect(jb.stats).toMatchObject({ late: 1, lost: 1 });
    // A late packet means the delay was too small: the target grows by a frame.
    expect(jb.targetDelayMs).toBeGreaterThanOrEqual(60);
  });

  it('conceals a lost packet with a faded copy of the previous frame', () => {
    const jb = new JitterBuffer({ clock: { now: () => 0 }, law: 'pcmu' });
    const push = (n: number) => jb.push({ sequenceNumber: n, timestamp: n * FRAME, payload: payloadFor(n) });
    push(0);
    push(1);
    expect(jb.pull().kind).toBe('audio');
    push(2);
    expect(jb.pull().kind).toBe('audio');
    push(4);
    expect(jb.pull().kind).toBe('audio');
    const concealed = jb.pull();
    expect(concealed.kind).toBe('concealed');
    const energy = (b: Buffer) => decodeUlaw(b).reduce((s, x) => s + x * x, 0);
    const previous = payloadFor(2);
    expect(energy(concealed.payload)).toBeLessThan(energy(previous));
    expect(energy(concealed.payload)).toBeGreaterThan(energy(previous) * 0.3);
    expect(jb.pull().kind).toBe('audio');
  });

  it('fades a long loss into silence', () => {
    const script = steady(15).filter((a) => a.n < 5 || a.n > 10);
    const { frames, jb } = run(script, 340);
    expect(frames.slice(5, 13)).toEqual(['a4', 'c', 'c', 'c', 's', 's', 's', 'a11']);
    // The queue ran dry during the gap, which is indistinguishable from a stall.
    expect(jb.stats.underruns).toBeGreaterThanOrEqual(1);
    expect(jb.stats.late).toBe(0);
  });

  it('rides out a network stall without losing the packets that were held up', () => {
    // Packets 8..12 are stuck for 120 ms, then arrive together.
    const script = steady(30).map((a) => (a.n >= 8 && a.n <= 12 ? { ...a, atMs: 260 } : a));
    const { frames, jb } = run(script, 800);
    expect(audio(frames)).toEqual(Array.from({ length: 30 }, (_, i) => `a${i}`));
    expect(jb.stats).toMatchObject({ late: 0, dropped: 0 });
    expect(jb.stats.underruns).toBeGreaterThan(0);
    // The stall shows in the jitter estimate, and the target delay grew with it.
    expect(jb.jitterMs).toBeGreaterThan(2);
  });

  it('catches up after a backlog by dropping pauses, not speech', () => {
    // 15 packets arrive together, the first 8 of them a pause; then the stream is steady.
    const backlog = Array.from({ length: 15 }, (_, n) => ({ atMs: 300, n, quiet: n < 8 }));
    const { jb, frames } = run([...backlog, ...steady(20, 15, 320)], 1200);
    expect(jb.stats.dropped).toBeGreaterThan(0);
    const played = audio(frames).map((f) => Number(f.slice(1)));
    // Every frame of speech (8 and up) is played, in order.
    expect(played.filter((n) => n >= 8)).toEqual(Array.from({ length: 27 }, (_, i) => 8 + i));
    expect(played.filter((n) => n < 8).length).toBe(8 - jb.stats.dropped);
  });

  it('drops even speech above the hard delay ceiling', () => {
    const backlog = Array.from({ length: 30 }, (_, n) => ({ atMs: 300, n }));
    let peakQueuedMs = 0;
    const { jb, frames } = run([...backlog, ...steady(10, 30, 320)], 1100, 1000, (b) => {
      peakQueuedMs = Math.max(peakQueuedMs, b.queuedMs);
    });
    expect(jb.stats.dropped).toBeGreaterThan(0);
    expect(peakQueuedMs).toBeLessThanOrEqual(400);
    const played = audio(frames).map((f) => Number(f.slice(1)));
    expect(played).toEqual([...played].sort((a, b) => a - b));
    expect(played.at(-1)).toBe(39);
  });

  it('keeps the gap of silence suppression and resumes after it', () => {
    // Talk spurt 0..9, a second of silence (no packets), talk spurt 60..69.
    const script = [...steady(10), ...steady(10, 60, 1200)];
    const { frames, jb } = run(script, 1500);
    expect(audio(frames)).toEqual([...Array.from({ length: 10 }, (_, i) => `a${i}`), ...Array.from({ length: 10 }, (_, i) => `a${60 + i}`)]);
    expect(jb.stats).toMatchObject({ late: 0, lost: 0 });
    const gap = frames.slice(frames.indexOf('a9') + 1, frames.indexOf('a60'));
    expect(gap.slice(0, 3)).toEqual(['c', 'c', 'c']);
    expect(gap.slice(3).every((f) => f === 's')).toBe(true);
  });

  it('plays across the 32-bit timestamp wrap', () => {
    const { frames, jb } = run(steady(20), 420, 0xffffffff - 5 * FRAME);
    expect(audio(frames)).toEqual(Array.from({ length: 20 }, (_, i) => `a${i}`));
    expect(jb.stats.lost).toBe(0);
  });

  it('starts over for a new SSRC instead of calling its packets late', () => {
    // Packets 20.. come from a new source whose timestamps start far behind.
    const { frames, jb } = run(steady(40), 860, 1000, undefined, (n) => (n < 20 ? 500000 + n * FRAME : 7 + n * FRAME), (n) => (n < 20 ? 1 : 2));
    expect(audio(frames).filter((f) => Number(f.slice(1)) >= 20)).toEqual(Array.from({ length: 20 }, (_, i) => `a${20 + i}`));
    expect(jb.stats).toMatchObject({ restarts: 1, late: 0 });
  });

  it('starts over when the timestamps jump back under the same SSRC', () => {
    const { frames, jb } = run(steady(60), 1300, 1000, undefined, (n) => (n < 20 ? 500000 + n * FRAME : 7 + n * FRAME));
    const played = audio(frames).map((f) => Number(f.slice(1)));
    expect(played.slice(-30)).toEqual(Array.from({ length: 30 }, (_, i) => 30 + i));
    expect(jb.stats.restarts).toBe(1);
  });

  it('skips a forward timestamp jump instead of concealing the whole gap', () => {
    const { frames, jb } = run(steady(40), 860, 1000, undefined, (n) => (n < 20 ? 1000 + n * FRAME : 9_000_000 + n * FRAME));
    expect(audio(frames)).toEqual(Array.from({ length: 40 }, (_, i) => `a${i}`));
    expect(jb.stats.lost).toBe(0);
  });
});
