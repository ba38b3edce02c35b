// Reads the PCM16 samples out of what a TTS engine writes. text2wave writing
// to a pipe cannot seek back, so its RIFF and data sizes are placeholders
// (0 or 0xffffffff): the data chunk is taken to run to the end of the bytes
// in that case. Anything that is not mono/stereo PCM16 is refused.

export interface EngineAudio {
  readonly sampleRate: number;
  /** Mono samples (the first channel when there are more). */
  readonly samples: Int16Array;
}

export function readEngineWav(bytes: Buffer): EngineAudio | undefined {
  if (bytes.length < 12 || bytes.toString('latin1', 0, 4) !== 'RIFF' || bytes.toString('latin1', 8, 12) !== 'WAVE') return undefined;
  let offset = 12;
  let format: { channels: number; rate: number; bits: number; tag: number } | undefined;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('latin1', offset, offset + 4);
    const declared = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ' && body + 16 <= bytes.length) {
      format = { tag: bytes.readUInt16LE(body), channels: bytes.readUInt16LE(body + 2), rate: bytes.readUInt32LE(body + 4), bits: bytes.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!format || format.tag !== 1 || format.bits !== 16 || format.channels < 1 || format.rate < 4000) return undefined;
      // A streamed header: size unknown, the data runs to the end.
      const end = declared === 0 || declared === 0xffffffff || body + declared > bytes.length ? bytes.length : body + declared;
      const frameBytes = 2 * format.channels;
      const frames = Math.floor((end - body) / frameBytes);
      const samples = new Int16Array(frames);
      for (let i = 0; i < frames; i++) samples[i] = bytes.readInt16LE(body + i * frameBytes);
      return { sampleRate: format.rate, samples };
    }
    offset = body + declared + (declared & 1);
  }
  return undefined;
}

/**
 * Any rate to 8 kHz: a windowed-sinc low-pass at the new Nyquist evaluated at
 * each output instant (fine for prompts, rendered once and cached).
 */
export function resampleTo8k(input: EngineAudio): Int16Array {
  const { sampleRate, samples } = input;
  if (sampleRate === 8000) return samples;
  const ratio = sampleRate / 8000;
  const cutoff = Math.min(1, 8000 / sampleRate) * 0.5 * 0.92;
  const half = Math.ceil(8 * ratio);
  const out = new Int16Array(Math.floor(samples.length / ratio));
  for (let n = 0; n < out.length; n++) {
    const centre = n * ratio;
    const first = Math.max(0, Math.ceil(centre - half));
    const last = Math.min(samples.length - 1, Math.floor(centre + half));
    let acc = 0;
    let norm = 0;
    for (let k = first; k <= last; k++) {
      const t = k - centre;
      const sinc = t === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * t) / (Math.PI * t);
      const w = 0.5 + 0.5 * Math.cos((Math.PI * t) / (half + 1));
      acc += samples[k]! * sinc * w;
      norm += sinc * w;
    }
    out[n] = Math.max(-32768, Math.min(32767, Math.round(norm === 0 ? 0 : acc / norm)));
  }
  return out;
}
