// The ARPA back-off language model text format, as read by pocketsphinx and
// sphinx_lm_convert (and SRILM, KenLM): a \data\ header with the count per
// order, then one section per order of "log10(p) w1 .. wn [log10(bow)]",
// then \end\. Parsing is here too, so tests can score a written model the way
// a decoder would.

import { LOG10_ZERO, type NgramModel } from './kneser-ney.ts';

const fmt = (x: number): string => (x <= LOG10_ZERO ? String(LOG10_ZERO) : x.toFixed(6));

export function serializeArpa(model: NgramModel): string {
  const lines: string[] = ['\\data\\'];
  model.entries.forEach((list, i) => lines.push(`ngram ${i + 1}=${list.length}`));
  model.entries.forEach((list, i) => {
    lines.push('', `\\${i + 1}-grams:`);
    for (const e of list) {
      const base = `${fmt(e.log10Prob)}\t${e.words.join(' ')}`;
      lines.push(e.log10Backoff === undefined ? base : `${base}\t${fmt(e.log10Backoff)}`);
    }
  });
  lines.push('', '\\end\\', '');
  return lines.join('\n');
}

export interface ArpaModel {
  readonly order: number;
  /** "w1 w2 w3" -> [log10 p, log10 bow] */
  readonly ngrams: ReadonlyMap<string, readonly [number, number]>;
  readonly vocabulary: readonly string[];
}

export type ArpaParseResult = { ok: true; model: ArpaModel } | { ok: false; error: string };

/** Parses ARPA text; returns an error (never throws) on a malformed file. */
export function parseArpa(text: string): ArpaParseResult {
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length && lines[i]!.trim() !== '\\data\\') i++;
  if (i === lines.length) return { ok: false, error: 'missing \\data\\ header' };
  i++;
  const declared: number[] = [];
  for (; i < lines.length && lines[i]!.trim() !== ''; i++) {
    const m = /^ngram (\d+)=(\d+)$/.exec(lines[i]!.trim());
    if (!m) return { ok: false, error: `bad header line ${i + 1}` };
    declared[Number(m[1]) - 1] = Number(m[2]);
  }
  const order = declared.length;
  if (order === 0) return { ok: false, error: 'no n-gram counts declared' };
  const ngrams = new Map<string, readonly [number, number]>();
  const vocabulary: string[] = [];
  for (let n = 1; n <= order; n++) {
    while (i < lines.length && lines[i]!.trim() === '') i++;
    if (lines[i]?.trim() !== `\\${n}-grams:`) return { ok: false, error: `missing \\${n}-grams: section` };
    i++;
    let seen = 0;
    for (; i < lines.length && lines[i]!.trim() !== '' && !lines[i]!.startsWith('\\'); i++) {
      const f = lines[i]!.trim().split(/\s+/);
      if (f.length !== n + 1 && f.length !== n + 2) return { ok: false, error: `bad ${n}-gram at line ${i + 1}` };
      const p = Number(f[0]);
      const bow = f.length === n + 2 ? Number(f[n + 1]) : 0;
      if (!Number.isFinite(p) || !Number.isFinite(bow)) return { ok: false, error: `bad number at line ${i + 1}` };
      const key = f.slice(1, n + 1).join(' ');
      ngrams.set(key, [p, bow]);
      if (n === 1) vocabulary.push(key);
      seen++;
    }
    if (seen !== declared[n - 1]) return { ok: false, error: `${n}-grams: declared ${declared[n - 1]}, found ${seen}` };
  }
  while (i < lines.length && lines[i]!.trim() === '') i++;
  if (lines[i]?.trim() !== '\\end\\') return { ok: false, error: 'missing \\end\\' };
  return { ok: true, model: { order, ngrams, vocabulary } };
}

/** log10 p(word | context) by ARPA back-off (context: the preceding words, oldest first). */
export function scoreArpa(model: ArpaModel, context: readonly string[], word: string): number {
  const h = context.slice(Math.max(0, context.length - (model.order - 1)));
  let backoff = 0;
  for (let start = 0; start <= h.length; start++) {
    const ctx = h.slice(start);
    const hit = model.ngrams.get([...ctx, word].join(' '));
    if (hit) return backoff + hit[0];
    const ctxEntry = model.ngrams.get(ctx.join(' '));
    if (ctx.length > 0 && ctxEntry) backoff += ctxEntry[1];
  }
  return LOG10_ZERO;
}
