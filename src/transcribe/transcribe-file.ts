// What `npx sotto transcribe FILE.wav --json` calls: one file through the
// configured engine, the result in the CLI's JSON shape.

import { readFile } from 'node:fs/promises';
import { createTranscriber, type TranscriberConfig, transcriberConfigFromEnv } from './create-transcriber.ts';
import { TranscribeError } from './errors.ts';
import type { TranscriptWord } from './transcriber.ts';

export interface TranscribeFileResult {
  readonly text: string;
  readonly engine: string;
  readonly words: readonly TranscriptWord[];
}

/** Throws TranscribeError (AUDIO_UNREADABLE for a missing or unreadable file, ENGINE_UNAVAILABLE, ...). */
export async function transcribeFile(path: string, config: TranscriberConfig = transcriberConfigFromEnv()): Promise<TranscribeFileResult> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new TranscribeError('AUDIO_UNREADABLE', `cannot read audio file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const transcriber = createTranscriber({ ...config, pool: { concurrency: 1, maxQueue: 0 } });
  try {
    const t = await transcriber.transcribe({ kind: 'wav', bytes });
    return { text: t.text, engine: t.engine, words: t.words };
  } finally {
    await transcriber.close();
  }
}
