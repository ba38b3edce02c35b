import { describe, expect, it } from 'vitest';
import type { SealedWriter } from '../../vault/index.ts';
import { MessageRecorder } from './message-recorder.ts';

/** A writer that keeps what it is given (the vault's own tests cover sealing). */
function fakeWriter(): { writer: SealedWriter; bytes: () => number } {
  let n = 0;
  return { writer: { write: async (b: Uint8Array) => void (n += b.length) } as unknown as SealedWriter, bytes: () => n };
}

const loud = (): Int16Array => new Int16Array(160).map((_, i) => Math.round(6000 * Math.sin(i / 3)));
const quiet = (): Int16Array => new Int16Array(160);
let index = 0;
const feed = (r: MessageRecorder, pcm: Int16Array, kind: 'audio' | 'silence' = 'audio') => r.frame({ index: index++, pcm, kind });

describe('MessageRecorder', () => {
  it('drops quiet before the first word but a 300 ms pre-roll, and keeps pauses between words', () => {
    const w = fakeWriter();
    const r = new MessageRecorder(w.writer, { maxMs: 60_000, silenceMs: 5_000, silenceRms: 200 });
    for (let i = 0; i < 100; i++) feed(r, quiet());
    for (let i = 0; i < 50; i++) feed(r, loud());
    for (let i = 0; i < 25; i++) feed(r, quiet());
    for (let i = 0; i < 50; i++) feed(r, loud());
    expect(w.bytes()).toBe(160 * (15 + 50 + 25 + 50));
  });

  it('ends on a long silence without keeping it', async () => {
    const w = fakeWriter();
    const r = new MessageRecorder(w.writer, { maxMs: 60_000, silenceMs: 1_000, silenceRms: 200 });
    for (let i = 0; i < 50; i++) feed(r, loud());
    for (let i = 0; i < 60; i++) feed(r, quiet(), 'silence');
    expect(await r.ended).toBe('silence');
    expect(w.bytes()).toBe(160 * 50);
  });

  it('ends at the maximum length', async () => {
    const w = fakeWriter();
    const r = new MessageRecorder(w.writer, { maxMs: 400, silenceMs: 5_000, silenceRms: 200 });
    for (let i = 0; i < 30; i++) feed(r, loud());
    expect(await r.ended).toBe('max-length');
    expect(w.bytes()).toBe(160 * 20);
  });
});
