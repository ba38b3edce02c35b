// Builds a real vault (file key provider, local blob store) over in-memory
// repositories in a fresh temp data dir.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FileKeyProvider,
  LocalBlobStore,
  MemoryVaultRepositories,
  Vault,
  type Clock,
  type Scheduler,
  type TamperEvent,
  type VaultLogger,
} from '../../src/vault/index.ts';

export class FakeClock implements Clock {
  constructor(private t = Date.parse('2026-01-05T10:00:00Z')) {}
  now(): Date {
    return new Date(this.t);
  }
  advanceDays(days: number): void {
    this.t += days * 86_400_000;
  }
}

/** Collects log lines so tests can check that nothing sensitive was logged. */
export class CapturingLogger implements VaultLogger {
  readonly lines: string[] = [];
  info(fields: Record<string, unknown>, message: string): void {
    this.lines.push(JSON.stringify({ level: 'info', ...fields, message }));
  }
  warn(fields: Record<string, unknown>, message: string): void {
    this.lines.push(JSON.stringify({ level: 'warn', ...fields, message }));
  }
  error(fields: Record<string, unknown>, message: string): void {
    this.lines.push(JSON.stringify({ level: 'error', ...fields, message }));
  }
}

export interface Harness {
  dataDir: string;
  keyPath: string;
  repos: MemoryVaultRepositories;
  store: LocalBlobStore;
  provider: FileKeyProvider;
  vault: Vault;
  clock: FakeClock;
  logger: CapturingLogger;
  tamperEvents: TamperEvent[];
  cleanup(): Promise<void>;
}

export async function makeHarness(
  options: { dataDir?: string; repos?: MemoryVaultRepositories; scheduler?: Scheduler; clock?: FakeClock } = {},
): Promise<Harness> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'sotto-vault-')));
  const keyPath = join(dataDir, 'master.key');
  const repos = options.repos ?? new MemoryVaultRepositories();
  const store = new LocalBlobStore(join(dataDir, 'blobs'));
  const provider = await FileKeyProvider.open({ path: keyPath });
  const clock = options.clock ?? new FakeClock();
  const logger = new CapturingLogger();
  const tamperEvents: TamperEvent[] = [];
  const vault = new Vault({
    repos,
    keyProvider: provider,
    store,
    clock,
    logger,
    scheduler: options.scheduler,
    onTampered: (e) => {
      tamperEvents.push(e);
    },
  });
  return {
    dataDir,
    keyPath,
    repos,
    store,
    provider,
    vault,
    clock,
    logger,
    tamperEvents,
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  };
}

/** Path of an object's committed blob in the local store. */
export function blobPath(h: Harness, blobRef: string, suffix = '.blob'): string {
  return join(h.store.root, blobRef.slice(0, 2), blobRef.slice(2, 4), blobRef + suffix);
}

/** A deterministic byte pattern so any recovered prefix can be checked exactly. */
export function pattern(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A small but valid 8 kHz mu-law WAV file (RIFF/WAVE), as a voicemail would be. */
export function wavFile(samples: Buffer): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + samples.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(7, 20); // WAVE_FORMAT_MULAW
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(8000, 28);
  header.writeUInt16LE(1, 32);
  header.writeUInt16LE(8, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(samples.length, 40);
  return Buffer.concat([header, samples]);
}
