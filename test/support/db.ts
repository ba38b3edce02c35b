// Real databases for repository and API tests: every such suite runs once on
// SQLite and once on PostgreSQL (the private cluster of global-setup.ts).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
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

/**
 * Every row of every table, in a stable order (rows as JSON, buffers as
 * hex): taken before and after a request that must write nothing.
 */
export async function tableSnapshot(handle: DatabaseHandle): Promise<Record<string, string[]>> {
  const names =
    handle.dialect === 'sqlite'
      ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`.execute(handle.db)).rows.map((r) => r.name)
      : (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(handle.db)).rows.map((r) => r.name);
  const out: Record<string, string[]> = {};
  for (const name of names) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(handle.db)).rows;
    out[name] = rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : typeof v === 'bigint' ? String(v) : v))).sort();
  }
  return out;
}
