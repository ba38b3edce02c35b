import { describe, expect, it } from 'vitest';
import { decodeUlaw, encodeUlaw } from '../codecs/g711.ts';
import { InbandDtmfDetector } from './inband-detector.ts';
import { concatPcm, generateDtmfTone, generateTone, silence } from './tone-generator.ts';
import type { DtmfDigit } from './keypad.ts';

function keyPresses(digits: DtmfDigit[], toneMs = 100, gapMs = 100): Int16Array {
  return concatPcm(digits.flatMap((d) => [generateDtmfTone(d, toneMs, { amplitude: 6000 }), silence(gapMs)]));
}

function detect(pcm: Int16Array, chunk = 160) {
  const det = new InbandDtmfDetector();
  const out = [];
  for (let i = 0; i < pcm.length; i += chunk) out.push(...det.process(pcm.subarray(i, i + chunk)));
  out.push(...det.flush());
  return out;
}

describe('in-band DTMF detector', () => {
  it('hears all sixteen keys through G.711, in order, once each', () => {
    const digits: DtmfDigit[] = ['1', '2', '3', 'A', '4', '5', '6', 'B', '7', '8', '9', 'C', '*', '0', '#', 'D'];
    const pcm = decodeUlaw(encodeUlaw(keyPresses(digits)));
    const found = detect(pcm);
    expect(found.map((d) => d.digit)).toEqual(digits);
    for (const d of found) expect(d.durationMs).toBeGreaterThanOrEqual(75);
  });

  it('reports when each key started', () => {
    const found = detect(keyPresses(['9', '9'], 80, 120));
    expect(found.map((d) => d.digit)).toEqual(['9', '9']);
    expect(Math.abs(found[0]!.startMs - 0)).toBeLessThanOrEqual(30);
    expect(Math.abs(found[1]!.startMs - 200)).toBeLessThanOrEqual(30);
  });

  it('ignores a single tone, a chord of two rows and silence', () => {
    const noise = concatPcm([
      generateTone([1000], 300),
      generateTone([697, 770], 300),
      generateTone([440, 480], 300), // ringback
      silence(300),
    ]);
    expect(detect(noise)).toEqual([]);
  });

  it('ignores a key press held with too much twist', () => {
    const twisted = new Int16Array(1600);
    const row = generateTone([697], 200, { amplitude: 9000 });
    const col = generateTone([1209], 200, { amplitude: 1500 });
    for (let i = 0; i < twisted.length; i++) twisted[i] = row[i]! + col[i]!;
    expect(detect(twisted)).toEqual([]);
  });
});
