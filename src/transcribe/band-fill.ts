// Filling the empty 4-8 kHz band of telephone audio before the 16 kHz
// recogniser sees it. The en-us model's mel filters run to 6.8 kHz; with
// nothing above 4 kHz the top filters' log energies fall to the floor and
// the cepstra (after CMN) no longer look like anything the model was trained
// on. Measured here (bench/transcribe.ts): plain upsampling gives ~85-90 % WER.
//
// Modes:
//   noise     steady band-limited white noise at a fixed level (the known
//             trick: keeps the top filters at a plausible floor)
//   envelope  band noise whose level follows the speech's short-time
//             energy, so the high band rises and falls with the syllables
//             the way real wide-band speech does (fricatives aside)
//   fold      the spectral mirror image of 0-4 kHz, attenuated (cheap
//             bandwidth extension), plus the noise floor

import { seededRandom } from './corpus/generate-corpus.ts';
import { HALF_BAND, halfBandLowpass } from './resample.ts';

export type BandFillMode = 'none' | 'noise' | 'envelope' | 'fold';

export interface BandFillOptions {
  readonly mode: BandFillMode;
  /** RMS of the noise floor, as a fraction of full scale (1.0). */
  readonly noiseRms?: number;
  /** envelope: high-band RMS as a fraction of the frame's speech RMS. */
  readonly envelopeRatio?: number;
  /** fold: gain of the mirrored band. */
  readonly foldGain?: number;
  readonly seed?: number;
}

/** Chosen by bench/transcribe.ts (fold beat plain noise and envelope noise on the fixture set). */
export const DEFAULT_BAND_FILL: BandFillOptions = { mode: 'fold', noiseRms: 0.004, foldGain: 0.15 };

const NOISE_TABLE_LENGTH = 1 << 16; // ~4 s at 16 kHz, tiled: long enough not to be heard as a pattern
const noiseTables = new Map<number, Float32Array>();

/**
 * White noise confined to the upper half band (rate/4 .. rate/2), unit RMS,
 * periodic with period NOISE_TABLE_LENGTH (filtered circularly, so tiling
 * it leaves no seam). Computed once per seed.
 */
export function highBandNoiseTable(seed: number): Float32Array {
  const cached = noiseTables.get(seed);
  if (cached) return cached;
  const n = NOISE_TABLE_LENGTH;
  const rng = seededRandom(seed);
  const white = new Float32Array(n);
  for (let i = 0; i < n; i++) white[i] = rng() * 2 - 1;
  // Low-pass to the lower half band, then modulate by (-1)^n: that shifts
  // the spectrum by rate/2, landing it exactly in the upper half band.
  const taps = HALF_BAND.length;
  const mid = (taps - 1) / 2;
  const band = new Float32Array(n);
  let energy = 0;
  for (let o = 0; o < n; o++) {
    let acc = 0;
    for (let t = 0; t < taps; t++) acc += HALF_BAND[t]! * white[(o + mid - t + n) & (n - 1)]!;
    const v = o & 1 ? -acc : acc;
    band[o] = v;
    energy += v * v;
  }
  const scale = 1 / Math.sqrt(energy / n);
  for (let i = 0; i < n; i++) band[i]! *= scale;
  noiseTables.set(seed, band);
  return band;
}

/** Returns the 16 kHz signal (full-scale 1.0) with its upper band filled. */
export function fillHighBand(x: Float32Array, opts: BandFillOptions = DEFAULT_BAND_FILL): Float32Array {
  if (opts.mode === 'none' || x.length === 0) return x;
  const floor = opts.noiseRms ?? 0.008;
  const noise = highBandNoiseTable(opts.seed ?? 1);
  const mask = NOISE_TABLE_LENGTH - 1;
  const y = new Float32Array(x.length);
  if (opts.mode === 'noise') {
    for (let i = 0; i < x.length; i++) y[i] = x[i]! + floor * noise[i & mask]!;
    return y;
  }
  if (opts.mode === 'envelope') {
    const ratio = opts.envelopeRatio ?? 0.1;
    const env = frameRmsEnvelope(x, 160);
    for (let i = 0; i < x.length; i++) y[i] = x[i]! + (floor + ratio * env[i]!) * noise[i & mask]!;
    return y;
  }
  // fold: x[n](-1)^n is the mirror image of x's spectrum about rate/4.
  const g = opts.foldGain ?? 0.15;
  for (let i = 0; i < x.length; i++) {
    const mirror = i & 1 ? -x[i]! : x[i]!;
    y[i] = x[i]! + g * mirror + floor * noise[i & mask]!;
  }
  return y;
}

/** Per-sample RMS of the surrounding frame (10 ms at 16 kHz), linearly interpolated. */
function frameRmsEnvelope(x: Float32Array, frame: number): Float32Array {
  const frames = Math.ceil(x.length / frame);
  const rms = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    let e = 0;
    const end = Math.min(x.length, (f + 1) * frame);
    for (let i = f * frame; i < end; i++) e += x[i]! * x[i]!;
    rms[f] = Math.sqrt(e / Math.max(1, end - f * frame));
  }
  const env = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const pos = i / frame - 0.5;
    const f0 = Math.max(0, Math.floor(pos));
    const f1 = Math.min(frames - 1, f0 + 1);
    const t = Math.min(1, Math.max(0, pos - f0));
    env[i] = rms[f0]! * (1 - t) + rms[f1]! * t;
  }
  return env;
}

/**
 * Fraction of the signal's energy in the upper half band: ~0 for audio that
 * went through a telephone channel, whatever rate it was stored at.
 */
export function highBandEnergyRatio(x: Float32Array): number {
  const low = halfBandLowpass(x);
  let total = 0;
  let high = 0;
  for (let i = 0; i < x.length; i++) {
    total += x[i]! * x[i]!;
    const h = x[i]! - low[i]!;
    high += h * h;
  }
  return total === 0 ? 0 : high / total;
}
