// The notice outbox (notify/): one row per notice waiting to be sent, so a
// notice survives SMTP being down and a restart. A row holds a job (ids,
// see notify/notice-job.ts), never a rendered mail, an address book entry or
// a transcript. Times are epoch milliseconds: due times are arithmetic.
import { sql, type Kysely } from 'kysely';
import type { MigrationDialect } from './index.ts';

export async function up(db: Kysely<unknown>, _dialect: MigrationDialect): Promise<void> {
  await db.schema
    .createTable('notify_outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('job', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pending', 'failed')`))
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_error_code', 'text')
    .execute();
  // At most one pending entry per job key; failed ones stay for the operator
  // and do not block the same job from being queued again. Partial indexes
  // read the same on SQLite and PostgreSQL.
  await sql`create unique index notify_outbox_pending_key on notify_outbox (key) where state = 'pending'`.execute(db);
  // claimDue: pending rows by due time.
  await db.schema.createIndex('notify_outbox_due').on('notify_outbox').columns(['state', 'next_attempt_at']).execute();
}
