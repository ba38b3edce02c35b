import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultGreetingText, readEngineWav, renderSpeech, resampleTo8k, speechEngines } from './index.ts';

function rms(x: Int16Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / Math.max(1, x.length));
}

describe('speech', () => {
  it('reads a streamed WAV whose sizes are placeholders', () => {
    const header = Buffer.alloc(44);
    header.write('RIFF', 0, 'latin1');
    header.write('WAVEfmt ', 8, 'latin1');
    header.writeUInt32LE(16, 16);
    header.writeUInt16LE(1, 20);
    header.writeUInt16LE(1, 22);
    header.writeUInt32LE(8000, 24);
    header.writeUInt32LE(16000, 28);
    header.writeUInt16LE(2, 32);
    header.writeUInt16LE(16, 34);
    header.write('data', 36, 'latin1');
    header.writeUInt32LE(0, 40);
    const body = Buffer.alloc(6);
    body.writeInt16LE(100, 0);
    body.writeInt16LE(-200, 2);
    body.writeInt16LE(300, 4);
    expect([...readEngineWav(Buffer.concat([header, body]))!.samples]).toEqual([100, -200, 300]);
  });

  it('halves a 16 kHz tone to 8 kHz keeping its level', () => {
    const n = 16000;
    const tone = new Int16Array(n).map((_, i) => Math.round(10000 * Math.sin((2 * Math.PI * 440 * i) / 16000)));
    const out = resampleTo8k({ sampleRate: 16000, samples: tone });
    expect(out.length).toBe(8000);
    expect(rms(out.subarray(100, 7900)) / rms(tone)).toBeGreaterThan(0.9);
  });

  it('says not to leave medical details in the default greeting, busy and unavailable alike', () => {
    for (const kind of ['busy', 'unavailable'] as const) expect(defaultGreetingText(kind)).toMatch(/do not leave medical details/);
    expect(defaultGreetingText('busy')).toMatch(/another call/);
  });

  it.runIf(speechEngines().length > 0)('renders speech at 8 kHz, the same array from the cache', { timeout: 60_000 }, async () => {
    const pcm = await renderSpeech('Please leave a message after the tone.');
    expect(pcm.length).toBeGreaterThan(8000);
    expect(pcm.length).toBeLessThan(8000 * 10);
    expect(rms(pcm)).toBeGreaterThan(300);
    expect(await renderSpeech('Please leave a message  after the tone.')).toBe(pcm);
  });

  it.runIf(existsSync('/usr/bin/flite'))('falls back to flite without festival, leaving no file behind', { timeout: 60_000 }, async () => {
    const bin = mkdtempSync(join(tmpdir(), 'sotto-flite-path-'));
    symlinkSync('/usr/bin/flite', join(bin, 'flite'));
    const path = process.env.PATH;
    const tempsBefore = readdirSync(tmpdir()).filter((f) => f.startsWith('sotto-speech-')).length;
    process.env.PATH = bin;
    try {
      expect(speechEngines()).toEqual(['flite']);
      const pcm = await renderSpeech('The flite voice answers when festival is missing.');
      expect(pcm.length).toBeGreaterThan(8000);
      expect(rms(pcm)).toBeGreaterThan(300);
    } finally {
      process.env.PATH = path;
      rmSync(bin, { recursive: true, force: true });
    }
    // flite's old `-o -` wrote a WAV named "-" into the working directory.
    expect(existsSync(join(process.cwd(), '-'))).toBe(false);
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith('sotto-speech-')).length).toBe(tempsBefore);
  });
});
