import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeAlaw, encodeUlaw } from './codecs/g711.ts';
import { bytesToPcm16, parseWav, pcm16ToBytes, wavHeader, writeWav } from './wav.ts';

const hex = (s: string) => Buffer.from(s, 'hex');
const samples = Int16Array.from([256, 512, 32767, -32768]);

// Written by sox 14.4 from the same four samples (sox -D ... s16.wav / -e u-law / -e a-law).
const SOX_PCM16 = '524946462c00000057415645666d74201000000001000100401f0000803e000002001000646174610800000000010002ff7f0080';
const SOX_ULAW =
  '524946463600000057415645666d74201200000007000100401f0000401f00000100080000006661637404000000040000006461746104000000e7db8000';
const SOX_ALAW =
  '524946463600000057415645666d74201200000006000100401f0000401f00000100080000006661637404000000040000006461746104000000c5f5aa2a';

describe('WAV', () => {
  it('writes the same bytes sox writes, for PCM16, µ-law and A-law', () => {
    expect(writeWav({ encoding: 'pcm16' }, pcm16ToBytes(samples)).toString('hex')).toBe(SOX_PCM16);
    expect(writeWav({ encoding: 'ulaw' }, encodeUlaw(samples)).toString('hex')).toBe(SOX_ULAW);
    expect(writeWav({ encoding: 'alaw' }, encodeAlaw(samples)).toString('hex')).toBe(SOX_ALAW);
  });

  it('reads files sox wrote', () => {
    const pcm = parseWav(hex(SOX_PCM16));
    expect(pcm.ok && { ...pcm.value, data: [...bytesToPcm16(pcm.value.data)] }).toEqual({
      encoding: 'pcm16', sampleRate: 8000, channels: 1, data: [256, 512, 32767, -32768],
    });
    const ulaw = parseWav(hex(SOX_ULAW));
    expect(ulaw.ok && ulaw.value.encoding).toBe('ulaw');
    expect(ulaw.ok && ulaw.value.data.toString('hex')).toBe('e7db8000');
    const alaw = parseWav(hex(SOX_ALAW));
    expect(alaw.ok && alaw.value.encoding).toBe('alaw');
  });

  it('skips unknown chunks and pads odd ones', () => {
    const base = hex(SOX_ULAW);
    const list = Buffer.concat([Buffer.from('LIST'), hex('03000000'), Buffer.from('abc'), hex('00')]);
    const file = Buffer.concat([base.subarray(0, 12), list, base.subarray(12)]);
    const r = parseWav(file);
    expect(r.ok && r.value.data.toString('hex')).toBe('e7db8000');
  });

  it('pads an odd-length µ-law data chunk and counts samples in fact', () => {
    const out = writeWav({ encoding: 'ulaw' }, hex('ffffff'));
    expect(out.length % 2).toBe(0);
    expect(out.readUInt32LE(46)).toBe(3);
    const r = parseWav(out);
    expect(r.ok && r.value.data.length).toBe(3);
  });

  it('recovers what a crashed recorder left: a header claiming more data than exists', () => {
    const header = wavHeader({ encoding: 'pcm16' }, 0x7fffffff);
    const r = parseWav(Buffer.concat([header, pcm16ToBytes(samples), hex('01')]));
    expect(r.ok && [...bytesToPcm16(r.value.data)]).toEqual([...samples]);
  });

  it.each([
    ['not RIFF', '0000', 'WAV_NOT_RIFF'],
    ['no fmt', '524946460c00000057415645' + '6461746400000000', 'WAV_NO_FORMAT'],
    ['no data', SOX_PCM16.slice(0, 72), 'WAV_NO_DATA'],
    ['8-bit PCM', SOX_PCM16.replace('02001000', '01000800'), 'WAV_UNSUPPORTED_FORMAT'],
    ['short fmt', '524946460000000057415645666d74200400000001000100', 'WAV_TRUNCATED'],
  ])('refuses a file with %s', (_n, h, code) => {
    const r = parseWav(hex(h));
    expect(!r.ok && r.error.code).toBe(code);
  });

  it('never throws on truncated or mangled files', () => {
    const good = hex(SOX_ULAW);
    let seed = 5;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    for (let i = 0; i < 3000; i++) {
      const bytes = Buffer.from(good.subarray(0, rand(good.length + 1)));
      for (let k = rand(4); k > 0; k--) if (bytes.length > 0) bytes[rand(bytes.length)] = rand(256);
      expect(() => parseWav(bytes)).not.toThrow();
    }
  });

  it.skipIf(spawnSync('sox', ['--version']).status !== 0)('round-trips through sox', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sotto-wav-'));
    const pcm = Int16Array.from({ length: 800 }, (_, i) => Math.round(9000 * Math.sin(i / 3)));
    for (const [encoding, data] of [['ulaw', encodeUlaw(pcm)], ['alaw', encodeAlaw(pcm)], ['pcm16', pcm16ToBytes(pcm)]] as const) {
      const ours = join(dir, `ours-${encoding}.wav`);
      writeFileSync(ours, writeWav({ encoding }, data));
      // sox reads our file and rewrites it; we read sox's file back.
      const theirs = join(dir, `theirs-${encoding}.wav`);
      execFileSync('sox', ['-D', ours, theirs], { stdio: 'ignore' });
      const back = parseWav(readFileSync(theirs));
      expect(back.ok && back.value.data.equals(data)).toBe(true);
    }
  });
});
