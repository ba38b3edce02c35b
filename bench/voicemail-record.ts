// How many voicemails one core records at once, sealed and durable, with no
// lost audio. Each recording gets a 20 ms frame every 20 ms (what the relay
// delivers), runs through the deposit path's MessageRecorder (mu-law encode,
// silence hold) into the vault's SealedWriter on local files (a chunk sealed
// and fdatasynced every second per recording), with the vault's records in
// SQLite. Everything runs on this one thread.
//
// "No lost audio" here means, at a given concurrency:
//   - every frame given to the recorder ends up in the committed object
//     (committed size = frames x 160 bytes), and
//   - durability keeps up: the largest backlog of written-but-not-yet-synced
//     audio stays under 2 s for every recording (the relay's frame queue
//     would otherwise grow without bound), and
//   - the thread keeps headroom: its event loop is busy under 80% of the
//     time (beyond that the relay's frame queue grows). Tick lateness is
//     printed too; on a shared machine it mostly measures other processes
//     (late frames wait in the relay's port; they are not dropped).
// Run: npx tsx bench/voicemail-record.ts [seconds] [counts…]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { migrateToLatest, openDatabase } from '../src/db/index.ts';
import { createPractice } from '../src/directory/index.ts';
import { FileKeyProvider, LocalBlobStore, Vault } from '../src/vault/index.ts';
import { KyselyVaultRepositories } from '../src/vault/kysely-repositories.ts';
import { MessageRecorder } from '../src/voicemail/index.ts';

const seconds = Number(process.argv[2] ?? 8);
const counts = process.argv.slice(3).map(Number).filter((n) => n > 0);
const levels = counts.length > 0 ? counts : [100, 300, 600, 900, 1200];

// A voice-like frame (loud enough never to count as silence).
const speech = new Int16Array(160).map((_, i) => Math.round(5000 * Math.sin((2 * Math.PI * 220 * i) / 8000) + 1500 * Math.sin((2 * Math.PI * 1300 * i) / 8000)));

async function run(n: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-bench-vm-'));
  const handle = openDatabase({ kind: 'sqlite', path: join(dir, 'bench.db') });
  await migrateToLatest(handle);
  const practiceId = (await createPractice(handle.db, { name: 'Bench', tier: 'pro', sipDomain: 'bench.test' })).id;
  const vault = new Vault({
    repos: new KyselyVaultRepositories(handle.db),
    keyProvider: await FileKeyProvider.open({ path: join(dir, 'master.key') }),
    store: new LocalBlobStore(join(dir, 'blobs')),
  });
  const writers = await Promise.all(Array.from({ length: n }, () => vault.createWriter({ practiceId, kind: 'voicemail' })));
  const recorders = writers.map((w) => new MessageRecorder(w, { maxMs: 3_600_000, silenceMs: 60_000, silenceRms: 200 }));
  const maxBacklog = new Array<number>(n).fill(0);
  const lateness: number[] = [];
  const frames = Math.round((seconds * 1000) / 20);
  const started = performance.now();
  const elu0 = performance.eventLoopUtilization();
  let tick = 0;
  await new Promise<void>((resolve) => {
    const step = (): void => {
      const due = started + tick * 20;
      lateness.push(performance.now() - due);
      for (let i = 0; i < n; i++) {
        recorders[i]!.frame({ index: tick, pcm: speech, kind: 'audio' });
        const backlog = writers[i]!.writtenBytes - writers[i]!.durableBytes;
        if (backlog > maxBacklog[i]!) maxBacklog[i] = backlog;
      }
      tick += 1;
      if (tick >= frames) return resolve();
      setTimeout(step, Math.max(0, started + tick * 20 - performance.now()));
    };
    step();
  });
  const elu = performance.eventLoopUtilization(elu0);
  const sizes = await Promise.all(writers.map(async (w) => Number((await w.commit()).size)));
  const expected = frames * 160;
  const complete = sizes.filter((s) => s === expected).length;
  lateness.sort((a, b) => a - b);
  const p99 = lateness[Math.floor(lateness.length * 0.99)] ?? 0;
  const worstBacklogMs = Math.max(...maxBacklog) / 8;
  const ok = complete === n && worstBacklogMs < 2000 && elu.utilization < 0.8;
  console.log(
    `${String(n).padStart(4)} recordings: complete ${complete}/${n}, worst unsynced backlog ${worstBacklogMs.toFixed(0)} ms, ` +
      `tick lateness p99 ${p99.toFixed(1)} ms, event loop busy ${(elu.utilization * 100).toFixed(0)}%  ${ok ? 'OK' : 'LOSES AUDIO'}`,
  );
  vault.close();
  await handle.close();
  rmSync(dir, { recursive: true, force: true });
}

console.log(`voicemail recording: ${seconds} s of audio per recording, 20 ms frames, sealed + fdatasync every 1 s, one thread`);
for (const n of levels) await run(n);
