// A real installation for vault tests: openRuntime over a fresh temp data dir
// (SQLite file sotto.db in it, master key, blobs), with pino writing JSON
// lines to <dataDir>/sotto.log as `sotto start` would to its log file.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/app/config.ts';
import { createLogger } from '../../src/app/logger.ts';
import { openRuntime, type Runtime } from '../../src/app/runtime.ts';
import { createPractice } from '../../src/directory/index.ts';

export interface RuntimeHarness {
  rt: Runtime;
  dataDir: string;
  logFile: string;
  practiceId: string;
  /** Closes the runtime (SQLite checkpoints its WAL into sotto.db) and the log; the data dir stays. */
  close(): Promise<void>;
  /** Closes the runtime (idempotent) and removes the data dir. */
  cleanup(): Promise<void>;
}

export async function bootRuntime(): Promise<RuntimeHarness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sotto-vault-rt-'));
  const logFile = join(dataDir, 'sotto.log');
  // sync: every line is on disk when the call returns, so a search sees it.
  const destination = pino.destination({ dest: logFile, sync: true });
  const config = loadConfig({ SOTTO_DATA_DIR: dataDir, SOTTO_BIND: '127.0.0.1', SOTTO_LOG_LEVEL: 'debug' });
  const rt = await openRuntime(config, createLogger('debug', destination));
  const practice = await createPractice(rt.database.db, { name: 'Runtime Vault Dental', tier: 'pro', sipDomain: 'pbx.vault.test' });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await rt.close();
    destination.flushSync();
    destination.end();
  };
  return {
    rt,
    dataDir,
    logFile,
    practiceId: practice.id,
    close,
    async cleanup() {
      await close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Path of a committed blob in the runtime's local store (<dataDir>/blobs/ab/cd/<ref>.blob). */
export function runtimeBlobPath(dataDir: string, blobRef: string): string {
  return join(dataDir, 'blobs', blobRef.slice(0, 2), blobRef.slice(2, 4), `${blobRef}.blob`);
}
