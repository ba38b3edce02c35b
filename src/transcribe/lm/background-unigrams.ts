// General-English unigram frequencies, taken from the en-us language model
// that pocketsphinx-en-us ships (its unigram section, read through
// sphinx_lm_convert). They give the practice model a back-off floor for the
// ordinary words no template says. No text or model is fetched from outside.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Reads the \1-grams: section of ARPA text (complete even when a converter
 * stopped later in the file) and returns the `top` most probable plain words.
 */
export function topUnigrams(arpaText: string, top: number, accept: (w: string) => boolean): Map<string, number> {
  const start = arpaText.indexOf('\\1-grams:');
  if (start < 0) return new Map();
  const end = arpaText.indexOf('\\2-grams:', start);
  const section = arpaText.slice(start, end < 0 ? undefined : end).split('\n').slice(1);
  const rows: [string, number][] = [];
  for (const line of section) {
    const f = line.trim().split(/\s+/);
    if (f.length < 2) continue;
    const logp = Number(f[0]);
    const w = f[1]!;
    if (!Number.isFinite(logp) || !/^[a-z][a-z']*$/.test(w) || !accept(w)) continue;
    rows.push([w, 10 ** logp]);
  }
  rows.sort((a, b) => b[1] - a[1]);
  return new Map(rows.slice(0, top));
}

/** Extracts the general model's unigrams via sphinx_lm_convert into scratchDir; empty map if unavailable. */
export async function generalUnigrams(
  lmConvert: string | undefined,
  generalLm: string,
  scratchDir: string,
  top: number,
  accept: (w: string) => boolean,
): Promise<Map<string, number>> {
  if (!lmConvert || !existsSync(generalLm)) return new Map();
  const out = join(scratchDir, `general-unigrams.${process.pid}.arpa`);
  try {
    // Debian's sphinxbase 5prealpha asserts while writing this model's
    // bigrams, after the unigram section is complete: a non-zero exit is expected.
    await run(lmConvert, ['-i', generalLm, '-o', out, '-ofmt', 'arpa'], { timeout: 60_000 }).catch(() => undefined);
    if (!existsSync(out)) return new Map();
    return topUnigrams(await readFile(out, 'utf8'), top, accept);
  } finally {
    await rm(out, { force: true });
  }
}
