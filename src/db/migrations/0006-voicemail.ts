// Voicemail messages and custom greetings. A message row is written when
// recording starts (state 'recording'), so a crash mid-message leaves a row
// that start-up recovery finishes as a partial message. Audio, transcripts
// and greetings live sealed in the vault; rows hold object ids only. The
// caller's number is PHI and is not stored at all.
import { sql, type Kysely } from 'kysely';
import type { MigrationDialect } from './index.ts';

export async function up(db: Kysely<unknown>, _dialect: MigrationDialect): Promise<void> {
  await db.schema
    .createTable('voicemail_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('practice_id', 'text', (c) => c.notNull().references('practices.id').onDelete('cascade'))
    .addColumn('box_id', 'text', (c) => c.notNull().references('voicemail_boxes.id').onDelete('cascade'))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('recording', 'committed')`))
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('heard', 'integer', (c) => c.notNull())
    .addColumn('partial', 'integer', (c) => c.notNull())
    .addColumn('audio_object_id', 'text', (c) => c.notNull())
    .addColumn('transcript_object_id', 'text')
    .addColumn('transcript_engine', 'text')
    // What still has to happen after the commit: notices and transcription,
    // resumed by the worker after a restart.
    .addColumn('followups', 'text', (c) => c.notNull().check(sql`followups in ('pending', 'transcribing', 'done')`))
    .execute();
  await db.schema.createIndex('voicemail_messages_box').on('voicemail_messages').columns(['box_id', 'state', 'heard', 'received_at']).execute();
  await db.schema.createIndex('voicemail_messages_followups').on('voicemail_messages').columns(['followups', 'state']).execute();

  await db.schema
    .createTable('voicemail_greetings')
    .addColumn('box_id', 'text', (c) => c.notNull().references('voicemail_boxes.id').onDelete('cascade'))
    .addColumn('which', 'text', (c) => c.notNull().check(sql`which in ('unavailable', 'busy')`))
    .addColumn('practice_id', 'text', (c) => c.notNull().references('practices.id').onDelete('cascade'))
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .addPrimaryKeyConstraint('voicemail_greetings_pk', ['box_id', 'which'])
    .execute();
}
