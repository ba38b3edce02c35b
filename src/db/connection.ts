// Opens Sotto's database: SQLite in the data dir by default, PostgreSQL when
// a postgres:// URL is configured. Both run the same Kysely migrations.
import { closeSync, existsSync, openSync } from 'node:fs';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, sql, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrationProvider, type MigrationDialect } from './migrations/index.ts';
import type { Database } from './schema.ts';
import { DatabaseError } from './errors.ts';

export type DatabaseTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: MigrationDialect;
  /**
   * The SQLite connection under `db` (SQLite only), for hot paths that keep
   * prepared statements. Use it only when `!sqlite.inTransaction`: Kysely
   * shares this one connection and may hold a transaction open across awaits.
   */
  sqlite?: SQLite.Database;
  close(): Promise<void>;
}

export function openDatabase(target: DatabaseTarget): DatabaseHandle {
  if (target.kind === 'sqlite') {
    let sqlite: SQLite.Database;
    try {
      if (target.path !== ':memory:' && !existsSync(target.path)) {
        // Create the file owner-only before SQLite opens it with the umask's mode.
        closeSync(openSync(target.path, 'a', 0o600));
      }
      sqlite = new SQLite(target.path);
      sqlite.pragma('journal_mode = WAL');
    } catch (e) {
      // A missing folder, no permission, or a file that is not a SQLite database: the operator's to fix, not a crash.
      const code = (e as { code?: string }).code ?? 'error';
      throw new DatabaseError('DB_UNREACHABLE', `cannot open the SQLite database ${target.path} (${code}); check SOTTO_DATABASE_URL or SOTTO_DATA_DIR`);
    }
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('synchronous = NORMAL');
    // Crypto-shredding destroys a wrapped key by overwriting its column; with
    // secure_delete off SQLite leaves the old bytes in the page's free space,
    // where a later copy of the file (and the master key) would find them.
    // Freed space is zeroed instead. The WAL keeps old page images until it
    // is checkpointed and truncated: the vault's repositories' scrub() does that
    // after a shred or a key rotation.
    sqlite.pragma('secure_delete = ON');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    return { db, dialect: 'sqlite', sqlite, close: () => db.destroy() };
  }
  const pool = new pg.Pool({ connectionString: target.url, max: 10 });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

export async function migrateToLatest(handle: DatabaseHandle): Promise<void> {
  // Branches land migrations in any order; each runs once whatever its rank.
  const migrator = new Migrator({ db: handle.db, provider: migrationProvider(handle.dialect), allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    // pg's and Node's messages name the host, port, database or role, never the password.
    const reason = error instanceof Error ? error.message : String(error);
    if (failed === undefined) {
      // No migration ran. Either the database could not be reached or used at all (refused, unknown
      // database or role, bad password), or it answers and the migrations could not be planned.
      const answers = await sql`select 1`.execute(handle.db).then(
        () => true,
        () => false,
      );
      if (!answers) throw new DatabaseError('DB_UNREACHABLE', `cannot use the database (SOTTO_DATABASE_URL): ${reason}`);
      // Kysely refuses a database holding a migration this code does not know: a newer Sotto migrated it.
      if (/previously executed migration .* is missing/i.test(reason)) {
        throw new DatabaseError('DB_SCHEMA_NEWER', `the database (SOTTO_DATABASE_URL) was migrated by a newer Sotto: run that version, or restore a backup made with this one (${reason})`);
      }
      throw new DatabaseError('DB_MIGRATION_FAILED', `database migrations could not run (SOTTO_DATABASE_URL): ${reason}`);
    }
    throw new DatabaseError('DB_MIGRATION_FAILED', `database migration ${failed} failed: ${reason}`);
  }
}
