// Word error rate, keyword recall and real-time factor of on-box voicemail
// transcription on the synthetic practice-voicemail set (festival/flite
// voices, several speeds, through a 300-3400 Hz channel and 8 kHz G.711
// mu-law), for plain pocketsphinx and each improvement.
//
//   npx tsx bench/transcribe.ts            one voice per message (24 files)
//   npx tsx bench/transcribe.ts --full     every voice for every message (96 files)
//   npx tsx bench/transcribe.ts --only=final,baseline

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PocketsphinxTranscriber, type PocketsphinxOptions } from '../src/transcribe/pocketsphinx-engine.ts';
import { corpusWordErrorRate } from '../src/transcribe/wer.ts';
import { WorkerPool } from '../src/transcribe/worker-pool.ts';
import { renderVoicemail } from '../test/transcribe/render-voicemail.ts';
import { TEST_VOICES, VOICEMAIL_FIXTURES } from '../test/transcribe/voicemail-fixtures.ts';

const CONFIGS: Record<string, PocketsphinxOptions> = {
  'baseline (en-us LM, plain upsampling)': { languageModel: 'general', bandFill: { mode: 'none' } },
  '+ noise fill': { languageModel: 'general', bandFill: { mode: 'noise', noiseRms: 0.008 } },
  '+ envelope fill': { languageModel: 'general', bandFill: { mode: 'envelope', noiseRms: 0.004, envelopeRatio: 0.1 } },
  'practice LM, plain upsampling': { bandFill: { mode: 'none' } },
  'practice LM, no background words': { bandFill: { mode: 'noise', noiseRms: 0.008 }, domainModel: { backgroundWords: 0 } },
  'practice LM + noise fill': { bandFill: { mode: 'noise', noiseRms: 0.008 } },
  'practice LM + envelope fill': { bandFill: { mode: 'envelope', noiseRms: 0.004, envelopeRatio: 0.1 } },
  'practice LM + fold fill': { bandFill: { mode: 'fold', noiseRms: 0.004, foldGain: 0.15 } },
};

const args = process.argv.slice(2);
const full = args.includes('--full');
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');

const dir = await mkdtemp(join(tmpdir(), 'sotto-bench-asr-'));
try {
  const tempos = [1, 0.9, 1.1];
  const items: { id: string; path: string; text: string; facts: readonly string[]; voice: string }[] = [];
  const t0 = performance.now();
  for (const [i, f] of VOICEMAIL_FIXTURES.entries()) {
    const voices = full ? TEST_VOICES : [TEST_VOICES[i % TEST_VOICES.length]!];
    for (const [k, voice] of voices.entries()) {
      const tempo = tempos[(i + k) % tempos.length]!;
      const id = `${f.id}-${voice}`;
      items.push({ id, voice, text: f.text, facts: f.facts, path: await renderVoicemail(f.text, voice, tempo, dir, id) });
    }
  }
  console.log(`rendered ${items.length} voicemails in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  const pool = new WorkerPool();
  console.log(`| configuration | WER | keyword recall | RTF per core (CPU s / audio s) |`);
  console.log(`|---|---|---|---|`);
  for (const [name, opts] of Object.entries(CONFIGS)) {
    if (only && !only.some((o) => name.includes(o))) continue;
    const engine = new PocketsphinxTranscriber({ ...opts, pool });
    // Build (or load) the model outside the timed runs.
    await engine.transcribe({ kind: 'wav', bytes: await readFile(items[0]!.path) });
    const results = await Promise.all(items.map(async (it) => {
      const t = await engine.transcribe({ kind: 'wav', bytes: await readFile(it.path) });
      return { it, t };
    }));
    const wer = corpusWordErrorRate(results.map(({ it, t }) => ({ reference: it.text, hypothesis: t.rawText })));
    let found = 0, facts = 0;
    for (const { it, t } of results) {
      for (const fact of it.facts) {
        facts++;
        if (t.text.toLowerCase().includes(fact.toLowerCase())) found++;
      }
    }
    const proc = results.reduce((a, r) => a + (r.t.cpuMs ?? r.t.processingMs), 0);
    const audio = results.reduce((a, r) => a + r.t.audioMs, 0);
    console.log(`| ${name} | ${(wer.wer * 100).toFixed(1)} % | ${((found / facts) * 100).toFixed(0)} % (${found}/${facts}) | ${(proc / audio).toFixed(3)} |`);
    if (args.includes('--verbose')) for (const { it, t } of results) console.log(`   ${it.id}: ${t.text}`);
  }
  await pool.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
