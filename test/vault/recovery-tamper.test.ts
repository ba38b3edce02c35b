// Crash recovery must tell a crash from tampering. A v2 wrapped content key
// has no tag of its own: altered, it unwraps to a wrong key and chunk 0 of
// the object fails. That is tampering and must be reported as such (the
// same VAULT_TAMPERED log and onTampered audit hook as a failed read), with
// nothing destroyed; only a first chunk the crash really cut short is
// recovered as an empty partial object.

import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VaultErrorCode } from '../../src/vault/index.ts';
import { blobPath, makeHarness, type Harness } from './harness.ts';
import { PatternStream } from './pattern-stream.ts';

const P = 'prac_rt';
let h: Harness;
beforeEach(async () => {
  h = await makeHarness();
});
afterEach(async () => {
  await h.cleanup();
});

/** A recording with `chunks` chunks of 1000 bytes made durable, then "killed" (never committed). */
async function interruptedRecording(chunks: number): Promise<{ id: string; pendingPath: string; sent: Buffer }> {
  const w = await h.vault.createWriter({ practiceId: P, kind: 'voicemail', chunkSize: 1000 }, { maxUnsyncedBytes: 1000 });
  const sent = new PatternStream(11).next(1000 * chunks);
  if (chunks > 0) {
    await w.write(sent);
    await w.flush();
  }
  const rec = await h.vault.stat({ practiceId: P, objectId: w.objectId });
  return { id: w.objectId, pendingPath: blobPath(h, rec.blobRef, '.pending'), sent };
}

/** A new process on the same data dir and database rows. */
async function restart(): Promise<Harness> {
  return makeHarness({ dataDir: h.dataDir, repos: h.repos });
}

describe('recovery: tampered wrapped content key versus torn first chunk', () => {
  for (const chunks of [1, 3]) {
    it(`reports a tampered wrapped key as tampering and destroys nothing (${chunks} durable chunk${chunks > 1 ? 's' : ''})`, async () => {
      const { id, pendingPath, sent } = await interruptedRecording(chunks);
      const row = h.repos.objects.rows.get(id)!;
      const original = Buffer.from(row.wrappedContentKey!);
      expect(original[0]).toBe(2); // format v2: no tag of its own
      row.wrappedContentKey![17]! ^= 0x01;
      const before = await readFile(pendingPath);

      const h2 = await restart();
      const report = await h2.vault.recover();
      expect(report).toMatchObject({ tampered: [id], partial: [], committed: [], aborted: [], failed: [], tornBytesDropped: 0 });
      // The audit hook and the log see what a tampered read reports.
      expect(h2.tamperEvents).toEqual([expect.objectContaining({ objectId: id, practiceId: P, kind: 'voicemail', reason: 'chunk_auth' })]);
      expect(h2.logger.lines.some((l) => l.includes(VaultErrorCode.Tampered) && l.includes(id))).toBe(true);
      // Nothing was cut or marked readable: the record still waits, the blob is as it was.
      expect(await h2.vault.stat({ practiceId: P, objectId: id })).toMatchObject({ state: 'writing', size: null });
      expect((await readFile(pendingPath)).equals(before)).toBe(true);

      // With the key restored (say, from a backup) the recording comes back whole.
      h.repos.objects.rows.get(id)!.wrappedContentKey = original;
      const h3 = await restart();
      expect(await h3.vault.recover()).toMatchObject({ partial: [id], tampered: [] });
      expect((await h3.vault.openBytes({ practiceId: P, objectId: id })).equals(sent)).toBe(true);
      expect(h3.tamperEvents).toEqual([]);
    });
  }

  it('recovers a first chunk torn by the crash as an empty partial object, with no tamper report', async () => {
    const { id, pendingPath } = await interruptedRecording(0);
    // The crash came while chunk 0 was being written: its head and part of its ciphertext, no tag.
    const torn = Buffer.concat([Buffer.from('00000003e8', 'hex'), Buffer.alloc(300, 0x5a)]);
    await appendFile(pendingPath, torn);

    const h2 = await restart();
    expect(await h2.vault.recover()).toMatchObject({ partial: [id], tampered: [], failed: [], tornBytesDropped: torn.length });
    expect(h2.tamperEvents).toEqual([]);
    expect(await h2.vault.stat({ practiceId: P, objectId: id })).toMatchObject({ state: 'partial', size: 0 });
    expect((await h2.vault.openBytes({ practiceId: P, objectId: id })).length).toBe(0);
  });

  it('treats zeros after the last durable chunk as a torn write (file grown before its data was), not tampering', async () => {
    const { id, pendingPath, sent } = await interruptedRecording(2);
    await appendFile(pendingPath, Buffer.alloc(1021));

    const h2 = await restart();
    expect(await h2.vault.recover()).toMatchObject({ partial: [id], tampered: [], tornBytesDropped: 1021 });
    expect(h2.tamperEvents).toEqual([]);
    expect((await h2.vault.openBytes({ practiceId: P, objectId: id })).equals(sent)).toBe(true);
  });

  it('drops a whole last frame that fails after durable chunks (its length reached the disk, not all its bytes)', async () => {
    const { id, pendingPath, sent } = await interruptedRecording(2);
    const inFlight = Buffer.concat([Buffer.from('00000003e8', 'hex'), Buffer.alloc(1000 + 16, 0x5a)]);
    await appendFile(pendingPath, inFlight);

    const h2 = await restart();
    expect(await h2.vault.recover()).toMatchObject({ partial: [id], tampered: [], tornBytesDropped: inFlight.length });
    expect(h2.tamperEvents).toEqual([]);
    expect(await h2.vault.stat({ practiceId: P, objectId: id })).toMatchObject({ state: 'partial', size: 2000 });
    expect((await h2.vault.openBytes({ practiceId: P, objectId: id })).equals(sent)).toBe(true);
  });

  it('reports a chunk that fails with more data after it as tampering (a crash leaves only the last frame torn)', async () => {
    const { id, pendingPath } = await interruptedRecording(3);
    const blob = await readFile(pendingPath);
    // Flip one ciphertext byte of the middle chunk (frames are 5 + 1000 + 16 bytes, after the header).
    const headerLength = blob.length - 3 * 1021;
    const bad = Buffer.from(blob);
    bad[headerLength + 1021 + 5 + 10]! ^= 0x80;
    await writeFile(pendingPath, bad);

    const h2 = await restart();
    expect(await h2.vault.recover()).toMatchObject({ tampered: [id], partial: [] });
    expect(h2.tamperEvents).toEqual([expect.objectContaining({ objectId: id, reason: 'chunk_auth' })]);
    expect((await readFile(pendingPath)).equals(bad)).toBe(true);
  });
});
