// The default, one-machine vault: master key file and sealed blobs under the
// data dir. app/ calls this at startup (after the database is open) and
// before it accepts calls, so crash recovery runs first.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FileKeyProvider } from './file-key-provider.ts';
import { LocalBlobStore } from './local-blob-store.ts';
import type { RecoveryReport } from './recovery.ts';
import { Vault, type VaultOptions } from './vault.ts';

export interface LocalVaultOptions extends Omit<VaultOptions, 'keyProvider' | 'store'> {
  /** SOTTO_DATA_DIR. */
  dataDir: string;
  /** SOTTO_MASTER_KEY_FILE; default <dataDir>/master.key. */
  masterKeyFile?: string;
  /**
   * Run crash recovery (default). Only the process that owns the data dir
   * may: to any other (a CLI command beside a running server) an object the
   * server is writing looks exactly like one a crash left, and recovering it
   * would cut a live recording short.
   */
  recover?: boolean;
}

export interface LocalVault {
  vault: Vault;
  keyProvider: FileKeyProvider;
  store: LocalBlobStore;
  recovery: RecoveryReport;
}

export async function openLocalVault(options: LocalVaultOptions): Promise<LocalVault> {
  const { dataDir, masterKeyFile, recover = true, ...rest } = options;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const keyProvider = await FileKeyProvider.open({ path: masterKeyFile ?? join(dataDir, 'master.key') });
  const store = new LocalBlobStore(join(dataDir, 'blobs'));
  const vault = new Vault({ ...rest, keyProvider, store });
  const recovery: RecoveryReport = recover
    ? await vault.recover()
    : { partial: [], committed: [], aborted: [], failed: [], tampered: [], shredsFinished: 0, orphanBlobsRemoved: 0, tornBytesDropped: 0 };
  return { vault, keyProvider, store, recovery };
}
