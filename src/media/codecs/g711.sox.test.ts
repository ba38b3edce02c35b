// Cross-checks the encoder against sox itself when sox is installed (the
// test setup installs it); g711.test.ts holds the same results as digests.
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { decodeAlaw, decodeUlaw, encodeAlaw, encodeUlaw } from './g711.ts';

const haveSox = spawnSync('sox', ['--version']).status === 0;

function sox(input: Buffer, from: string[], to: string[]): Buffer {
  return execFileSync('sox', ['-D', '-t', 'raw', '-r', '8000', '-c', '1', ...from, '-', '-t', 'raw', ...to, '-'], {
    input,
    stdio: ['pipe', 'pipe', 'ignore'],
  });
}

describe.skipIf(!haveSox)('G.711 against sox', () => {
  const pcm = Int16Array.from({ length: 8000 }, (_, i) => Math.round(30000 * Math.sin(i * 0.37) * Math.cos(i * 0.011)));
  const pcmBytes = Buffer.alloc(pcm.length * 2);
  pcm.forEach((s, i) => pcmBytes.writeInt16LE(s, i * 2));

  it('µ-law matches sox both ways', () => {
    const soxCodes = sox(pcmBytes, ['-e', 'signed', '-b', '16'], ['-e', 'u-law', '-b', '8']);
    expect(encodeUlaw(pcm).equals(soxCodes)).toBe(true);
    const soxPcm = sox(soxCodes, ['-e', 'u-law', '-b', '8'], ['-e', 'signed', '-b', '16']);
    expect(Buffer.from(decodeUlaw(soxCodes).buffer).equals(soxPcm)).toBe(true);
  });

  it('A-law matches sox both ways', () => {
    const soxCodes = sox(pcmBytes, ['-e', 'signed', '-b', '16'], ['-e', 'a-law', '-b', '8']);
    expect(encodeAlaw(pcm).equals(soxCodes)).toBe(true);
    const soxPcm = sox(soxCodes, ['-e', 'a-law', '-b', '8'], ['-e', 'signed', '-b', '16']);
    expect(Buffer.from(decodeAlaw(soxCodes).buffer).equals(soxPcm)).toBe(true);
  });
});
