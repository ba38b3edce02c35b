// The default engine: CMU pocketsphinx (Debian's pocketsphinx_continuous,
// 0.8/5prealpha) with the en-us continuous acoustic model, our practice
// language model and dictionary, fed by the telephone-band front end.
// Audio goes to the decoder on stdin as raw 16 kHz PCM, so no plaintext
// audio is ever written to disk; the decoder runs in a private temp dir that
// is removed after each job.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BandFillOptions } from './band-fill.ts';
import { type ChildRun, runChild } from './child-run.ts';
import { defaultPocketsphinxPaths, type EngineStatus, INSTALL_HINT, type PocketsphinxPaths, pocketsphinxStatus } from './engine-status.ts';
import { TranscribeError } from './errors.ts';
import { DECODER_RATE, prepareAudio } from './front-end.ts';
import { ensureDomainModel } from './lm/domain-model.ts';
import { normalizeTranscript } from './normalize.ts';
import { parsePocketsphinxTimes } from './pocketsphinx-output.ts';
import type { AudioInput, TranscribeOptions, Transcriber, Transcript } from './transcriber.ts';
import { readRaw, readWav } from './wav.ts';
import { WorkerPool, type WorkerPoolOptions } from './worker-pool.ts';

export interface PocketsphinxOptions {
  readonly paths?: Partial<PocketsphinxPaths>;
  /** 'practice' (default): the domain model built by the project; 'general': the stock en-us model. */
  readonly languageModel?: 'practice' | 'general';
  /** Where the practice model is built and cached (no PHI: it is made from shipped word lists). */
  readonly cacheDir?: string;
  /** Tuning of the practice model (background words and weight, corpus size). */
  readonly domainModel?: { readonly backgroundWords?: number; readonly backgroundLambda?: number; readonly sentences?: number };
  /** Front end: how to fill the empty upper band of telephone audio. */
  readonly bandFill?: BandFillOptions;
  /** Extra decoder flags, e.g. { '-lw': '9' }. */
  readonly decoderArgs?: Readonly<Record<string, string>>;
  /** An existing pool to share with other engines, or options for a private one. */
  readonly pool?: WorkerPool | WorkerPoolOptions;
  readonly scratchDir?: string;
}

export const DEFAULT_CACHE_DIR = join(tmpdir(), 'sotto-transcribe-models');

export class PocketsphinxTranscriber implements Transcriber {
  readonly engine: string;
  private readonly paths: PocketsphinxPaths;
  private readonly pool: WorkerPool;
  private readonly ownsPool: boolean;

  constructor(private readonly opts: PocketsphinxOptions = {}) {
    this.paths = { ...defaultPocketsphinxPaths(), ...opts.paths };
    this.engine = opts.languageModel === 'general' ? 'pocketsphinx/en-us' : 'pocketsphinx/en-us+practice-lm';
    this.ownsPool = !(opts.pool instanceof WorkerPool);
    this.pool = opts.pool instanceof WorkerPool ? opts.pool : new WorkerPool(opts.pool);
  }

  async status(): Promise<EngineStatus> {
    return { ...pocketsphinxStatus(this.paths), engine: this.engine };
  }

  async transcribe(input: AudioInput, opts: TranscribeOptions = {}): Promise<Transcript> {
    const read = input.kind === 'wav' ? readWav(input.bytes) : readRaw(input.bytes, input.format);
    if (!read.ok) throw new TranscribeError(read.code, read.message);
    const status = await this.status();
    if (!status.available) {
      throw new TranscribeError('ENGINE_UNAVAILABLE', `${status.problems.map((p) => p.message).join('; ')}; install with: ${status.install}`);
    }
    const model = await this.models();
    let frontEndMs = 0;
    let decodeMs = 0;
    let audioMs = 0;
    // The front end runs inside the job too, so a burst of messages is bounded as a whole.
    const run = await this.pool.run(async (signal) => {
      const t0 = performance.now();
      const prepared = await prepareAudio(read.audio, this.opts.bandFill ? { bandFill: this.opts.bandFill } : {});
      audioMs = prepared.durationMs;
      const t1 = performance.now();
      frontEndMs = t1 - t0;
      try {
        return await this.decode(prepared.pcm, model, signal);
      } finally {
        decodeMs = performance.now() - t1;
      }
    }, {
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    });
    const words = parsePocketsphinxTimes(run.stdout);
    const rawText = words.map((w) => w.word).join(' ');
    return {
      text: normalizeTranscript(rawText),
      rawText,
      words,
      engine: this.engine,
      audioMs,
      processingMs: Math.round(frontEndMs + decodeMs),
      cpuMs: Math.round(frontEndMs + (run.cpuMs ?? decodeMs)),
    };
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.close();
  }

  private async models(): Promise<{ lm: string; dict: string }> {
    if (this.opts.languageModel === 'general') return { lm: this.paths.defaultLm, dict: this.paths.defaultDict };
    const m = await ensureDomainModel({
      cacheDir: this.opts.cacheDir ?? DEFAULT_CACHE_DIR,
      baseDictPath: this.paths.defaultDict,
      lmConvert: this.paths.lmConvert,
      generalLmPath: this.paths.defaultLm,
      ...this.opts.domainModel,
    });
    return { lm: m.lmPath, dict: m.dictPath };
  }

  private async decode(pcm: Buffer, model: { lm: string; dict: string }, signal: AbortSignal): Promise<ChildRun> {
    const scratch = await mkdtemp(join(this.opts.scratchDir ?? tmpdir(), 'sotto-asr-'));
    try {
      return await this.runDecoder(pcm, model, scratch, signal);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  private runDecoder(pcm: Buffer, model: { lm: string; dict: string }, cwd: string, signal: AbortSignal): Promise<ChildRun> {
    const flags: Record<string, string> = {
      '-hmm': this.paths.acousticModel,
      '-lm': model.lm,
      '-dict': model.dict,
      '-samprate': String(DECODER_RATE),
      '-infile': '/dev/stdin',
      '-time': 'yes',
      '-logfn': '/dev/null',
      // The practice model is sharper than the general one: a lower language
      // weight than the default 6.5 lets the acoustics win more often, and
      // the single-pass tree search scored better and ran faster than adding
      // the flat second pass (bench/transcribe.ts).
      ...(this.opts.languageModel === 'general' ? {} : { '-lw': '5', '-fwdflat': 'no' }),
      ...this.opts.decoderArgs,
    };
    return runChild(this.paths.binary, Object.entries(flags).flat(), { cwd, stdin: pcm, signal, installHint: INSTALL_HINT });
  }
}
