// The Goertzel algorithm: the power of one frequency in a block of samples,
// at the cost of one multiply-add per sample. Cheaper than an FFT when only a
// handful of frequencies matter (DTMF's eight, or "is the 1 kHz tone there").

/**
 * Mean-square power of the `frequency` component of samples[start, start+length),
 * on the same scale as `meanSquare`: a pure sine of amplitude A gives A²/2
 * from both, so their ratio says how much of the signal is that tone.
 */
export function goertzelPower(
  samples: ArrayLike<number>,
  start: number,
  length: number,
  frequency: number,
  sampleRate: number,
): number {
  const coeff = 2 * Math.cos((2 * Math.PI * frequency) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = start; i < start + length; i++) {
    const s0 = samples[i]! + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const magnitudeSquared = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  // |X|² ≈ (A·N/2)² for a sine, so A²/2 = 2|X|²/N².
  return (2 * magnitudeSquared) / (length * length);
}

export function meanSquare(samples: ArrayLike<number>, start: number, length: number): number {
  let sum = 0;
  for (let i = start; i < start + length; i++) sum += samples[i]! * samples[i]!;
  return length === 0 ? 0 : sum / length;
}

/** Level relative to a full-scale 16-bit sine, in dB. */
export function dbfs(meanSquarePower: number): number {
  const fullScaleSine = (32767 * 32767) / 2;
  return meanSquarePower <= 0 ? -Infinity : 10 * Math.log10(meanSquarePower / fullScaleSine);
}
