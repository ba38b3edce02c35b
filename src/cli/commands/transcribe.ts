import { join } from 'node:path';
import { loadConfig } from '../../app/config.ts';
import { transcribeFile, transcriberConfigFromEnv, type TranscriberConfig } from '../../transcribe/index.ts';
import { printJson, printLines } from '../output.ts';

/** Engine settings from SOTTO_TRANSCRIBE_*; the language model cache lives in the data dir unless set. */
export function transcriberConfig(dataDir: string): TranscriberConfig {
  const config = transcriberConfigFromEnv();
  if (config.engine === 'pocketsphinx' && config.cacheDir === undefined) return { ...config, cacheDir: join(dataDir, 'cache', 'transcribe') };
  return config;
}

/** `sotto transcribe FILE.wav [--json]`: on-box speech to text, nothing leaves the machine. */
export async function transcribeCommand(file: string | undefined, o: { json?: boolean }): Promise<number> {
  if (!file) {
    process.stderr.write('usage: sotto transcribe FILE.wav [--json]\n');
    return 2;
  }
  const result = await transcribeFile(file, transcriberConfig(loadConfig().dataDir));
  if (o.json) printJson({ text: result.text, engine: result.engine, words: result.words });
  else printLines([result.text]);
  return 0;
}
