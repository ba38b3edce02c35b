// Builds the practice-voicemail language model and its dictionary into a
// cache directory: corpus -> modified-KN trigram (ARPA) -> binary (when
// sphinx_lm_convert is installed), and the pronunciation dictionary cut to
// the model's vocabulary. The cache key hashes everything the model depends
// on, so a changed word list rebuilds it and an unchanged one is reused.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { generateCorpus } from '../corpus/generate-corpus.ts';
import { estimateKneserNey } from './kneser-ney.ts';
import { serializeArpa } from './arpa.ts';
import { generalUnigrams } from './background-unigrams.ts';
import { dictionaryForVocabulary, mergeDictionaries, parseDictionary } from './pronunciation-dictionary.ts';

const run = promisify(execFile);

/** Bump when the generator or estimator changes in a way the hash cannot see. */
const MODEL_VERSION = 3;
export const DEFAULT_BACKGROUND_WORDS = 5000;
export const DEFAULT_BACKGROUND_LAMBDA = 0.1;

export const EXTRA_PRONUNCIATIONS_PATH = fileURLToPath(new URL('../data/medication-pronunciations.dict', import.meta.url));

export interface DomainModelOptions {
  readonly cacheDir: string;
  /** The default cmudict the hand-written entries are merged into. */
  readonly baseDictPath: string;
  /** sphinx_lm_convert; without it the ARPA file is used directly. */
  readonly lmConvert?: string | undefined;
  /** The stock general-English model, source of the background unigrams. */
  readonly generalLmPath?: string;
  /** How many general-English words to add, and their share of unigram mass. */
  readonly backgroundWords?: number;
  readonly backgroundLambda?: number;
  readonly sentences?: number;
  readonly order?: number;
  readonly seed?: number;
}

export interface DomainModel {
  /** The file to pass to -lm: binary when converted, else ARPA. */
  readonly lmPath: string;
  readonly arpaPath: string;
  readonly dictPath: string;
  readonly vocabularySize: number;
  /** Corpus words without a pronunciation (should be empty; a test checks it). */
  readonly missingPronunciations: readonly string[];
}

const inFlight = new Map<string, Promise<DomainModel>>();

/** Returns the cached model, building it first if needed (concurrent callers share one build). */
export function ensureDomainModel(opts: DomainModelOptions): Promise<DomainModel> {
  const key = JSON.stringify(opts);
  let p = inFlight.get(key);
  if (!p) {
    p = buildDomainModel(opts).finally(() => inFlight.delete(key));
    inFlight.set(key, p);
  }
  return p;
}

async function buildDomainModel(opts: DomainModelOptions): Promise<DomainModel> {
  const count = opts.sentences ?? 40_000;
  const order = opts.order ?? 3;
  const extraText = await readFile(EXTRA_PRONUNCIATIONS_PATH, 'utf8');
  const corpus = generateCorpus(count, opts.seed ?? 7);
  const hash = createHash('sha256')
    .update(`v${MODEL_VERSION}|${order}|${opts.backgroundWords ?? DEFAULT_BACKGROUND_WORDS}|${opts.backgroundLambda ?? DEFAULT_BACKGROUND_LAMBDA}|${opts.generalLmPath ?? ''}|`)
    .update(corpus.join('\n'))
    .update(extraText)
    .digest('hex')
    .slice(0, 16);
  const dir = join(opts.cacheDir, `domain-${hash}`);
  const arpaPath = join(dir, 'domain.lm');
  const binPath = join(dir, 'domain.lm.bin');
  const dictPath = join(dir, 'domain.dict');
  const manifestPath = join(dir, 'manifest.json');
  if (existsSync(manifestPath)) {
    const m = JSON.parse(await readFile(manifestPath, 'utf8')) as DomainModel;
    if (existsSync(m.lmPath) && existsSync(m.dictPath)) return m;
  }
  await mkdir(dir, { recursive: true });
  const base = parseDictionary(await readFile(opts.baseDictPath, 'utf8'));
  const dict = mergeDictionaries(base, parseDictionary(extraText));
  const words = opts.backgroundWords ?? DEFAULT_BACKGROUND_WORDS;
  const weights = opts.generalLmPath && words > 0
    ? await generalUnigrams(opts.lmConvert, opts.generalLmPath, dir, words, (w) => dict.has(w))
    : new Map<string, number>();
  const background = weights.size > 0 ? { weights, lambda: opts.backgroundLambda ?? DEFAULT_BACKGROUND_LAMBDA } : undefined;
  const model = estimateKneserNey(corpus.map((s) => s.split(' ')), order, background);
  await writeAtomic(arpaPath, serializeArpa(model));
  const vocab = model.entries[0]!.map((e) => e.words[0]!);
  const subset = dictionaryForVocabulary(dict, vocab);
  await writeAtomic(dictPath, subset.text);
  let lmPath = arpaPath;
  if (opts.lmConvert) {
    const tmp = `${binPath}.tmp`;
    await run(opts.lmConvert, ['-i', arpaPath, '-ifmt', 'arpa', '-o', tmp, '-ofmt', 'bin'], { timeout: 120_000 });
    await rename(tmp, binPath);
    lmPath = binPath;
  }
  const result: DomainModel = {
    lmPath, arpaPath, dictPath, vocabularySize: vocab.length - 1, missingPronunciations: subset.missing,
  };
  await writeAtomic(manifestPath, JSON.stringify(result, null, 2));
  return result;
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}
