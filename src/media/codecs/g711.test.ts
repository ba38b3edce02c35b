import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ALAW_TO_ULAW,
  alawToLinear,
  decodeAlaw,
  decodeUlaw,
  encodeAlaw,
  encodeUlaw,
  linearToAlaw,
  linearToUlaw,
  transcodeG711,
  ULAW_TO_ALAW,
  ulawToLinear,
} from './g711.ts';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Every 16-bit sample from -32768 to 32767. */
function everySample(): Int16Array {
  const pcm = new Int16Array(65536);
  for (let i = 0; i < 65536; i++) pcm[i] = i - 32768;
  return pcm;
}

function littleEndian(pcm: Int16Array): Buffer {
  const out = Buffer.alloc(pcm.length * 2);
  pcm.forEach((s, i) => out.writeInt16LE(s, i * 2));
  return out;
}

const everyCode = Uint8Array.from({ length: 256 }, (_, i) => i);

// Digests of sox 14.4 output (-D, no dither) over the same inputs:
//   sox -D -t raw -r 8000 -e signed -b 16 -c 1 all.raw -t raw -e u-law -b 8 all.ul
//   sox -t raw -r 8000 -e u-law -b 8 -c 1 codes.raw -t raw -e signed -b 16 ul.dec
//   sox -D -t raw -r 8000 -e u-law -b 8 -c 1 codes.raw -t raw -e a-law -b 8 u2a.raw
// and the same with a-law. g711.sox.test.ts reruns sox when it is installed.
const SOX = {
  ulawEncodeAll: 'cd03795221187036041e2c68724ebbcc497e1844823ff4ab4ac6e61bc5948fb3',
  alawEncodeAll: '9ad77510792fe7c8192acff6bf30d3fe660e5644727b703881516fa61dbabdeb',
  ulawDecodeAll: '3dab54339e520bb2c924826e3b72a917a2b612e9fd12fc867500f1d983a75827',
  alawDecodeAll: 'e04788d110e58ff8c70c93b8480190d973e3b67876b6119abbaec766cc75c174',
};

describe('G.711', () => {
  it.each([
    [0, 0xff, 0xd5],
    [-1, 0xff, 0xd5],
    [2, 0xfe, 0xd5],
    [100, 0xf2, 0xd3],
    [-100, 0x72, 0x50],
    [1000, 0xce, 0xfa],
    [-1000, 0x4e, 0x7a],
    [8000, 0xa0, 0x8a],
    [-8000, 0x20, 0x0a],
    [32767, 0x80, 0xaa],
    [-32768, 0x00, 0x2a],
  ])('encodes %i to µ-law %i and A-law %i', (sample, ulaw, alaw) => {
    expect(linearToUlaw(sample)).toBe(ulaw);
    expect(linearToAlaw(sample)).toBe(alaw);
  });

  it.each([
    [0x00, -32124],
    [0x80, 32124],
    [0xff, 0],
    [0xce, 988],
  ])('decodes µ-law %i to %i', (code, sample) => expect(ulawToLinear(code)).toBe(sample));

  it.each([
    [0x55, -8],
    [0xd5, 8],
    [0x2a, -32256],
    [0xaa, 32256],
    [0xfa, 1008],
  ])('decodes A-law %i to %i', (code, sample) => expect(alawToLinear(code)).toBe(sample));

  it('encodes every 16-bit sample exactly as sox does', () => {
    const pcm = everySample();
    expect(sha256(encodeUlaw(pcm))).toBe(SOX.ulawEncodeAll);
    expect(sha256(encodeAlaw(pcm))).toBe(SOX.alawEncodeAll);
  });

  it('decodes every code exactly as sox does', () => {
    expect(sha256(littleEndian(decodeUlaw(everyCode)))).toBe(SOX.ulawDecodeAll);
    expect(sha256(littleEndian(decodeAlaw(everyCode)))).toBe(SOX.alawDecodeAll);
  });

  it('transcodes each code to the nearest code of the other law, keeping its sign', () => {
    const cases = [
      [ULAW_TO_ALAW, ulawToLinear, alawToLinear],
      [ALAW_TO_ULAW, alawToLinear, ulawToLinear],
    ] as const;
    for (const [table, decodeFrom, decodeTo] of cases) {
      for (let c = 0; c < 256; c++) {
        const target = table[c]!;
        expect(target & 0x80).toBe(c & 0x80);
        const error = Math.abs(decodeTo(target) - decodeFrom(c));
        for (let d = 0; d < 256; d++) {
          if ((d & 0x80) === (c & 0x80)) expect(error).toBeLessThanOrEqual(Math.abs(decodeTo(d) - decodeFrom(c)));
        }
      }
    }
    expect(ULAW_TO_ALAW[0xff]).toBe(0xd5);
    expect(ULAW_TO_ALAW[0x7f]).toBe(0x55);
    expect(ALAW_TO_ULAW[0xd5]).toBe(0xfe);
  });

  it('carries A-law through µ-law and back to the same code or its neighbour', () => {
    const back = transcodeG711(transcodeG711(everyCode, ALAW_TO_ULAW), ULAW_TO_ALAW);
    let unchanged = 0;
    for (let c = 0; c < 256; c++) {
      if (back[c] === c) unchanged++;
      else expect(Math.abs(alawToLinear(back[c]!) - alawToLinear(c))).toBeLessThanOrEqual(1024);
    }
    expect(unchanged).toBeGreaterThanOrEqual(240);
  });

  it('re-encodes every decoded code to itself, except the second zero', () => {
    for (let c = 0; c < 256; c++) {
      // µ-law has +0 (0xff) and -0 (0x7f); both decode to 0, which encodes as 0xff.
      expect(linearToUlaw(ulawToLinear(c))).toBe(c === 0x7f ? 0xff : c);
      expect(linearToAlaw(alawToLinear(c))).toBe(c);
    }
  });

  it('keeps a 1 kHz tone within the quantizer error', () => {
    const pcm = Int16Array.from({ length: 800 }, (_, i) => Math.round(16000 * Math.sin((2 * Math.PI * 1000 * i) / 8000)));
    for (const [enc, dec] of [[encodeUlaw, decodeUlaw], [encodeAlaw, decodeAlaw]] as const) {
      const out = dec(enc(pcm));
      for (let i = 0; i < pcm.length; i++) expect(Math.abs(out[i]! - pcm[i]!)).toBeLessThanOrEqual(520);
    }
  });
});
