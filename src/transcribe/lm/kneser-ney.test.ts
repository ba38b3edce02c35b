import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../corpus/generate-corpus.ts';
import { type ArpaModel, parseArpa, scoreArpa, serializeArpa } from './arpa.ts';
import { estimateKneserNey } from './kneser-ney.ts';

const toy = [
  'please call me back', 'call me back at five', 'please call the office', 'i need a refill',
  'i need a refill of metformin', 'call me back please', 'i need to call back',
].map((s) => s.split(' '));

function parsed(text: string): ArpaModel {
  const r = parseArpa(text);
  if (!r.ok) throw new Error(r.error);
  return r.model;
}

/** Sum over the vocabulary (minus <s>) of p(w | context), computed the way a decoder does. */
function massAfter(model: ArpaModel, context: string[]): number {
  let sum = 0;
  for (const w of model.vocabulary) if (w !== '<s>') sum += 10 ** scoreArpa(model, context, w);
  return sum;
}

describe('modified Kneser-Ney ARPA model', () => {
  it('writes valid ARPA whose header counts match its sections', () => {
    const text = serializeArpa(estimateKneserNey(toy, 3));
    const r = parseArpa(text);
    expect(r.ok).toBe(true);
    expect(text.startsWith('\\data\\\nngram 1=')).toBe(true);
    expect(text.trimEnd().endsWith('\\end\\')).toBe(true);
  });

  it('every context the model knows sums to 1 over the vocabulary', () => {
    const model = parsed(serializeArpa(estimateKneserNey(toy, 3)));
    const contexts = [...model.ngrams.keys()]
      .map((k) => k.split(' '))
      .filter((k) => k.length <= 2 && k.at(-1) !== '</s>');
    expect(contexts.length).toBeGreaterThan(20);
    for (const ctx of contexts) expect(massAfter(model, ctx)).toBeCloseTo(1, 4);
    expect(massAfter(model, [])).toBeCloseTo(1, 4);
    expect(massAfter(model, ['metformin', 'zebra'])).toBeCloseTo(1, 4); // unseen context backs off
  });

  it('stays normalised with general-English background words mixed in', () => {
    const background = { weights: new Map([['sorry', 3], ['possible', 1], ['call', 2]]), lambda: 0.2 };
    const model = parsed(serializeArpa(estimateKneserNey(toy, 3, background)));
    expect(model.vocabulary).toContain('sorry');
    for (const ctx of [[], ['please'], ['call', 'me'], ['<s>']]) expect(massAfter(model, ctx)).toBeCloseTo(1, 4);
  });

  it('prefers what the corpus says: "call me back" over "call me refill"', () => {
    const model = parsed(serializeArpa(estimateKneserNey(toy, 3)));
    expect(scoreArpa(model, ['call', 'me'], 'back')).toBeGreaterThan(scoreArpa(model, ['call', 'me'], 'refill'));
  });

  it('normalises on the generated practice corpus too', () => {
    const model = parsed(serializeArpa(estimateKneserNey(generateCorpus(2000).map((s) => s.split(' ')), 3)));
    for (const ctx of [['my', 'date'], ['refill', 'of'], ['<s>', 'hi'], ['five', 'five'], []]) {
      expect(massAfter(model, ctx)).toBeCloseTo(1, 3);
    }
  });

  it.skipIf(!existsSync('/usr/bin/sphinx_lm_convert'))('is accepted by sphinx_lm_convert (sphinxbase-utils)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sotto-lm-test-'));
    try {
      const arpa = join(dir, 'm.lm');
      writeFileSync(arpa, serializeArpa(estimateKneserNey(generateCorpus(500).map((s) => s.split(' ')), 3)));
      execFileSync('/usr/bin/sphinx_lm_convert', ['-i', arpa, '-ifmt', 'arpa', '-o', join(dir, 'm.lm.bin'), '-ofmt', 'bin'], { stdio: 'ignore' });
      expect(existsSync(join(dir, 'm.lm.bin'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parseArpa reports, never throws on, a malformed file', () => {
    expect(parseArpa('garbage')).toMatchObject({ ok: false });
    expect(parseArpa('\\data\\\nngram 1=2\n\n\\1-grams:\n-1 a\n\\end\\\n')).toMatchObject({ ok: false });
  });
});
