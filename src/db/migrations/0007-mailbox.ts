// Voicemail PIN lockout (mailbox by phone): failed PIN entries counted per
// box and per caller, so guessing a 6-digit PIN is stopped after a few tries
// and a restart does not reset the count. A row holds a key (a box id, or a
// SHA-256 of the caller's id: never a phone number), counts and times in
// epoch milliseconds.
import type { Kysely } from 'kysely';
import type { MigrationDialect } from './index.ts';

export async function up(db: Kysely<unknown>, _dialect: MigrationDialect): Promise<void> {
  await db.schema
    .createTable('voicemail_pin_failures')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('practice_id', 'text', (c) => c.notNull().references('practices.id').onDelete('cascade'))
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('first_failure_at', 'bigint', (c) => c.notNull())
    .addColumn('locked_until', 'bigint')
    .execute();
}
