// The one interface every speech-to-text engine sits behind. Voicemail
// calls `transcribe()` after a message is committed; the CLI and the
// posture page call `status()`. Engines never see the vault: they get audio
// bytes and return text, and whatever scratch they need stays in their own
// temp dir, removed when the job ends.

import type { EngineStatus } from './engine-status.ts';
import type { RawFormat } from './wav.ts';

export type AudioInput =
  /** A RIFF/WAVE file's bytes (PCM 16-bit, G.711 mu-law or A-law; any rate, resampled to 16 kHz). */
  | { readonly kind: 'wav'; readonly bytes: Uint8Array }
  /** Headerless samples in a declared format (e.g. a recorder's G.711 payload at 8 kHz). */
  | { readonly kind: 'raw'; readonly bytes: Uint8Array; readonly format: RawFormat };

export interface TranscriptWord {
  /** The recognised word as the decoder spelled it (lowercase, no variant suffix). */
  readonly word: string;
  readonly startMs: number;
  readonly endMs: number;
  /** Posterior probability 0..1 from the decoder; low means "check the audio". */
  readonly confidence: number;
}

export interface Transcript {
  /** Normalised text for people: digits, times and dates written as such. */
  readonly text: string;
  /** The decoder's words joined, before normalisation (for WER and debugging). */
  readonly rawText: string;
  readonly words: readonly TranscriptWord[];
  /** Engine id, e.g. "pocketsphinx/domain-lm". */
  readonly engine: string;
  readonly audioMs: number;
  /** CPU-side time of this job (front end + decoder), excluding time queued: RTF = processingMs / audioMs. */
  readonly processingMs: number;
  /** CPU time spent (front end + decoder user/system), when the engine can tell; RTF per core = cpuMs / audioMs. */
  readonly cpuMs?: number;
}

export interface TranscribeOptions {
  readonly signal?: AbortSignal;
  /** Overrides the engine's per-job time limit. */
  readonly timeoutMs?: number;
}

export interface Transcriber {
  readonly engine: string;
  status(): Promise<EngineStatus>;
  transcribe(input: AudioInput, opts?: TranscribeOptions): Promise<Transcript>;
  /** Rejects queued jobs with ABORTED, kills running ones, frees resources. */
  close(): Promise<void>;
}
