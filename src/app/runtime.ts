// What every command needs: validated config, logger, data dir, master key
// and a migrated database. The composition root builds it once.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../db/index.ts';
import type { SottoConfig } from './config.ts';
import { ensureDataDir } from './data-dir.ts';
import { loadOrCreateMasterKey } from './master-key.ts';

export interface Runtime {
  config: SottoConfig;
  logger: Logger;
  database: DatabaseHandle;
  masterKey: Buffer;
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
  try {
    await migrateToLatest(database);
  } catch (e) {
    await database.close();
    throw e;
  }
  return {
    config,
    logger,
    database,
    masterKey,
    version: sottoVersion(),
    close: () => database.close(),
  };
}
