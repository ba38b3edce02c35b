// Prompts spoken by Sotto (greetings, "record after the tone"), rendered
// offline with a Debian TTS voice: festival's text2wave with the HTS us-slt
// voice, flite when festival or the voice is missing. festival's audio
// comes back through a pipe; flite can only write a named file (its `-o -`
// makes a file called "-", and /dev/stdout cannot be opened on the socket
// Node gives a child as stdout), so flite reads and writes inside a private
// 0700 temporary directory that is removed at once. Prompts are generic
// text, never PHI. Rendered audio is cached in memory per text, so a
// greeting is synthesised once per process. 8 kHz mono PCM16 out.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpeechError, SPEECH_INSTALL_HINT } from './speech-error.ts';
import { readEngineWav, resampleTo8k } from './wav-samples.ts';

const FESTIVAL_VOICE_DIR = '/usr/share/festival/voices/us/cmu_us_slt_arctic_hts';
const ENGINE_TIMEOUT_MS = 60_000;
/** Longer texts are a bug upstream (prompts are short); it also bounds the cache. */
const MAX_TEXT = 2000;

type Engine = 'festival' | 'flite';

const cache = new Map<string, Promise<Int16Array>>();

function onPath(bin: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(`${dir}/${bin}`));
}

/** The engines present here, best first. */
export function speechEngines(): Engine[] {
  const out: Engine[] = [];
  if (onPath('text2wave') && existsSync(FESTIVAL_VOICE_DIR)) out.push('festival');
  if (onPath('flite')) out.push('flite');
  return out;
}

function execEngine(bin: string, args: readonly string[], stdin: string | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(bin, [...args], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: ENGINE_TIMEOUT_MS }, (error, stdout) => {
      if (error) reject(new SpeechError('SPEECH_ENGINE_FAILED', `${bin} failed (${(error as NodeJS.ErrnoException).code ?? 'exit'})`));
      else resolve(stdout);
    });
    child.stdin?.end(stdin);
  });
}

async function run(engine: Engine, text: string): Promise<Buffer> {
  if (engine === 'festival') {
    return execEngine('text2wave', ['-eval', '(voice_cmu_us_slt_arctic_hts)', '-F', '8000', '-otype', 'riff', '-o', '-'], `${text}\n`);
  }
  // mkdtemp creates the directory with mode 0700.
  const dir = await mkdtemp(join(tmpdir(), 'sotto-speech-'));
  try {
    const input = join(dir, 'prompt.txt');
    const output = join(dir, 'prompt.wav');
    await writeFile(input, `${text}\n`, { mode: 0o600 });
    await execEngine('flite', ['-f', input, '-o', output], undefined);
    return await readFile(output);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function synthesise(text: string): Promise<Int16Array> {
  const engines = speechEngines();
  if (engines.length === 0) throw new SpeechError('SPEECH_NO_ENGINE', `no text-to-speech engine: ${SPEECH_INSTALL_HINT}`);
  let last: unknown;
  for (const engine of engines) {
    try {
      const audio = readEngineWav(await run(engine, text));
      if (!audio || audio.samples.length === 0) throw new SpeechError('SPEECH_ENGINE_FAILED', `${engine} wrote no usable audio`);
      return resampleTo8k(audio);
    } catch (e) {
      last = e;
    }
  }
  throw last instanceof SpeechError ? last : new SpeechError('SPEECH_ENGINE_FAILED', 'text-to-speech failed');
}

/** Renders text to 8 kHz mono PCM16 with an offline Debian TTS voice (festival's us-slt HTS voice, flite as fallback). Cached in memory per text; never written unsealed to disk. */
export function renderSpeech(text: string): Promise<Int16Array> {
  const normalised = text.replace(/\s+/g, ' ').trim();
  if (normalised === '' || normalised.length > MAX_TEXT) return Promise.reject(new SpeechError('SPEECH_ENGINE_FAILED', `prompt text must be 1..${MAX_TEXT} characters`));
  let pending = cache.get(normalised);
  if (!pending) {
    pending = synthesise(normalised);
    cache.set(normalised, pending);
    // A failure is not cached: the engine may be installed later.
    pending.catch(() => cache.delete(normalised));
  }
  return pending;
}
