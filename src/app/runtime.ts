// What every command needs: validated config, logger, data dir, master key
// and a migrated database. The composition root builds it once.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../db/index.ts';
import { KyselyVaultRepositories } from '../vault/kysely-repositories.ts';
import { openLocalVault, type RecoveryReport, type Vault } from '../vault/index.ts';
import type { SottoConfig } from './config.ts';
import { ensureDataDir } from './data-dir.ts';
import { loadOrCreateMasterKey } from './master-key.ts';

export interface Runtime {
  config: SottoConfig;
  logger: Logger;
  database: DatabaseHandle;
  masterKey: Buffer;
  /** Sealed storage of every PHI artifact (vault/). */
  vault: Vault;
  /** What start-up recovery found: objects left mid-write by a crash, now marked partial. */
  vaultRecovery: RecoveryReport;
  version: string;
  close(): Promise<void>;
}

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function sottoVersion(): string {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

export async function openRuntime(config: SottoConfig, logger: Logger): Promise<Runtime> {
  ensureDataDir(config.dataDir);
  const masterKey = loadOrCreateMasterKey(config.masterKeyFile);
  const database = openDatabase(config.database);
  let local;
  try {
    await migrateToLatest(database);
    local = await openLocalVault({
      dataDir: config.dataDir,
      masterKeyFile: config.masterKeyFile,
      repos: new KyselyVaultRepositories(database.db),
      logger,
    });
  } catch (e) {
    await database.close();
    throw e;
  }
  if (local.recovery.partial.length > 0) logger.warn({ event: 'vault.recovered', partial: local.recovery.partial.length }, 'recovered objects interrupted by a crash');
  const vault = local.vault;
  return {
    config,
    logger,
    database,
    masterKey,
    vault,
    vaultRecovery: local.recovery,
    version: sottoVersion(),
    async close() {
      await vault.close();
      await database.close();
    },
  };
}
