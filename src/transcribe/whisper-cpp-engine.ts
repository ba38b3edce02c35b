// An operator-supplied engine: whisper.cpp's CLI with a ggml model file the
// operator places on disk (nothing is downloaded). Selected by
// configuration; when the binary or the model file is missing, status()
// says which and transcribe() fails with ENGINE_UNAVAILABLE, never a hang.
// whisper.cpp reads a file, so the 16 kHz audio is written into the job's
// private temp dir and removed with it.

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { runChild } from './child-run.ts';
import { type EngineProblem, type EngineStatus, findOnPath } from './engine-status.ts';
import { TranscribeError } from './errors.ts';
import { DECODER_RATE, prepareAudio } from './front-end.ts';
import { normalizeTranscript } from './normalize.ts';
import type { AudioInput, TranscribeOptions, Transcriber, Transcript, TranscriptWord } from './transcriber.ts';
import { encodeWavPcm16, readRaw, readWav } from './wav.ts';
import { WorkerPool, type WorkerPoolOptions } from './worker-pool.ts';

export interface WhisperCppOptions {
  /** Path to a ggml model file, e.g. /var/lib/sotto/models/ggml-base.en.bin. */
  readonly modelPath: string;
  /** The CLI; default: whisper-cli or whisper-cpp on PATH. */
  readonly binary?: string;
  readonly threads?: number;
  readonly pool?: WorkerPool | WorkerPoolOptions;
  readonly scratchDir?: string;
}

const WHISPER_INSTALL = 'build whisper.cpp (its whisper-cli binary) and place a ggml model file on disk, then set its path in the transcription config';

export class WhisperCppTranscriber implements Transcriber {
  readonly engine: string;
  private readonly binary: string | undefined;
  private readonly pool: WorkerPool;
  private readonly ownsPool: boolean;

  constructor(private readonly opts: WhisperCppOptions) {
    this.binary = opts.binary ?? findOnPath(['whisper-cli', 'whisper-cpp']);
    this.engine = `whisper.cpp/${basename(opts.modelPath).replace(/\.bin$/, '')}`;
    this.ownsPool = !(opts.pool instanceof WorkerPool);
    this.pool = opts.pool instanceof WorkerPool ? opts.pool : new WorkerPool(opts.pool);
  }

  async status(): Promise<EngineStatus> {
    const problems: EngineProblem[] = [];
    if (!this.binary || (!existsSync(this.binary) && !findOnPath([this.binary]))) {
      problems.push({ code: 'ENGINE_BINARY_MISSING', message: `whisper.cpp CLI not found (${this.opts.binary ?? 'whisper-cli on PATH'})` });
    }
    if (!existsSync(this.opts.modelPath)) {
      problems.push({ code: 'MODEL_FILE_MISSING', message: `whisper.cpp model file not found at ${this.opts.modelPath}` });
    }
    return { engine: this.engine, available: problems.length === 0, problems, install: problems.length ? WHISPER_INSTALL : '' };
  }

  async transcribe(input: AudioInput, opts: TranscribeOptions = {}): Promise<Transcript> {
    const read = input.kind === 'wav' ? readWav(input.bytes) : readRaw(input.bytes, input.format);
    if (!read.ok) throw new TranscribeError(read.code, read.message);
    const status = await this.status();
    if (!status.available || !this.binary) {
      throw new TranscribeError('ENGINE_UNAVAILABLE', `${status.problems.map((p) => p.message).join('; ')}; ${WHISPER_INSTALL}`);
    }
    const binary = this.binary;
    let audioMs = 0;
    let frontEndMs = 0;
    let cpu: number | undefined;
    const t0 = performance.now();
    const json = await this.pool.run(async (signal) => {
      // whisper is trained on wide-band and narrow-band speech alike: no band fill.
      const prepared = await prepareAudio(read.audio, { bandFill: { mode: 'none' } });
      audioMs = prepared.durationMs;
      frontEndMs = performance.now() - t0;
      const scratch = await mkdtemp(join(this.opts.scratchDir ?? tmpdir(), 'sotto-whisper-'));
      try {
        const wav = join(scratch, 'audio.wav');
        await writeFile(wav, encodeWavPcm16(prepared.pcm, DECODER_RATE), { mode: 0o600 });
        const out = join(scratch, 'out');
        const run = await runChild(binary, [
          '-m', this.opts.modelPath, '-f', wav, '-l', 'en', '-ojf', '-of', out, '-np',
          '-t', String(this.opts.threads ?? 1),
        ], { cwd: scratch, signal, installHint: WHISPER_INSTALL });
        cpu = run.cpuMs;
        return await readFile(`${out}.json`, 'utf8');
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    }, { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
    const words = parseWhisperJson(json);
    const rawText = words.map((w) => w.word).join(' ');
    const processingMs = Math.round(performance.now() - t0);
    return {
      text: normalizeTranscript(rawText), rawText, words, engine: this.engine, audioMs, processingMs,
      ...(cpu !== undefined ? { cpuMs: Math.round(frontEndMs + cpu) } : {}),
    };
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.close();
  }
}

interface WhisperToken { text?: string; p?: number; offsets?: { from?: number; to?: number } }
interface WhisperSegment { text?: string; offsets?: { from?: number; to?: number }; tokens?: WhisperToken[] }

/**
 * whisper.cpp `-ojf` output: segments with tokens; a token whose text starts
 * with a space starts a word, special tokens look like "[_BEG_]". Words are
 * lowercased and stripped of punctuation to match the other engines' output.
 */
export function parseWhisperJson(json: string): TranscriptWord[] {
  let doc: { transcription?: WhisperSegment[] };
  try {
    doc = JSON.parse(json) as { transcription?: WhisperSegment[] };
  } catch {
    throw new TranscribeError('ENGINE_FAILED', 'whisper.cpp wrote unreadable output');
  }
  const words: TranscriptWord[] = [];
  for (const seg of doc.transcription ?? []) {
    let cur: { text: string; p: number[]; from: number; to: number } | undefined;
    const flush = (): void => {
      const w = cur?.text.toLowerCase().replace(/[^a-z0-9']/g, '');
      if (cur && w) {
        words.push({ word: w, startMs: cur.from, endMs: cur.to, confidence: Math.min(...cur.p) });
      }
      cur = undefined;
    };
    for (const tok of seg.tokens ?? []) {
      const text = tok.text ?? '';
      if (text.startsWith('[_') || text === '') continue;
      const from = tok.offsets?.from ?? seg.offsets?.from ?? 0;
      const to = tok.offsets?.to ?? from;
      if (text.startsWith(' ') || !cur) {
        flush();
        cur = { text: text.trim(), p: [tok.p ?? 1], from, to };
      } else {
        cur.text += text;
        cur.p.push(tok.p ?? 1);
        cur.to = to;
      }
    }
    flush();
  }
  return words;
}
