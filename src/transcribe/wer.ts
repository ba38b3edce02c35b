// Word error rate: word-level Levenshtein distance (substitutions,
// deletions, insertions, each cost 1) over the reference length. Texts are
// compared as lowercase words with punctuation stripped, so the scorer
// measures recognition, not formatting.

export interface WerResult {
  readonly substitutions: number;
  readonly deletions: number;
  readonly insertions: number;
  readonly referenceWords: number;
  /** (S + D + I) / N; 0 for two empty texts, Infinity-free: N = 0 with a hypothesis gives 1 per word. */
  readonly wer: number;
}

/**
 * Contractions count as their expansion on both sides ("i'm" = "i am"), as
 * common WER normalisers do: the reader gets the same words either way.
 */
const EXPANSIONS: Readonly<Record<string, string>> = {
  "i'm": 'i am', "it's": 'it is', "that's": 'that is', "i'd": 'i would', "i've": 'i have', "i'll": 'i will',
  "don't": 'do not', "haven't": 'have not', "can't": 'can not', "cannot": 'can not', "won't": 'will not',
  "didn't": 'did not', "doesn't": 'does not', "isn't": 'is not', "you're": 'you are', "we're": 'we are',
  "what's": 'what is', "there's": 'there is', "let's": 'let us', "he's": 'he is', "she's": 'she is',
};

export function tokenizeForWer(text: string): string[] {
  return text.toLowerCase().replace(/[^a-z0-9'\s]/g, ' ').split(/\s+/)
    .filter((w) => w !== '')
    .flatMap((w) => (EXPANSIONS[w] ?? w).split(' '));
}

export function wordErrorRate(reference: string, hypothesis: string): WerResult {
  const r = tokenizeForWer(reference);
  const h = tokenizeForWer(hypothesis);
  // dp over hypothesis positions, one row per reference word; each cell keeps (cost, S, D, I).
  type Cell = readonly [number, number, number, number];
  let prev: Cell[] = Array.from({ length: h.length + 1 }, (_, j): Cell => [j, 0, 0, j]);
  for (let i = 1; i <= r.length; i++) {
    const row: Cell[] = [[i, 0, i, 0]];
    for (let j = 1; j <= h.length; j++) {
      const diag = prev[j - 1]!;
      const up = prev[j]!;
      const left = row[j - 1]!;
      const same = r[i - 1] === h[j - 1];
      const candidates: Cell[] = [
        [diag[0] + (same ? 0 : 1), diag[1] + (same ? 0 : 1), diag[2], diag[3]],
        [up[0] + 1, up[1], up[2] + 1, up[3]],
        [left[0] + 1, left[1], left[2], left[3] + 1],
      ];
      row.push(candidates.reduce((a, b) => (b[0] < a[0] ? b : a)));
    }
    prev = row;
  }
  const [cost, substitutions, deletions, insertions] = prev[h.length]!;
  const n = r.length;
  return { substitutions, deletions, insertions, referenceWords: n, wer: n === 0 ? h.length : cost / n };
}

/** Corpus-level WER: total edits over total reference words (not a mean of per-file rates). */
export function corpusWordErrorRate(pairs: readonly { reference: string; hypothesis: string }[]): WerResult {
  let s = 0, d = 0, ins = 0, n = 0;
  for (const p of pairs) {
    const r = wordErrorRate(p.reference, p.hypothesis);
    s += r.substitutions; d += r.deletions; ins += r.insertions; n += r.referenceWords;
  }
  return { substitutions: s, deletions: d, insertions: ins, referenceWords: n, wer: n === 0 ? 0 : (s + d + ins) / n };
}
