// Child process for crash.test.ts: records a "voicemail" as fast as the
// writer's backpressure allows, reporting after each accepted frame, until
// the parent kills it with SIGKILL. process.stdout is synchronous on a pipe
// on Linux (it blocks when the pipe is full), so a report the parent reads
// was written before the next frame was handed to the writer.

import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { FileKeyProvider, LocalBlobStore, MemoryVaultRepositories, Vault } from '../../src/vault/index.ts';
import { PatternStream } from './pattern-stream.ts';

const [dataDir, snapshotPath, seedArg] = process.argv.slice(2);
if (!dataDir || !snapshotPath || !seedArg) throw new Error('usage: crash-writer DATA_DIR SNAPSHOT SEED');

const repos = new MemoryVaultRepositories();
const vault = new Vault({
  repos,
  keyProvider: await FileKeyProvider.open({ path: join(dataDir, 'master.key') }),
  store: new LocalBlobStore(join(dataDir, 'blobs')),
});
const writer = await vault.createWriter(
  { practiceId: 'prac_crash', kind: 'voicemail', id: 'vm_crash', ownerUserId: 'user_1', chunkSize: 64 * 1024 },
  { maxUnsyncedBytes: 8000, flushIntervalMs: 1000 },
);

// The database row must survive the kill: persist it the way a database would.
const tmp = snapshotPath + '.tmp';
const handle = await open(tmp, 'w', 0o600);
await handle.writeFile(JSON.stringify(repos.snapshot()));
await handle.sync();
await handle.close();
await rename(tmp, snapshotPath);

process.stdout.write('ready\n');
const audio = new PatternStream(Number(seedArg));
for (;;) {
  // 160 bytes = 20 ms of G.711, one RTP packet's worth.
  await writer.write(audio.next(160));
  process.stdout.write(`w ${writer.writtenBytes} ${writer.durableBytes}\n`);
}
