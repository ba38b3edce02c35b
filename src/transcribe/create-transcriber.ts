// Engine selection by configuration. The default is the on-box pocketsphinx
// engine; an operator with a better local model names its engine and files.

import { PocketsphinxTranscriber, type PocketsphinxOptions } from './pocketsphinx-engine.ts';
import type { Transcriber } from './transcriber.ts';
import { WhisperCppTranscriber, type WhisperCppOptions } from './whisper-cpp-engine.ts';

export type TranscriberConfig =
  | ({ readonly engine: 'pocketsphinx' } & PocketsphinxOptions)
  | ({ readonly engine: 'whisper.cpp' } & WhisperCppOptions);

export function createTranscriber(config: TranscriberConfig = { engine: 'pocketsphinx' }): Transcriber {
  switch (config.engine) {
    case 'pocketsphinx':
      return new PocketsphinxTranscriber(config);
    case 'whisper.cpp':
      return new WhisperCppTranscriber(config);
  }
}

/**
 * Reads SOTTO_TRANSCRIBE_ENGINE (pocketsphinx | whisper.cpp),
 * SOTTO_TRANSCRIBE_MODEL (whisper.cpp model file), SOTTO_TRANSCRIBE_BINARY,
 * SOTTO_TRANSCRIBE_CACHE_DIR and SOTTO_TRANSCRIBE_CONCURRENCY.
 */
export function transcriberConfigFromEnv(env: NodeJS.ProcessEnv = process.env): TranscriberConfig {
  const concurrency = env.SOTTO_TRANSCRIBE_CONCURRENCY ? Number(env.SOTTO_TRANSCRIBE_CONCURRENCY) : undefined;
  const pool = concurrency && Number.isInteger(concurrency) && concurrency > 0 ? { concurrency } : undefined;
  if (env.SOTTO_TRANSCRIBE_ENGINE === 'whisper.cpp') {
    return {
      engine: 'whisper.cpp',
      modelPath: env.SOTTO_TRANSCRIBE_MODEL ?? '',
      ...(env.SOTTO_TRANSCRIBE_BINARY ? { binary: env.SOTTO_TRANSCRIBE_BINARY } : {}),
      ...(pool ? { pool } : {}),
    };
  }
  return {
    engine: 'pocketsphinx',
    ...(env.SOTTO_TRANSCRIBE_CACHE_DIR ? { cacheDir: env.SOTTO_TRANSCRIBE_CACHE_DIR } : {}),
    ...(pool ? { pool } : {}),
  };
}
