import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../corpus/generate-corpus.ts';
import { MEDICATIONS } from '../data/lexicon.ts';
import { DEFAULT_MODEL_ROOT } from '../engine-status.ts';
import { EXTRA_PRONUNCIATIONS_PATH } from './domain-model.ts';
import { dictionaryForVocabulary, mergeDictionaries, parseDictionary } from './pronunciation-dictionary.ts';

/** The en-us acoustic model's phone set (mdef), no stress marks. */
const PHONES = new Set(
  'AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH SIL T TH UH UW V W Y Z ZH'.split(' '),
);

describe('pronunciation dictionary', () => {
  const extra = parseDictionary(readFileSync(EXTRA_PRONUNCIATIONS_PATH, 'utf8'));

  it('hand-written entries use only phones the acoustic model has', () => {
    for (const [word, prons] of extra) {
      for (const p of prons) for (const ph of p.split(' ')) expect(PHONES.has(ph), `${word}: ${ph}`).toBe(true);
    }
  });

  it('parses variants and merges hand-written forms first', () => {
    const base = parseDictionary('metformin M EH T\nread R IY D\nread(2) R EH D\n');
    expect(base.get('read')).toEqual(['R IY D', 'R EH D']);
    const merged = mergeDictionaries(base, parseDictionary('metformin M EH T F AO R M IH N\n'));
    expect(merged.get('metformin')).toEqual(['M EH T F AO R M IH N', 'M EH T']);
    expect(dictionaryForVocabulary(merged, ['read', '<s>', 'zzz']).text).toBe('read R IY D\nread(2) R EH D\n');
    expect(dictionaryForVocabulary(merged, ['zzz']).missing).toEqual(['zzz']);
  });

  it.skipIf(!existsSync(`${DEFAULT_MODEL_ROOT}/cmudict-en-us.dict`))(
    'every word of the practice corpus and every listed medication has a pronunciation',
    () => {
      const base = parseDictionary(readFileSync(`${DEFAULT_MODEL_ROOT}/cmudict-en-us.dict`, 'utf8'));
      const dict = mergeDictionaries(base, extra);
      const vocab = new Set([...generateCorpus(20000).flatMap((s) => s.split(' ')), ...MEDICATIONS]);
      expect(dictionaryForVocabulary(dict, vocab).missing).toEqual([]);
    },
  );
});
