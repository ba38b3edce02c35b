// Synthesised tones as 16-bit PCM: DTMF pairs, test tones, call-progress
// tones. Phase runs continuously across the block, so consecutive blocks of
// one tone join without clicks when generated with a running start sample.

import { digitFrequencies, type DtmfDigit } from './keypad.ts';

export interface ToneOptions {
  readonly sampleRate?: number;
  /** Peak amplitude of each component, in 16-bit units. */
  readonly amplitude?: number;
  /** Sample index of the first output sample, to continue a tone across blocks. */
  readonly startSample?: number;
}

export function generateTone(frequencies: readonly number[], durationMs: number, options: ToneOptions = {}): Int16Array {
  const sampleRate = options.sampleRate ?? 8000;
  const amplitude = options.amplitude ?? 8000;
  const start = options.startSample ?? 0;
  const n = Math.round((durationMs * sampleRate) / 1000);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (const f of frequencies) v += Math.sin((2 * Math.PI * f * (start + i)) / sampleRate);
    out[i] = Math.max(-32768, Math.min(32767, Math.round(amplitude * v)));
  }
  return out;
}

/** A DTMF key press; ITU-T Q.24 asks for at least 40 ms of tone. */
export function generateDtmfTone(digit: DtmfDigit, durationMs: number, options: ToneOptions = {}): Int16Array {
  return generateTone(digitFrequencies(digit), durationMs, options);
}

export function silence(durationMs: number, sampleRate = 8000): Int16Array {
  return new Int16Array(Math.round((durationMs * sampleRate) / 1000));
}

export function concatPcm(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
