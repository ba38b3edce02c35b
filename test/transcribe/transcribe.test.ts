// Integration: synthetic practice voicemails (festival HTS and flite voices,
// several speeds) go through a 300-3400 Hz channel and 8 kHz G.711 mu-law,
// then through the real default engine (pocketsphinx with the practice
// model). What a staff member acts on must come out: the medication, the
// callback number as digits, the day. Exact text is not asserted.

import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  corpusWordErrorRate, createTranscriber, engineStatus, PocketsphinxTranscriber, pocketsphinxStatus, transcribeFile,
  type Transcript,
} from '../../src/transcribe/index.ts';
import { festivalVoiceInstalled, FESTIVAL_VOICE_PACKAGE, missingRenderTools, renderVoicemail } from './render-voicemail.ts';
import { TEST_VOICES, VOICEMAIL_FIXTURES } from './voicemail-fixtures.ts';

const engine = pocketsphinxStatus();
const missingTools = [...missingRenderTools(), ...(festivalVoiceInstalled() ? [] : [FESTIVAL_VOICE_PACKAGE])];
const canRun = engine.available && missingTools.length === 0;
if (!canRun) {
  // npm test installs these (scripts/ensure-deps.mjs); this only happens where apt is unavailable.
  console.warn(`transcription integration tests skipped: ${[...engine.problems.map((p) => p.message), ...missingTools.map((t) => `${t} not installed`)].join('; ')}. Install: ${engine.install || `apt-get install -y ${missingTools.join(' ')}`}`);
}

describe('engine status and refusals (no engine needed)', () => {
  it('says clearly when the decoder is not installed, and how to install it', async () => {
    const t = new PocketsphinxTranscriber({ paths: { binary: '/nonexistent/pocketsphinx_continuous' } });
    const status = await t.status();
    expect(status.available).toBe(false);
    expect(status.problems.map((p) => p.code)).toContain('ENGINE_BINARY_MISSING');
    expect(status.install).toMatch(/apt-get install -y pocketsphinx pocketsphinx-en-us/);
    const wav = Buffer.alloc(44 + 1600);
    wav.write('RIFF', 0); wav.writeUInt32LE(36 + 1600, 4); wav.write('WAVEfmt ', 8);
    wav.writeUInt32LE(16, 16); wav.writeUInt16LE(7, 20); wav.writeUInt16LE(1, 22); wav.writeUInt32LE(8000, 24);
    wav.writeUInt32LE(8000, 28); wav.writeUInt16LE(1, 32); wav.writeUInt16LE(8, 34); wav.write('data', 36); wav.writeUInt32LE(1600, 40);
    await expect(t.transcribe({ kind: 'wav', bytes: wav })).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    await t.close();
  });

  it('a configured whisper.cpp engine with no model file reports it and refuses to run', async () => {
    const config = { engine: 'whisper.cpp' as const, modelPath: '/nonexistent/ggml-base.en.bin', binary: '/nonexistent/whisper-cli' };
    const status = await engineStatus(config);
    expect(status.available).toBe(false);
    expect(status.problems.map((p) => p.code)).toEqual(['ENGINE_BINARY_MISSING', 'MODEL_FILE_MISSING']);
    const t = createTranscriber(config);
    await expect(t.transcribe({ kind: 'raw', bytes: new Uint8Array(800).fill(0xff), format: { encoding: 'mulaw', sampleRate: 8000 } }))
      .rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE', message: expect.stringMatching(/model file not found/) });
    await t.close();
  });

  it('refuses audio it cannot read with AUDIO_UNREADABLE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sotto-asr-bad-'));
    try {
      const path = join(dir, 'not-audio.wav');
      writeFileSync(path, 'this is a text file, not a recording');
      await expect(transcribeFile(path)).rejects.toMatchObject({ code: 'AUDIO_UNREADABLE' });
      await expect(transcribeFile(join(dir, 'missing.wav'))).rejects.toMatchObject({ code: 'AUDIO_UNREADABLE' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!canRun)('practice voicemails through the telephone path', () => {
  // Two messages per voice, alternating speeds: 8 files, a minute or so of audio.
  const chosen = VOICEMAIL_FIXTURES.filter((_, i) => i % 3 === 0).map((f, i) => ({
    fixture: f,
    voice: TEST_VOICES[i % TEST_VOICES.length]!,
    tempo: [1, 0.9, 1.1][i % 3]!,
  }));
  let dir = '';
  let scratch = '';
  const paths = new Map<string, string>();
  const transcripts = new Map<string, Transcript>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sotto-asr-it-'));
    scratch = mkdtempSync(join(tmpdir(), 'sotto-asr-scratch-'));
    for (const c of chosen) {
      paths.set(c.fixture.id, await renderVoicemail(c.fixture.text, c.voice, c.tempo, dir, c.fixture.id));
    }
    const t = new PocketsphinxTranscriber({ scratchDir: scratch });
    try {
      await Promise.all(chosen.map(async (c) => {
        transcripts.set(c.fixture.id, await t.transcribe({ kind: 'wav', bytes: await readFile(paths.get(c.fixture.id)!) }));
      }));
    } finally {
      await t.close();
    }
  }, 300_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('finds the facts a staff member acts on in most messages', () => {
    const missed: string[] = [];
    for (const c of chosen) {
      const text = transcripts.get(c.fixture.id)!.text.toLowerCase();
      for (const fact of c.fixture.facts) if (!text.includes(fact.toLowerCase())) missed.push(`${c.fixture.id}: ${fact}`);
    }
    const total = chosen.reduce((n, c) => n + c.fixture.facts.length, 0);
    // ~85 % on the full bench; demand three in four here.
    expect(missed.length, `missed: ${missed.join(', ')}`).toBeLessThanOrEqual(Math.floor(total / 4));
  });

  it('writes callback numbers as digits', () => {
    const withNumbers = chosen.filter((c) => c.fixture.facts.some((f) => /^\d{3}-\d{4}$/.test(f)));
    expect(withNumbers.length).toBeGreaterThan(2);
    const found = withNumbers.filter((c) => transcripts.get(c.fixture.id)!.text.includes(c.fixture.facts.find((f) => /\d/.test(f))!));
    expect(found.length).toBeGreaterThanOrEqual(withNumbers.length - 1);
  });

  it('keeps word error rate under a generous bound (bench measures ~16 %)', () => {
    const wer = corpusWordErrorRate(chosen.map((c) => ({ reference: c.fixture.text, hypothesis: transcripts.get(c.fixture.id)!.rawText })));
    expect(wer.wer).toBeLessThan(0.4);
  });

  it('gives every word a confidence and times within the audio', () => {
    for (const t of transcripts.values()) {
      expect(t.words.length).toBeGreaterThan(5);
      for (const w of t.words) {
        expect(w.confidence).toBeGreaterThanOrEqual(0);
        expect(w.confidence).toBeLessThanOrEqual(1);
        expect(w.endMs).toBeLessThanOrEqual(t.audioMs + 100);
      }
      expect(t.engine).toBe('pocketsphinx/en-us+practice-lm');
    }
  });

  it('leaves nothing behind in its scratch directory', () => {
    expect(readdirSync(scratch)).toEqual([]);
  });

  it('transcribeFile gives the CLI its { text, engine, words }', async () => {
    const c = chosen[0]!;
    const r = await transcribeFile(paths.get(c.fixture.id)!);
    expect(Object.keys(r).sort()).toEqual(['engine', 'text', 'words']);
    expect(r.text.toLowerCase()).toContain(c.fixture.facts[0]!.toLowerCase());
  }, 120_000);
});
