// Public API of on-box transcription. Voicemail calls a shared Transcriber
// (createTranscriber / transcriberConfigFromEnv); the CLI calls
// transcribeFile; the posture page and startup call engineStatus.

import { createTranscriber, type TranscriberConfig, transcriberConfigFromEnv } from './create-transcriber.ts';
import type { EngineStatus } from './engine-status.ts';

export type { AudioInput, Transcript, TranscriptWord, TranscribeOptions, Transcriber } from './transcriber.ts';
export { TranscribeError, type TranscribeErrorCode } from './errors.ts';
export { createTranscriber, transcriberConfigFromEnv, type TranscriberConfig } from './create-transcriber.ts';
export { PocketsphinxTranscriber, type PocketsphinxOptions, DEFAULT_CACHE_DIR } from './pocketsphinx-engine.ts';
export { WhisperCppTranscriber, type WhisperCppOptions } from './whisper-cpp-engine.ts';
export { transcribeFile, type TranscribeFileResult } from './transcribe-file.ts';
export {
  type EngineStatus, type EngineProblem, type EngineProblemCode, INSTALL_HINT, POCKETSPHINX_PACKAGES, pocketsphinxStatus,
} from './engine-status.ts';
export { WorkerPool, type WorkerPoolOptions } from './worker-pool.ts';
export { normalizeTranscript } from './normalize.ts';
export { wordErrorRate, corpusWordErrorRate, type WerResult } from './wer.ts';
export { readWav, readRaw, type PcmAudio, type RawFormat, type SampleEncoding } from './wav.ts';
export { type BandFillMode, type BandFillOptions, DEFAULT_BAND_FILL } from './band-fill.ts';
export { ensureDomainModel, type DomainModel } from './lm/domain-model.ts';

/** Status of the configured engine: whether it can run, and if not, what to install. */
export async function engineStatus(config: TranscriberConfig = transcriberConfigFromEnv()): Promise<EngineStatus> {
  const t = createTranscriber({ ...config, pool: { concurrency: 1 } });
  try {
    return await t.status();
  } finally {
    await t.close();
  }
}
