import { loadConfig } from '../../app/config.ts';
import { transcriberConfig } from '../../app/transcription.ts';
import { transcribeFile } from '../../transcribe/index.ts';
import { printJson, printLines } from '../output.ts';

/** `sotto transcribe FILE.wav [--json]`: on-box speech to text, nothing leaves the machine. */
export async function transcribeCommand(file: string | undefined, o: { json?: boolean }): Promise<number> {
  if (!file) {
    process.stderr.write('usage: sotto transcribe FILE.wav [--json]\n');
    return 2;
  }
  const result = await transcribeFile(file, transcriberConfig(loadConfig()));
  if (o.json) printJson({ text: result.text, engine: result.engine, words: result.words });
  else printLines([result.text]);
  return 0;
}
