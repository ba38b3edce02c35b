// Builds the practice language model and dictionary ahead of time (the
// engine otherwise builds them on first use) and prints what went in:
//
//   npx tsx src/transcribe/data/build-language-model.ts [CACHE_DIR]
//
// Useful on install (so the first voicemail does not wait) and after
// editing lexicon.ts or medication-pronunciations.dict.

import { readFile } from 'node:fs/promises';
import { defaultPocketsphinxPaths, pocketsphinxStatus } from '../engine-status.ts';
import { parseArpa } from '../lm/arpa.ts';
import { ensureDomainModel } from '../lm/domain-model.ts';
import { DEFAULT_CACHE_DIR } from '../pocketsphinx-engine.ts';

const paths = defaultPocketsphinxPaths();
const status = pocketsphinxStatus(paths);
if (!status.available) {
  process.stderr.write(`cannot build: ${status.problems.map((p) => p.message).join('; ')}\ninstall with: ${status.install}\n`);
  process.exit(1);
}
const started = performance.now();
const model = await ensureDomainModel({
  cacheDir: process.argv[2] ?? process.env.SOTTO_TRANSCRIBE_CACHE_DIR ?? DEFAULT_CACHE_DIR,
  baseDictPath: paths.defaultDict,
  lmConvert: paths.lmConvert,
  generalLmPath: paths.defaultLm,
});
const arpa = parseArpa(await readFile(model.arpaPath, 'utf8'));
const counts = arpa.ok
  ? [1, 2, 3].map((n) => [...arpa.model.ngrams.keys()].filter((k) => k.split(' ').length === n).length)
  : [];
process.stdout.write(`${JSON.stringify({
  lm: model.lmPath,
  dict: model.dictPath,
  vocabulary: model.vocabularySize,
  ngrams: counts,
  missingPronunciations: model.missingPronunciations,
  ms: Math.round(performance.now() - started),
}, null, 2)}\n`);
