import { describe, expect, it } from 'vitest';
import { parseChildCpuMs } from './child-run.ts';
import { parsePocketsphinxTimes } from './pocketsphinx-output.ts';
import { parseWhisperJson } from './whisper-cpp-engine.ts';

describe('decoder output parsing', () => {
  it('pocketsphinx -time yes: words with times and posteriors, fillers and variants dropped', () => {
    const out = [
      'please call me back',
      '<s> 4.000 4.020 1.000200',
      'please 4.030 4.310 1.000200',
      '<sil> 4.320 4.380 0.772572',
      'call 4.390 4.480 0.5',
      'to(2) 7.030 7.190 0.407382',
      '[NOISE] 7.2 7.3 0.1',
      '</s> 7.160 7.500 1.000000',
    ].join('\n');
    expect(parsePocketsphinxTimes(out)).toEqual([
      { word: 'please', startMs: 4030, endMs: 4310, confidence: 1 },
      { word: 'call', startMs: 4390, endMs: 4480, confidence: 0.5 },
      { word: 'to', startMs: 7030, endMs: 7190, confidence: 0.407382 },
    ]);
  });

  it('shell `times`: children user + system', () => {
    expect(parseChildCpuMs('0m0.01s 0m0.00s\n0m1.250000s 0m0.250000s\n')).toBe(1500);
    expect(parseChildCpuMs('garbage')).toBeUndefined();
  });

  it('whisper.cpp -ojf: tokens joined into words, lowest token probability as confidence', () => {
    const json = JSON.stringify({
      transcription: [{
        offsets: { from: 0, to: 2000 },
        tokens: [
          { text: '[_BEG_]', p: 1, offsets: { from: 0, to: 0 } },
          { text: ' Met', p: 0.9, offsets: { from: 0, to: 300 } },
          { text: 'formin', p: 0.6, offsets: { from: 300, to: 700 } },
          { text: ' refill.', p: 0.95, offsets: { from: 700, to: 1100 } },
        ],
      }],
    });
    expect(parseWhisperJson(json)).toEqual([
      { word: 'metformin', startMs: 0, endMs: 700, confidence: 0.6 },
      { word: 'refill', startMs: 700, endMs: 1100, confidence: 0.95 },
    ]);
    expect(() => parseWhisperJson('{')).toThrow(/unreadable/);
  });
});
