import { describe, expect, it } from 'vitest';
import { corpusWordErrorRate, wordErrorRate } from './wer.ts';

describe('wordErrorRate', () => {
  it('is zero for identical text, ignoring case and punctuation', () => {
    expect(wordErrorRate('Call me back, please.', 'call me back please').wer).toBe(0);
  });

  it('counts a substitution, a deletion and an insertion', () => {
    // ref: a b c d ; hyp: a x c d e  -> 1 substitution (b->x), 1 insertion (e)
    const r = wordErrorRate('a b c d', 'a x c d e');
    expect([r.substitutions, r.deletions, r.insertions]).toEqual([1, 0, 1]);
    expect(r.wer).toBeCloseTo(2 / 4);
    const d = wordErrorRate('please call me back', 'please call back');
    expect([d.substitutions, d.deletions, d.insertions, d.wer]).toEqual([0, 1, 0, 0.25]);
  });

  it('scores the known pocketsphinx miss "metformin" -> "format for men" as 1 sub + 2 ins', () => {
    const r = wordErrorRate('my metformin refill', 'my format for men refill');
    expect(r.substitutions + r.insertions + r.deletions).toBe(3);
    expect(r.wer).toBe(1);
  });

  it('treats contractions as their expansion on both sides', () => {
    expect(wordErrorRate('i am out of my pills', "i'm out of my pills").wer).toBe(0);
  });

  it('handles empty texts', () => {
    expect(wordErrorRate('', '').wer).toBe(0);
    expect(wordErrorRate('one two', '').wer).toBe(1);
  });

  it('pools edits over the corpus rather than averaging rates', () => {
    const r = corpusWordErrorRate([
      { reference: 'a', hypothesis: 'b' },
      { reference: 'a b c', hypothesis: 'a b c' },
    ]);
    expect(r.wer).toBeCloseTo(1 / 4);
  });
});
