// Sample-rate conversion to the 16 kHz the en-us acoustic model was trained
// on. Windowed-sinc FIR low-pass filters (Blackman window); the common 8 kHz
// telephone case takes the polyphase path, which skips the zero-stuffed
// samples' multiplications.

/** Windowed-sinc low-pass taps; cutoff as a fraction of the sampling rate (0..0.5). */
export function designLowpass(taps: number, cutoff: number): Float64Array {
  if (taps % 2 === 0) throw new Error('odd tap count keeps the filter delay a whole sample');
  const h = new Float64Array(taps);
  const mid = (taps - 1) / 2;
  let sum = 0;
  for (let i = 0; i < taps; i++) {
    const t = i - mid;
    const sinc = t === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * t) / (Math.PI * t);
    const w = 0.42 - 0.5 * Math.cos((2 * Math.PI * i) / (taps - 1)) + 0.08 * Math.cos((4 * Math.PI * i) / (taps - 1));
    h[i] = sinc * w;
    sum += h[i]!;
  }
  for (let i = 0; i < taps; i++) h[i]! /= sum; // unity gain at DC
  return h;
}

/** 63 taps: stop band past 4.4 kHz at 16 kHz output, ~75 dB down, 2 ms delay (compensated). */
export const HALF_BAND = designLowpass(63, 0.25);

/** Doubles the rate: zero-stuff, low-pass at the old Nyquist, gain 2. Output is time-aligned. */
export function upsample2(x: Float32Array): Float32Array {
  const y = new Float32Array(x.length * 2);
  upsample2Range(x, y, 0, y.length);
  return y;
}

/**
 * Computes outputs [from, to) of upsample2 into y (y.length = 2 x.length).
 * Each output depends only on x, so a long message can be converted in
 * slices with the event loop let through between them.
 */
export function upsample2Range(x: Float32Array, y: Float32Array, from: number, to: number): void {
  const taps = HALF_BAND.length;
  const mid = (taps - 1) / 2;
  for (let o = from; o < to; o++) {
    // y[o] = 2 * sum_t h[t] * z[o + mid - t], where z[2k] = x[k] and odd z are zero.
    let acc = 0;
    const base = o + mid;
    for (let t = base & 1; t < taps; t += 2) {
      const k = (base - t) >> 1;
      if (k >= 0 && k < x.length) acc += HALF_BAND[t]! * x[k]!;
    }
    y[o] = 2 * acc;
  }
}

/** Low-pass filter at the half-band (rate/4) cutoff, time-aligned; used to shape band noise. */
export function halfBandLowpass(x: Float32Array): Float32Array {
  const y = new Float32Array(x.length);
  const taps = HALF_BAND.length;
  const mid = (taps - 1) / 2;
  for (let o = 0; o < x.length; o++) {
    let acc = 0;
    for (let t = 0; t < taps; t++) {
      const k = o + mid - t;
      if (k >= 0 && k < x.length) acc += HALF_BAND[t]! * x[k]!;
    }
    y[o] = acc;
  }
  return y;
}

/** General rate change by windowed-sinc interpolation (for the odd 11.025/44.1/48 kHz upload). */
export function resample(x: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) return x;
  if (toRate === fromRate * 2) return upsample2(x);
  const ratio = toRate / fromRate;
  const n = Math.floor(x.length * ratio);
  const y = new Float32Array(n);
  const cutoff = 0.5 * Math.min(1, ratio) * 0.92; // in input-sample units
  const half = Math.ceil(16 / Math.min(1, ratio));
  for (let o = 0; o < n; o++) {
    const center = o / ratio;
    const first = Math.ceil(center - half);
    let acc = 0;
    let norm = 0;
    for (let k = first; k <= center + half; k++) {
      const t = k - center;
      const sinc = t === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * t) / (Math.PI * t);
      const w = 0.42 + 0.5 * Math.cos((Math.PI * t) / half) + 0.08 * Math.cos((2 * Math.PI * t) / half);
      const h = sinc * w;
      norm += h;
      if (k >= 0 && k < x.length) acc += h * x[k]!;
    }
    y[o] = norm === 0 ? 0 : acc / norm;
  }
  return y;
}
