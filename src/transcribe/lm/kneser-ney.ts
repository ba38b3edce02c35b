// Interpolated modified Kneser-Ney n-gram estimation (Chen & Goodman 1998,
// "An Empirical Study of Smoothing Techniques for Language Modeling", sec.
// 3.5), producing backoff-form probabilities ready for ARPA. Interpolated KN
// maps exactly onto ARPA's backoff form: the stored probability of a seen
// n-gram is the interpolated one, and the context's backoff weight is the
// interpolation weight gamma(h), so unseen words get gamma(h) * p_lower.

export const SENTENCE_START = '<s>';
export const SENTENCE_END = '</s>';

/** One n-gram: its words, log10 probability and (below the top order) log10 backoff weight. */
export interface NgramEntry {
  readonly words: readonly string[];
  readonly log10Prob: number;
  readonly log10Backoff?: number;
}

export interface NgramModel {
  readonly order: number;
  /** entries[n - 1] holds the n-grams of order n, sorted by words. */
  readonly entries: readonly (readonly NgramEntry[])[];
  /** Discounts D1, D2, D3+ used at each order (for reports and tests). */
  readonly discounts: readonly (readonly [number, number, number])[];
}

/** log10 of "probability zero" in ARPA convention (used for <s>). */
export const LOG10_ZERO = -99;

const SEP = ' ';

/** Counts every n-gram of order 1..order in the padded sentences. */
function rawCounts(sentences: readonly (readonly string[])[], order: number): Map<string, number>[] {
  const counts = Array.from({ length: order }, () => new Map<string, number>());
  for (const s of sentences) {
    const padded = [SENTENCE_START, ...s, SENTENCE_END];
    for (let i = 0; i < padded.length; i++) {
      for (let n = 1; n <= order && i + n <= padded.length; n++) {
        const key = padded.slice(i, i + n).join(SEP);
        const m = counts[n - 1]!;
        m.set(key, (m.get(key) ?? 0) + 1);
      }
    }
  }
  return counts;
}

/**
 * KN counts: the top order keeps raw counts; a lower-order n-gram counts the
 * distinct words seen before it (its "continuation" count), except n-grams
 * that start with <s>, which nothing can precede, so they keep raw counts.
 */
function knCounts(raw: Map<string, number>[]): Map<string, number>[] {
  const order = raw.length;
  const out = raw.map(() => new Map<string, number>());
  out[order - 1] = new Map(raw[order - 1]!);
  for (let n = 1; n < order; n++) {
    const m = out[n - 1]!;
    for (const key of raw[n]!.keys()) {
      const suffix = key.slice(key.indexOf(SEP) + 1);
      if (suffix.startsWith(SENTENCE_START + SEP) || suffix === SENTENCE_START) continue;
      m.set(suffix, (m.get(suffix) ?? 0) + 1);
    }
    for (const [key, c] of raw[n - 1]!) {
      if (key === SENTENCE_START || key.startsWith(SENTENCE_START + SEP)) m.set(key, c);
    }
  }
  return out;
}

/** Chen & Goodman eq. 26: D1, D2, D3+ from the counts-of-counts n1..n4. */
function modifiedDiscounts(counts: Map<string, number>): [number, number, number] {
  const nk = [0, 0, 0, 0, 0];
  for (const c of counts.values()) if (c <= 4) nk[c]! += 1;
  const [n1, n2, n3, n4] = [nk[1]!, nk[2]!, nk[3]!, nk[4]!];
  if (n1 === 0 || n2 === 0 || n3 === 0 || n4 === 0) return [0.5, 1, 1.5]; // too little data to estimate
  const y = n1 / (n1 + 2 * n2);
  const clamp = (d: number, hi: number): number => Math.min(Math.max(d, 0.05), hi);
  return [clamp(1 - 2 * y * (n2 / n1), 1), clamp(2 - 3 * y * (n3 / n2), 2), clamp(3 - 4 * y * (n4 / n3), 3)];
}

interface ContextStats { total: number; n1: number; n2: number; n3plus: number }

function contextStats(counts: Map<string, number>, isUnigram: boolean): Map<string, ContextStats> {
  const stats = new Map<string, ContextStats>();
  for (const [key, c] of counts) {
    if (isUnigram && key === SENTENCE_START) continue; // <s> is never predicted
    const ctx = isUnigram ? '' : key.slice(0, key.lastIndexOf(SEP));
    let s = stats.get(ctx);
    if (!s) stats.set(ctx, (s = { total: 0, n1: 0, n2: 0, n3plus: 0 }));
    s.total += c;
    if (c === 1) s.n1++;
    else if (c === 2) s.n2++;
    else s.n3plus++;
  }
  return stats;
}

/**
 * Estimates an interpolated modified-KN model of the given order from
 * tokenised sentences. The vocabulary is closed: every word seen, plus </s>.
 */
export interface BackgroundUnigrams {
  /** word -> relative frequency in general English (need not sum to 1). */
  readonly weights: ReadonlyMap<string, number>;
  /** Share of unigram mass given to the background (0..1). */
  readonly lambda: number;
}

/**
 * With `background`, the unigram level becomes (1 - lambda) p_KN + lambda
 * p_general over the union vocabulary, so ordinary words the practice corpus
 * never says ("sorry", "possible") stay reachable through back-off; every
 * higher order backs off into that mixture, so each context still sums to 1.
 */
export function estimateKneserNey(
  sentences: readonly (readonly string[])[],
  order = 3,
  background?: BackgroundUnigrams,
): NgramModel {
  if (order < 1) throw new Error('n-gram order must be at least 1');
  const counts = knCounts(rawCounts(sentences, order));
  const discounts = counts.map(modifiedDiscounts);
  // prob[n-1]: key -> interpolated probability (linear), filled lowest order first.
  const prob: Map<string, number>[] = [];
  const gammas: Map<string, number>[] = [];
  const vocabSize = counts[0]!.size - (counts[0]!.has(SENTENCE_START) ? 1 : 0);
  for (let n = 1; n <= order; n++) {
    const c = counts[n - 1]!;
    const [d1, d2, d3] = discounts[n - 1]!;
    const stats = contextStats(c, n === 1);
    const gamma = new Map<string, number>();
    for (const [ctx, s] of stats) gamma.set(ctx, (d1 * s.n1 + d2 * s.n2 + d3 * s.n3plus) / s.total);
    gammas.push(gamma);
    const p = new Map<string, number>();
    for (const [key, count] of c) {
      if (n === 1 && key === SENTENCE_START) continue;
      const sp = key.lastIndexOf(SEP);
      const ctx = n === 1 ? '' : key.slice(0, sp);
      const s = stats.get(ctx)!;
      const d = count === 1 ? d1 : count === 2 ? d2 : d3;
      const lower = n === 1 ? 1 / vocabSize : lowerProb(prob, key.slice(key.indexOf(SEP) + 1), gammas);
      p.set(key, Math.max(count - d, 0) / s.total + gamma.get(ctx)! * lower);
    }
    if (n === 1 && background) mixBackground(p, background);
    prob.push(p);
  }
  const entries: NgramEntry[][] = [];
  for (let n = 1; n <= order; n++) {
    const list: NgramEntry[] = [];
    const keys = n === 1 ? [SENTENCE_START, ...prob[0]!.keys()].sort() : [...counts[n - 1]!.keys()].sort();
    for (const key of keys) {
      const p = prob[n - 1]!.get(key);
      const log10Prob = p === undefined ? LOG10_ZERO : Math.log10(p);
      const words = key.split(SEP);
      if (n < order) {
        const g = gammas[n]!.get(key);
        list.push({ words, log10Prob, log10Backoff: g === undefined ? 0 : Math.log10(g) });
      } else {
        list.push({ words, log10Prob });
      }
    }
    entries.push(list);
  }
  return { order, entries, discounts };
}

/** p(w | h) through backoff over the already-estimated lower orders. */
function lowerProb(prob: Map<string, number>[], key: string, gammas: Map<string, number>[]): number {
  const n = key.split(SEP).length;
  const p = prob[n - 1]!.get(key);
  if (p !== undefined) return p;
  // Only reachable for n >= 2: every unigram but <s> is estimated.
  const ctx = key.slice(0, key.lastIndexOf(SEP));
  const g = gammas[n - 1]!.get(ctx) ?? 1;
  return g * lowerProb(prob, key.slice(key.indexOf(SEP) + 1), gammas);
}

function mixBackground(p: Map<string, number>, bg: BackgroundUnigrams): void {
  let z = 0;
  for (const [w, v] of bg.weights) if (w !== SENTENCE_START && v > 0) z += v;
  if (z === 0 || bg.lambda <= 0) return;
  const lambda = Math.min(bg.lambda, 1);
  for (const [w, v] of p) p.set(w, (1 - lambda) * v);
  for (const [w, v] of bg.weights) {
    if (w === SENTENCE_START || v <= 0) continue;
    p.set(w, (p.get(w) ?? 0) + (lambda * v) / z);
  }
}
