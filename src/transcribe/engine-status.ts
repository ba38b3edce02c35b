// Where the pocketsphinx engine and its model live, and whether they are
// installed. The posture page and `npm start` show `engineStatus()` so an
// operator learns how to install the engine instead of finding out from a
// voicemail without a transcript.

import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The Debian packages that carry the default engine, its model and the LM converter. */
export const POCKETSPHINX_PACKAGES = ['pocketsphinx', 'pocketsphinx-en-us', 'sphinxbase-utils'] as const;
export const INSTALL_HINT = `apt-get install -y ${POCKETSPHINX_PACKAGES.join(' ')}`;

export interface PocketsphinxPaths {
  /** The decoder CLI: Debian 12 ships pocketsphinx_continuous (0.8 / 5prealpha). */
  readonly binary: string;
  /** Acoustic model directory (16 kHz en-us continuous model). */
  readonly acousticModel: string;
  /** The default general-English language model and pronunciation dictionary. */
  readonly defaultLm: string;
  readonly defaultDict: string;
  /** sphinx_lm_convert, to turn the ARPA domain model into the fast binary form; optional. */
  readonly lmConvert: string | undefined;
}

export type EngineProblemCode =
  | 'ENGINE_BINARY_MISSING'
  | 'ACOUSTIC_MODEL_MISSING'
  | 'DICTIONARY_MISSING'
  | 'LANGUAGE_MODEL_MISSING'
  | 'MODEL_FILE_MISSING';

export interface EngineProblem {
  readonly code: EngineProblemCode;
  readonly message: string;
}

export interface EngineStatus {
  readonly engine: string;
  readonly available: boolean;
  readonly problems: readonly EngineProblem[];
  /** What an operator runs to fix it (empty when available). */
  readonly install: string;
}

export const DEFAULT_MODEL_ROOT = '/usr/share/pocketsphinx/model/en-us';

export function findOnPath(names: readonly string[], pathEnv = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir) continue;
    for (const name of names) {
      const p = join(dir, name);
      if (existsSync(p)) return p;
    }
  }
  return undefined;
}

export function defaultPocketsphinxPaths(modelRoot = DEFAULT_MODEL_ROOT): PocketsphinxPaths {
  return {
    binary: findOnPath(['pocketsphinx_continuous']) ?? 'pocketsphinx_continuous',
    acousticModel: join(modelRoot, 'en-us'),
    defaultLm: join(modelRoot, 'en-us.lm.bin'),
    defaultDict: join(modelRoot, 'cmudict-en-us.dict'),
    lmConvert: findOnPath(['sphinx_lm_convert']),
  };
}

export function pocketsphinxStatus(paths: PocketsphinxPaths = defaultPocketsphinxPaths()): EngineStatus {
  const problems: EngineProblem[] = [];
  if (!existsSync(paths.binary) && findOnPath([paths.binary]) === undefined) {
    problems.push({ code: 'ENGINE_BINARY_MISSING', message: `pocketsphinx decoder (${paths.binary}) is not installed` });
  }
  if (!existsSync(join(paths.acousticModel, 'mdef'))) {
    problems.push({ code: 'ACOUSTIC_MODEL_MISSING', message: `en-us acoustic model not found at ${paths.acousticModel}` });
  }
  if (!existsSync(paths.defaultDict)) {
    problems.push({ code: 'DICTIONARY_MISSING', message: `en-us pronunciation dictionary not found at ${paths.defaultDict}` });
  }
  if (!existsSync(paths.defaultLm)) {
    problems.push({ code: 'LANGUAGE_MODEL_MISSING', message: `en-us language model not found at ${paths.defaultLm}` });
  }
  return {
    engine: 'pocketsphinx',
    available: problems.length === 0,
    problems,
    install: problems.length === 0 ? '' : INSTALL_HINT,
  };
}
