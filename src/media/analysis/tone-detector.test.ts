import { describe, expect, it } from 'vitest';
import { decodeAlaw, decodeUlaw, encodeAlaw, encodeUlaw } from '../codecs/g711.ts';
import { concatPcm, generateTone, silence } from '../dtmf/tone-generator.ts';
import { detectToneSegments, dominantFrequency } from './tone-detector.ts';

describe('tone detector', () => {
  const recording = decodeUlaw(encodeUlaw(concatPcm([silence(200), generateTone([1000], 2000), silence(500)])));

  it('finds the 1 kHz tone and how long it lasted, after G.711', () => {
    const segments = detectToneSegments(recording, { frequencyHz: 1000 });
    expect(segments).toHaveLength(1);
    expect(segments[0]!.startMs).toBeCloseTo(200, -2);
    expect(Math.abs(segments[0]!.durationMs - 2000)).toBeLessThanOrEqual(40);
  });

  it('does not mistake the tone for another frequency', () => {
    expect(detectToneSegments(recording, { frequencyHz: 1500 })).toEqual([]);
    expect(detectToneSegments(recording, { frequencyHz: 1100 })).toEqual([]);
  });

  it('bridges a lost packet but splits at a real pause', () => {
    const gappy = decodeAlaw(
      encodeAlaw(concatPcm([generateTone([440], 500), silence(20), generateTone([440], 500, { startSample: 4160 }), silence(400), generateTone([440], 300)])),
    );
    const segments = detectToneSegments(gappy, { frequencyHz: 440 });
    expect(segments.map((s) => Math.round(s.durationMs / 20) * 20)).toEqual([1020, 300]);
  });

  it('ignores a tone too quiet to matter', () => {
    expect(detectToneSegments(generateTone([1000], 500, { amplitude: 50 }), { frequencyHz: 1000 })).toEqual([]);
  });

  it('estimates the dominant frequency to within a few hertz', () => {
    expect(Math.abs(dominantFrequency(recording.subarray(1600, 17600)) - 1000)).toBeLessThanOrEqual(2);
    expect(Math.abs(dominantFrequency(generateTone([2345], 1000)) - 2345)).toBeLessThanOrEqual(2);
  });
});
