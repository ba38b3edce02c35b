import { describe, expect, it } from 'vitest';
import { encodeWavPcm16, readRaw, readWav } from './wav.ts';

function wavHeader(format: number, channels: number, rate: number, bits: number, data: Uint8Array): Uint8Array {
  const b = Buffer.alloc(44 + data.length);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + data.length, 4);
  b.write('WAVE', 8, 'ascii');
  b.write('fmt ', 12, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(format, 20);
  b.writeUInt16LE(channels, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE((rate * channels * bits) / 8, 28);
  b.writeUInt16LE((channels * bits) / 8, 32);
  b.writeUInt16LE(bits, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(data.length, 40);
  Buffer.from(data).copy(b, 44);
  return b;
}

describe('readWav', () => {
  it('reads an 8 kHz mu-law file as the recorder stores it', () => {
    const r = readWav(wavHeader(7, 1, 8000, 8, Uint8Array.from([0xff, 0x80, 0x00])));
    expect(r.ok && [...r.audio.samples]).toEqual([0, 32124, -32124]);
    expect(r.ok && r.audio.sampleRate).toBe(8000);
  });

  it('reads 16-bit PCM and averages stereo to mono', () => {
    const pcm = Buffer.alloc(8);
    pcm.writeInt16LE(1000, 0); pcm.writeInt16LE(3000, 2); pcm.writeInt16LE(-10, 4); pcm.writeInt16LE(10, 6);
    const r = readWav(wavHeader(1, 2, 16000, 16, pcm));
    expect(r.ok && [...r.audio.samples]).toEqual([2000, 0]);
  });

  it('round-trips its own PCM writer', () => {
    const pcm = Buffer.alloc(4);
    pcm.writeInt16LE(-2, 0); pcm.writeInt16LE(7, 2);
    const r = readWav(encodeWavPcm16(pcm, 16000));
    expect(r.ok && [...r.audio.samples]).toEqual([-2, 7]);
  });

  it('refuses, without throwing, what it cannot read', () => {
    expect(readWav(Buffer.from('hello, this is not audio at all'))).toMatchObject({ ok: false, code: 'AUDIO_UNREADABLE' });
    expect(readWav(new Uint8Array(3))).toMatchObject({ ok: false, code: 'AUDIO_UNREADABLE' });
    expect(readWav(wavHeader(1, 1, 8000, 24, new Uint8Array(6)))).toMatchObject({ ok: false, code: 'AUDIO_UNSUPPORTED' });
    expect(readWav(wavHeader(1, 1, 8000, 16, new Uint8Array(0)))).toMatchObject({ ok: false, code: 'AUDIO_UNREADABLE' });
    // fmt chunk claiming a size past the end of the file
    const truncated = wavHeader(7, 1, 8000, 8, new Uint8Array(4)).slice(0, 30);
    expect(readWav(truncated).ok).toBe(false);
  });
});

describe('readRaw', () => {
  it('decodes headerless A-law', () => {
    const r = readRaw(Uint8Array.from([0xd5, 0x55]), { encoding: 'alaw', sampleRate: 8000 });
    expect(r.ok && [...r.audio.samples]).toEqual([8, -8]);
  });
});
