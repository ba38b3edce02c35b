// Calls: per-user call settings (do-not-disturb, ring timeout) and call
// detail records. A record names extensions (directory data) and, for a
// caller from outside, only a reference to the caller's number sealed in the
// vault: the number itself is PHI and never sits in this table. Times are
// epoch milliseconds (durations are arithmetic).
import { sql, type Kysely } from 'kysely';
import type { MigrationDialect } from './index.ts';

// As pbx/cdr/call-record.ts on the day this ran; a migration never changes.
const CALL_OUTCOMES = ['answered', 'busy', 'no-answer', 'cancelled', 'failed', 'voicemail'] as const;

export async function up(db: Kysely<unknown>, _dialect: MigrationDialect): Promise<void> {
  await db.schema
    .createTable('call_settings')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('practice_id', 'text', (c) => c.notNull().references('practices.id').onDelete('cascade'))
    .addColumn('do_not_disturb', 'integer', (c) => c.notNull())
    .addColumn('ring_timeout_seconds', 'integer', (c) => c.notNull().check(sql`ring_timeout_seconds between 5 and 120`))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .execute();

  await db.schema
    .createTable('call_records')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('practice_id', 'text', (c) => c.notNull().references('practices.id').onDelete('cascade'))
    .addColumn('caller_extension', 'text')
    .addColumn('caller_number_ref', 'text')
    .addColumn('callee_extension', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('answered_at', 'bigint')
    .addColumn('ended_at', 'bigint', (c) => c.notNull())
    .addColumn('duration_ms', 'bigint', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql.raw(`outcome in (${CALL_OUTCOMES.map((o) => `'${o}'`).join(', ')})`)))
    .execute();
  // The list: a practice's calls, newest first, paged by (started_at, id).
  await db.schema.createIndex('call_records_practice_started').on('call_records').columns(['practice_id', 'started_at', 'id']).execute();
}
