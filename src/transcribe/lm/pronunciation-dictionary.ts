// Sphinx pronunciation dictionaries ("word PH1 PH2 ..", variants as
// "word(2)"): reading the default cmudict, merging the project's hand-written
// entries, and writing a dictionary cut down to a language model's
// vocabulary (a small dictionary loads in milliseconds instead of the
// full cmudict's second or so, which matters per job).

/** word -> its pronunciations (each a space-separated phone string), in file order. */
export type PronunciationDictionary = Map<string, string[]>;

export function parseDictionary(text: string): PronunciationDictionary {
  const dict: PronunciationDictionary = new Map();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith(';;')) continue;
    const m = /^(\S+?)(?:\(\d+\))?\s+(.+)$/.exec(line);
    if (!m) continue;
    const word = m[1]!.toLowerCase();
    const phones = m[2]!.replace(/#.*$/, '').trim().split(/\s+/).join(' ');
    const list = dict.get(word);
    if (!list) dict.set(word, [phones]);
    else if (!list.includes(phones)) list.push(phones);
  }
  return dict;
}

/** Entries of `extra` come first (a hand-written primary form wins), then the base's variants. */
export function mergeDictionaries(base: PronunciationDictionary, extra: PronunciationDictionary): PronunciationDictionary {
  const out: PronunciationDictionary = new Map(base);
  for (const [word, prons] of extra) {
    const merged = [...prons];
    for (const p of base.get(word) ?? []) if (!merged.includes(p)) merged.push(p);
    out.set(word, merged);
  }
  return out;
}

export interface SubsetResult {
  readonly text: string;
  /** Vocabulary words with no pronunciation: the decoder would drop them. */
  readonly missing: readonly string[];
}

/** Writes the entries for `vocabulary` (sentence markers skipped), sorted. */
export function dictionaryForVocabulary(dict: PronunciationDictionary, vocabulary: Iterable<string>): SubsetResult {
  const lines: string[] = [];
  const missing: string[] = [];
  const words = [...new Set(vocabulary)].filter((w) => !w.startsWith('<')).sort();
  for (const w of words) {
    const prons = dict.get(w);
    if (!prons || prons.length === 0) {
      missing.push(w);
      continue;
    }
    prons.forEach((p, i) => lines.push(`${i === 0 ? w : `${w}(${i + 1})`} ${p}`));
  }
  return { text: lines.join('\n') + '\n', missing };
}
