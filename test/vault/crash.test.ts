// kill -9 in the middle of recording, many times at random points: recovery
// returns every byte up to the last durable chunk, byte-exact, marks the
// object partial, and loses no more than one second of G.711 (8000 bytes)
// of what the writer had acknowledged.

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MemoryVaultRepositories, Vault, type BlobStore, type MemorySnapshot } from '../../src/vault/index.ts';
import { makeHarness } from './harness.ts';
import { PatternStream } from './pattern-stream.ts';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'crash-writer.ts');
const ONE_SECOND_OF_G711 = 8000;
const RUNS = 8;

interface Killed {
  written: number;
  durable: number;
  reports: number;
}

/** Runs the child, kills it with SIGKILL after `killAfter` reports, returns the last report. */
function runAndKill(dataDir: string, snapshot: string, seed: number, killAfter: number): Promise<Killed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, snapshot, String(seed)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const last: Killed = { written: 0, durable: 0, reports: 0 };
    let ready = false;
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line === 'ready') {
        ready = true;
        if (killAfter === 0) child.kill('SIGKILL');
        return;
      }
      const m = /^w (\d+) (\d+)$/.exec(line);
      if (!m) return;
      last.written = Number(m[1]);
      last.durable = Number(m[2]);
      last.reports += 1;
      if (last.reports === killAfter) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (!ready) reject(new Error(`crash writer died before ready (code ${code}, signal ${signal})`));
      else if (signal !== 'SIGKILL') reject(new Error(`crash writer exited on its own (code ${code})`));
      else resolve(last);
    });
  });
}

describe('crash safety', () => {
  it(`recovers up to the last durable chunk after kill -9 at ${RUNS} random points`, async () => {
    for (let run = 0; run < RUNS; run++) {
      const dataDir = await mkdtemp(join(tmpdir(), 'sotto-crash-'));
      try {
        const seed = 1000 + run;
        // Spread kill points from "before the first frame" to several seconds of audio.
        const killAfter = run === 0 ? 0 : 1 + Math.floor(Math.random() * 1500);
        const snapshot = join(dataDir, 'db.json');
        const killed = await runAndKill(dataDir, snapshot, seed, killAfter);

        const repos = MemoryVaultRepositories.restore(JSON.parse(await readFile(snapshot, 'utf8')) as MemorySnapshot);
        const h = await makeHarness({ dataDir, repos });
        const report = await h.vault.recover();
        expect(report).toMatchObject({ partial: ['vm_crash'], committed: [], aborted: [], failed: [] });

        const ref = { practiceId: 'prac_crash', objectId: 'vm_crash' };
        const recovered = await h.vault.openBytes(ref);
        const context = `run ${run}: torn ${report.tornBytesDropped}: killed after ${killed.reports} reports, written ${killed.written}, durable ${killed.durable}, recovered ${recovered.length}`;
        // Byte-exact prefix of what was recorded.
        expect(recovered.equals(new PatternStream(seed).next(recovered.length)), context).toBe(true);
        // Nothing acknowledged as durable is lost; at most one second of accepted audio is.
        expect(recovered.length, context).toBeGreaterThanOrEqual(killed.durable);
        expect(killed.written - recovered.length, context).toBeLessThanOrEqual(ONE_SECOND_OF_G711);
        if (process.env.SOTTO_VAULT_CRASH_TRACE) process.stderr.write(context + '\n');
        expect(await h.vault.stat(ref)).toMatchObject({ state: 'partial', size: recovered.length });

        // No half-written file is left, and recovering again changes nothing.
        const entries = [];
        for await (const e of h.store.list()) entries.push(e.state);
        expect(entries).toEqual(['committed']);
        expect(await h.vault.recover()).toMatchObject({ partial: [], committed: [], aborted: [], failed: [] });
        expect((await h.vault.openBytes(ref)).equals(recovered)).toBe(true);
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    }
  }, 120_000);
});

describe('recovery of torn and interrupted writes', () => {
  it('drops a chunk torn by power loss and keeps every chunk before it', async () => {
    const { appendFile } = await import('node:fs/promises');
    const { blobPath } = await import('./harness.ts');
    const h = await makeHarness();
    try {
      const audio = new PatternStream(7);
      const w = await h.vault.createWriter({ practiceId: 'prac_t', kind: 'voicemail', chunkSize: 1000 }, { maxUnsyncedBytes: 1000 });
      const sent = audio.next(4500);
      await w.write(sent);
      await w.flush();
      const rec = await h.vault.stat({ practiceId: 'prac_t', objectId: w.objectId });
      const pending = blobPath(h, rec.blobRef, '.pending');
      // Half of the next frame reached the disk: flags, length, some ciphertext, no tag.
      const torn = Buffer.concat([Buffer.from('0000000320', 'hex'), Buffer.alloc(300, 0xaa)]);
      await appendFile(pending, torn);

      // A new process: same store and key, same database rows.
      const h2 = await makeHarness({ dataDir: h.dataDir, repos: h.repos });
      const report = await h2.vault.recover();
      expect(report).toMatchObject({ partial: [w.objectId], tornBytesDropped: torn.length });
      const got = await h2.vault.openBytes({ practiceId: 'prac_t', objectId: w.objectId });
      expect(got.equals(sent)).toBe(true);
    } finally {
      await h.cleanup();
    }
  });

  it('finds an object complete when the crash came after its final chunk was synced', async () => {
    const h = await makeHarness();
    try {
      // A store whose commit "crashes" after the final chunk is durable but
      // before the rename and the record update.
      const crashingStore: BlobStore = Object.create(h.store) as BlobStore;
      crashingStore.create = async (ref, initial) => {
        const appender = await h.store.create(ref, initial);
        return { ...appender, ref, commit: async () => Promise.reject(new Error('simulated crash before rename')) };
      };
      const vault = new Vault({ repos: h.repos, keyProvider: h.provider, store: crashingStore, clock: h.clock });
      const w = await vault.createWriter({ practiceId: 'prac_t', kind: 'voicemail' });
      const sent = new PatternStream(3).next(5000);
      await w.write(sent);
      await expect(w.commit()).rejects.toThrow('simulated crash');

      const h2 = await makeHarness({ dataDir: h.dataDir, repos: h.repos });
      expect(await h2.vault.recover()).toMatchObject({ committed: [w.objectId], partial: [] });
      expect(await h2.vault.stat({ practiceId: 'prac_t', objectId: w.objectId })).toMatchObject({ state: 'committed', size: 5000 });
      expect((await h2.vault.openBytes({ practiceId: 'prac_t', objectId: w.objectId })).equals(sent)).toBe(true);
    } finally {
      await h.cleanup();
    }
  });

  it('shreds a record whose blob never reached the disk, with an aborted receipt', async () => {
    const h = await makeHarness();
    try {
      const w = await h.vault.createWriter({ practiceId: 'prac_t', kind: 'fax' });
      await h.store.delete((await h.vault.stat({ practiceId: 'prac_t', objectId: w.objectId })).blobRef);
      const h2 = await makeHarness({ dataDir: h.dataDir, repos: h.repos });
      expect(await h2.vault.recover()).toMatchObject({ aborted: [w.objectId] });
      expect(await h2.vault.receipts()).toEqual([expect.objectContaining({ objectId: w.objectId, reason: 'aborted' })]);
    } finally {
      await h.cleanup();
    }
  });
});
