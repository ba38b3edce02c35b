// Parsing pocketsphinx_continuous's stdout with `-time yes`: per utterance a
// hypothesis line, then one line per word: "word start end posterior", times
// in seconds from the start of the input. Fillers (<s>, </s>, <sil>,
// [NOISE], ++X++) are dropped; pronunciation variants "word(2)" lose the
// suffix. Never throws on odd lines: they are skipped.

import type { TranscriptWord } from './transcriber.ts';

const WORD_LINE = /^(\S+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (-?\d+(?:\.\d+)?(?:e-?\d+)?)$/;

export function isFiller(word: string): boolean {
  return word.startsWith('<') || word.startsWith('[') || word.startsWith('++');
}

export function parsePocketsphinxTimes(stdout: string): TranscriptWord[] {
  const words: TranscriptWord[] = [];
  for (const line of stdout.split('\n')) {
    const m = WORD_LINE.exec(line.trim());
    if (!m) continue;
    const word = m[1]!.replace(/\(\d+\)$/, '');
    if (isFiller(word)) continue;
    const confidence = Math.min(1, Math.max(0, Number(m[4])));
    words.push({
      word,
      startMs: Math.round(Number(m[2]) * 1000),
      endMs: Math.round(Number(m[3]) * 1000),
      confidence,
    });
  }
  return words;
}
