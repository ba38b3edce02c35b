// Renders a fixture's text to speech and sends it down the telephone path:
// TTS (festival HTS slt, or a flite voice) -> optional tempo change ->
// 300-3400 Hz channel band -> 8 kHz G.711 mu-law WAV, the format the
// voicemail recorder stores. The engine decodes the mu-law itself (the
// "back" half of the round trip). Files go only under the caller's temp dir.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findOnPath } from '../../src/transcribe/engine-status.ts';
import type { TestVoice } from './voicemail-fixtures.ts';

const run = promisify(execFile);

/** Debian packages the renderer needs, by the binary each installs. */
export const RENDER_TOOLS = { text2wave: 'festival', flite: 'flite', sox: 'sox' } as const;
export const FESTIVAL_VOICE_PACKAGE = 'festvox-us-slt-hts';

export function missingRenderTools(): string[] {
  return Object.entries(RENDER_TOOLS).filter(([bin]) => findOnPath([bin]) === undefined).map(([, pkg]) => pkg);
}

/** festival itself is not enough: the HTS slt voice is its own package. */
export function festivalVoiceInstalled(): boolean {
  return findOnPath(['text2wave']) !== undefined && existsSync('/usr/share/festival/voices/us/cmu_us_slt_arctic_hts');
}

export async function renderVoicemail(text: string, voice: TestVoice, tempo: number, dir: string, id: string): Promise<string> {
  const txt = join(dir, `${id}.txt`);
  const tts = join(dir, `${id}.tts.wav`);
  const out = join(dir, `${id}.ulaw.wav`);
  await writeFile(txt, `${text}\n`);
  if (voice === 'festival-slt') {
    await run('text2wave', ['-eval', '(voice_cmu_us_slt_arctic_hts)', txt, '-o', tts], { timeout: 120_000 });
  } else {
    await run('flite', ['-voice', voice.slice('flite-'.length), '-f', txt, '-o', tts], { timeout: 60_000 });
  }
  const effects = tempo === 1 ? [] : ['tempo', '-s', String(tempo)];
  await run('sox', [tts, '-c', '1', '-e', 'mu-law', '-b', '8', out, ...effects, 'sinc', '300-3400', 'rate', '8000'], { timeout: 60_000 });
  return out;
}
