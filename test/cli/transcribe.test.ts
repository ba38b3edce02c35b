import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sotto } from '../support/cli.ts';

describe('sotto transcribe', { timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-stt-'));
  const env = { SOTTO_DATA_DIR: join(dir, 'data') };

  it('transcribes a telephone-quality voicemail on the box, numbers as digits', () => {
    // A synthetic caller, then the telephone path: 8 kHz mono µ-law.
    const wide = join(dir, 'vm16.wav');
    const narrow = join(dir, 'vm8.wav');
    execFileSync('flite', ['-voice', 'slt', '-t', 'Hi, I am calling about my metformin refill. Please call me back at five five five, zero one two three. Thank you.', '-o', wide]);
    execFileSync('sox', [wide, '-r', '8000', '-c', '1', '-e', 'u-law', narrow]);
    const r = sotto(['transcribe', narrow, '--json'], env);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.engine).toMatch(/^pocketsphinx/);
    expect(out.text).toContain('metformin');
    expect(out.text).toContain('555-0123');
    expect(out.words.length).toBeGreaterThan(5);
  });

  it('refuses a file that is not audio with a clear code', () => {
    const bogus = join(dir, 'not-audio.wav');
    writeFileSync(bogus, 'this is not a wav file');
    const r = sotto(['transcribe', bogus, '--json'], env);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toMatch(/^AUDIO_/);
  });
});
