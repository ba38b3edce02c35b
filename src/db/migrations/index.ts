// Migrations are listed here in order, so the set that runs is explicit and
// identical on SQLite and PostgreSQL (no directory scanning at runtime).
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-directory.ts';
import * as m0002 from './0002-access.ts';
import * as m0003 from './0003-vault.ts';
import * as m0004 from './0004-registrations.ts';
import * as m0005 from './0005-notify-outbox.ts';
import * as m0006 from './0006-voicemail.ts';
import * as m0007 from './0007-mailbox.ts';
import * as m0008 from './0008-calls.ts';
import * as m0009 from './0009-mwi.ts';
import * as m0010 from './0010-device-lookup.ts';
import * as m0011 from './0011-audit-key.ts';

export type MigrationDialect = 'sqlite' | 'postgres';

interface DialectMigration {
  up(db: Kysely<unknown>, dialect: MigrationDialect): Promise<void>;
}

const ordered: Array<[string, DialectMigration]> = [
  ['0001-directory', m0001],
  ['0002-access', m0002],
  ['0003-vault', m0003],
  ['0004-registrations', m0004],
  ['0005-notify-outbox', m0005],
  ['0006-voicemail', m0006],
  ['0007-mailbox', m0007],
  ['0008-calls', m0008],
  ['0009-mwi', m0009],
  ['0010-device-lookup', m0010],
  ['0011-audit-key', m0011],
];

export function migrationProvider(dialect: MigrationDialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      const out: Record<string, Migration> = {};
      for (const [name, m] of ordered) out[name] = { up: (db) => m.up(db, dialect) };
      return out;
    },
  };
}
