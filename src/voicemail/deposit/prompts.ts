// What the caller hears before recording: the box's own greeting if one was
// recorded, else the default spoken by the TTS voice; then the tone.

/** The record tone: 1 kHz for 400 ms at about -12 dBFS, with 10 ms ramps so it does not click. */
export function recordTone(): Int16Array {
  const n = 3200;
  const ramp = 80;
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const gain = Math.min(1, i / ramp, (n - 1 - i) / ramp);
    out[i] = Math.round(8000 * gain * Math.sin((2 * Math.PI * 1000 * i) / 8000));
  }
  return out;
}

/** A little quiet before the greeting, so the first word is not clipped while the phone sets up its audio path. */
export function leadIn(ms = 300): Int16Array {
  return new Int16Array(8 * ms);
}
