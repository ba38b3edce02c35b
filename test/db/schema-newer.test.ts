// A database a newer Sotto has migrated holds a migration this code does not
// know. Starting on it must say so (DB_SCHEMA_NEWER), not send the operator
// to check SOTTO_DATABASE_URL as if the database could not be reached.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatabaseError, migrateToLatest, openDatabase } from '../../src/db/index.ts';

describe('a database migrated by a newer Sotto', () => {
  it('is refused with DB_SCHEMA_NEWER', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sotto-schema-')), 'sotto.db');
    const first = openDatabase({ kind: 'sqlite', path });
    await migrateToLatest(first);
    first.sqlite!.prepare('INSERT INTO kysely_migration (name, timestamp) VALUES (?, ?)').run('9999-from-the-future', new Date().toISOString());
    await first.close();

    const again = openDatabase({ kind: 'sqlite', path });
    try {
      const e = await migrateToLatest(again).then(() => undefined, (err: unknown) => err);
      expect(e).toBeInstanceOf(DatabaseError);
      expect((e as DatabaseError).code).toBe('DB_SCHEMA_NEWER');
      expect((e as DatabaseError).message).toContain('newer Sotto');
    } finally {
      await again.close();
    }
  });
});
