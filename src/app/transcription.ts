import { join } from 'node:path';
import type { TranscriberConfig } from '../transcribe/index.ts';
import type { SottoConfig } from './config.ts';

/** The engine's options from the checked SOTTO_TRANSCRIBE_* settings; the language model cache lives in the data dir unless set. */
export function transcriberConfig(config: Pick<SottoConfig, 'dataDir' | 'transcribe'>): TranscriberConfig {
  const t = config.transcribe;
  const pool = t.concurrency !== undefined ? { pool: { concurrency: t.concurrency } } : {};
  if (t.engine === 'whisper.cpp') {
    return { engine: 'whisper.cpp', modelPath: t.model ?? '', ...(t.binary !== undefined ? { binary: t.binary } : {}), ...pool };
  }
  return { engine: 'pocketsphinx', cacheDir: t.cacheDir ?? join(config.dataDir, 'cache', 'transcribe'), ...pool };
}
