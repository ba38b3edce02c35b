// ITU-T G.711 µ-law and A-law companding.
//
// Both laws split the magnitude into 8 segments (chords) of 16 steps each,
// the step doubling from one segment to the next. µ-law works on 14-bit
// magnitudes with a bias of 33 so the segment boundaries fall on powers of
// two; A-law works on 13-bit magnitudes and inverts the even bits (0x55) of
// the code word on the wire. Encoders take 16-bit linear PCM and round it to
// 14 (µ-law) or 13 (A-law) bits, half up, clamping at the top, exactly as
// sox does, so files we write are bit-identical to what sox writes. (The
// G.191 reference floors instead; rounding halves the bias near zero.)

const ULAW_BIAS = 0x21; // 33, in 14-bit units
const ULAW_CLIP = 8159; // 14-bit magnitude that encodes to the top code
const ALAW_INVERT = 0x55; // G.711 §A: even bits inverted on the line

/** Silence on the wire: the code for linear 0. */
export const ULAW_SILENCE = 0xff;
export const ALAW_SILENCE = 0xd5;

/** Position of the highest set bit of v (v > 0), counting from 0. */
function highestBit(v: number): number {
  return 31 - Math.clz32(v);
}

export function linearToUlaw(sample: number): number {
  // 16 -> 14 bits, rounded; 32766 and 32767 would round past the top.
  let pcm = Math.min(0x1fff, (sample + 2) >> 2);
  let mask = 0xff;
  if (pcm < 0) {
    pcm = -pcm;
    mask = 0x7f;
  }
  if (pcm > ULAW_CLIP) pcm = ULAW_CLIP;
  pcm += ULAW_BIAS;
  // With the bias added, segment s covers [2^(s+5), 2^(s+6)).
  const segment = highestBit(pcm) - 5;
  // Only the clip value itself reaches a ninth segment: it takes the top code.
  if (segment > 7) return 0x7f ^ mask;
  const mantissa = (pcm >> (segment + 1)) & 0x0f;
  return ((segment << 4) | mantissa) ^ mask;
}

export function ulawToLinear(code: number): number {
  const u = ~code & 0xff;
  const segment = (u >> 4) & 0x07;
  // Reconstruct at the middle of the step, in 16-bit units (bias 0x84 = 33 << 2).
  const magnitude = ((((u & 0x0f) << 3) + 0x84) << segment) - 0x84;
  return u & 0x80 ? -magnitude : magnitude;
}

export function linearToAlaw(sample: number): number {
  // 16 -> 13 bits, rounded; negatives then use one's complement so that
  // -1 and 0 land in the two smallest steps on either side of zero.
  let pcm = Math.min(0xfff, (sample + 4) >> 3);
  let mask: number;
  if (pcm >= 0) {
    mask = ALAW_INVERT | 0x80;
  } else {
    mask = ALAW_INVERT;
    pcm = -pcm - 1;
  }
  if (pcm > 0xfff) pcm = 0xfff;
  // Segment 0 and 1 share a step size; above them the step doubles.
  const segment = pcm < 0x20 ? 0 : highestBit(pcm) - 4;
  const mantissa = segment < 2 ? (pcm >> 1) & 0x0f : (pcm >> segment) & 0x0f;
  return ((segment << 4) | mantissa) ^ mask;
}

export function alawToLinear(code: number): number {
  const a = (code ^ ALAW_INVERT) & 0xff;
  const segment = (a >> 4) & 0x07;
  let magnitude = (a & 0x0f) << 4;
  if (segment === 0) magnitude += 8;
  else magnitude = (magnitude + 0x108) << (segment - 1);
  return a & 0x80 ? magnitude : -magnitude;
}

// Tables: both directions are one lookup per sample (64 KiB per encoder,
// indexed by the sample's 16 bits).
const ULAW_DECODE = new Int16Array(256);
const ALAW_DECODE = new Int16Array(256);
const ULAW_ENCODE = new Uint8Array(1 << 16);
const ALAW_ENCODE = new Uint8Array(1 << 16);
for (let c = 0; c < 256; c++) {
  ULAW_DECODE[c] = ulawToLinear(c);
  ALAW_DECODE[c] = alawToLinear(c);
}
for (let i = 0; i < 1 << 16; i++) {
  ULAW_ENCODE[i] = linearToUlaw((i << 16) >> 16);
  ALAW_ENCODE[i] = linearToAlaw((i << 16) >> 16);
}

/**
 * Conversion tables between the laws, for a relay that bridges a µ-law phone
 * to an A-law one without going through linear PCM. Each code maps to the
 * code of the other law whose reconstruction value is nearest, same sign,
 * ties to the larger magnitude (the rule G.711's conversion tables follow).
 * Decoding and re-encoding at the decision points, as sox does, can land one
 * step further away, so the tables are built by the nearest-value rule.
 */
export const ULAW_TO_ALAW: Uint8Array = nearestCodeTable(ULAW_DECODE, ALAW_DECODE, 0x80, 0x80);
export const ALAW_TO_ULAW: Uint8Array = nearestCodeTable(ALAW_DECODE, ULAW_DECODE, 0x80, 0x80);

function nearestCodeTable(from: Int16Array, to: Int16Array, fromSignBit: number, toSignBit: number): Uint8Array {
  const table = new Uint8Array(256);
  for (let c = 0; c < 256; c++) {
    // µ-law's two zeros are signed by their sign bit, not by their value.
    const positive = (c & fromSignBit) !== 0;
    const value = Math.abs(from[c]!);
    let best = -1;
    let bestDistance = Infinity;
    let bestMagnitude = -1;
    for (let d = 0; d < 256; d++) {
      if (((d & toSignBit) !== 0) !== positive) continue;
      const magnitude = Math.abs(to[d]!);
      const distance = Math.abs(magnitude - value);
      if (distance < bestDistance || (distance === bestDistance && magnitude > bestMagnitude)) {
        best = d;
        bestDistance = distance;
        bestMagnitude = magnitude;
      }
    }
    table[c] = best;
  }
  return table;
}

export function encodeUlaw(pcm: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = ULAW_ENCODE[pcm[i]! & 0xffff]!;
  return out;
}

export function decodeUlaw(codes: Uint8Array): Int16Array {
  const out = new Int16Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = ULAW_DECODE[codes[i]!]!;
  return out;
}

export function encodeAlaw(pcm: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = ALAW_ENCODE[pcm[i]! & 0xffff]!;
  return out;
}

export function decodeAlaw(codes: Uint8Array): Int16Array {
  const out = new Int16Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = ALAW_DECODE[codes[i]!]!;
  return out;
}

/** Rewrites a G.711 payload from one law to the other without touching linear PCM. */
export function transcodeG711(codes: Uint8Array, table: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = table[codes[i]!]!;
  return out;
}

export type G711Law = 'pcmu' | 'pcma';

export function encodeG711(law: G711Law, pcm: Int16Array): Buffer {
  return law === 'pcmu' ? encodeUlaw(pcm) : encodeAlaw(pcm);
}

export function decodeG711(law: G711Law, codes: Uint8Array): Int16Array {
  return law === 'pcmu' ? decodeUlaw(codes) : decodeAlaw(codes);
}

export function g711Silence(law: G711Law): number {
  return law === 'pcmu' ? ULAW_SILENCE : ALAW_SILENCE;
}
