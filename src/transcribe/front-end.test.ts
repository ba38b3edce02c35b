import { describe, expect, it } from 'vitest';
import { fillHighBand, highBandEnergyRatio, highBandNoiseTable } from './band-fill.ts';
import { prepareAudio } from './front-end.ts';
import { upsample2 } from './resample.ts';

function sine(freq: number, rate: number, n: number, amp = 0.5): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * freq * i) / rate));
}

/** Power at one frequency by correlation (a one-bin DFT). */
function powerAt(x: Float32Array, freq: number, rate: number): number {
  let re = 0, im = 0;
  for (let i = 0; i < x.length; i++) {
    re += x[i]! * Math.cos((2 * Math.PI * freq * i) / rate);
    im += x[i]! * Math.sin((2 * Math.PI * freq * i) / rate);
  }
  return (re * re + im * im) / (x.length * x.length);
}

describe('upsample2', () => {
  it('keeps a 1 kHz tone and suppresses its 7 kHz image by more than 60 dB', () => {
    const y = upsample2(sine(1000, 8000, 8000));
    const mid = y.subarray(1000, 15000);
    const tone = powerAt(mid, 1000, 16000);
    expect(tone).toBeCloseTo(0.0625, 2); // (0.5 / 2)^2: amplitude preserved
    expect(10 * Math.log10(powerAt(mid, 7000, 16000) / tone)).toBeLessThan(-60);
  });
});

describe('band fill', () => {
  it('the noise table sits in the 4-8 kHz band', () => {
    const n = highBandNoiseTable(1);
    // The rest is the filter's transition band around 4 kHz.
    expect(highBandEnergyRatio(n)).toBeGreaterThan(0.95);
  });

  it('telephone audio is detected as narrow band, and filled audio is not', () => {
    const narrow = upsample2(sine(700, 8000, 16000, 0.3));
    expect(highBandEnergyRatio(narrow)).toBeLessThan(1e-3);
    for (const mode of ['noise', 'envelope', 'fold'] as const) {
      expect(highBandEnergyRatio(fillHighBand(narrow, { mode }))).toBeGreaterThan(1e-3);
    }
  });

  it('leaves the telephone band itself untouched (fill adds only above 4 kHz)', () => {
    const narrow = upsample2(sine(700, 8000, 16000, 0.3));
    const filled = fillHighBand(narrow, { mode: 'fold' });
    const mid = (x: Float32Array): Float32Array => x.subarray(2000, 30000);
    expect(powerAt(mid(filled), 700, 16000)).toBeCloseTo(powerAt(mid(narrow), 700, 16000), 4);
  });

  it('prepareAudio turns 8 kHz into 16 kHz PCM of twice the samples', async () => {
    const samples = Int16Array.from(sine(440, 8000, 800, 0.25), (v) => Math.round(v * 32767));
    const p = await prepareAudio({ samples, sampleRate: 8000 });
    expect(p.pcm.length).toBe(1600 * 2);
    expect(p.narrowBand).toBe(true);
    expect(p.durationMs).toBe(100);
  });
});
