// Real databases for repository and API tests: every such suite runs once on
// SQLite and once on PostgreSQL (the private cluster of global-setup.ts).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { migrateToLatest, openDatabase, type DatabaseHandle, type DatabaseTarget } from '../../src/db/index.ts';
import { createDatabase } from './postgres.ts';

export const DIALECTS = ['sqlite', 'postgres'] as const;
export type TestDialect = (typeof DIALECTS)[number];

export async function testDatabaseTarget(dialect: TestDialect): Promise<DatabaseTarget> {
  if (dialect === 'sqlite') return { kind: 'sqlite', path: join(mkdtempSync(join(tmpdir(), 'sotto-db-')), 'sotto.db') };
  return { kind: 'postgres', url: await createDatabase(inject('postgresUrl')) };
}

export async function openTestDatabase(dialect: TestDialect): Promise<DatabaseHandle> {
  const handle = openDatabase(await testDatabaseTarget(dialect));
  await migrateToLatest(handle);
  return handle;
}
