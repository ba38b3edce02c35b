// ITU-T G.711 decoding (mu-law and A-law to 16-bit linear), for voicemail
// audio stored as the call carried it. Tables are computed once from the
// Recommendation's segment formulas rather than pasted in.

function decodeMuLaw(byte: number): number {
  // G.711 sec. 3 (mu-law): bits are inverted on the wire; bias 0x84 (132).
  const u = ~byte & 0xff;
  const sign = u & 0x80;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  const magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  return sign ? -magnitude : magnitude;
}

function decodeALaw(byte: number): number {
  // G.711 sec. 2 (A-law): even bits inverted (XOR 0x55).
  const a = byte ^ 0x55;
  const sign = a & 0x80;
  const exponent = (a >> 4) & 0x07;
  const mantissa = a & 0x0f;
  let magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  // A-law's sign bit set means positive.
  return sign ? magnitude : -magnitude;
}

export const MU_LAW_TABLE: Int16Array = Int16Array.from({ length: 256 }, (_, i) => decodeMuLaw(i));
export const A_LAW_TABLE: Int16Array = Int16Array.from({ length: 256 }, (_, i) => decodeALaw(i));

export function decodeG711(bytes: Uint8Array, law: 'mulaw' | 'alaw'): Int16Array {
  const table = law === 'mulaw' ? MU_LAW_TABLE : A_LAW_TABLE;
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]!]!;
  return out;
}
