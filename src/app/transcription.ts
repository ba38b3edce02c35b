import { join } from 'node:path';
import { transcriberConfigFromEnv, type TranscriberConfig } from '../transcribe/index.ts';

/** Engine settings from SOTTO_TRANSCRIBE_*; the language model cache lives in the data dir unless set. */
export function transcriberConfig(dataDir: string): TranscriberConfig {
  const config = transcriberConfigFromEnv();
  if (config.engine === 'pocketsphinx' && config.cacheDir === undefined) return { ...config, cacheDir: join(dataDir, 'cache', 'transcribe') };
  return config;
}
