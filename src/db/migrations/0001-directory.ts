// The directory: practices and their policy, users, extensions, voicemail
// boxes, SIP devices, per-user voicemail settings, API tokens, and the record
// of who switched which PHI-bearing feature on or off.
import { sql, type Kysely } from 'kysely';
import type { MigrationDialect } from './index.ts';

export async function up(db: Kysely<unknown>, dialect: MigrationDialect): Promise<void> {
  const autoIncrement = dialect === 'postgres' ? sql`bigserial primary key` : sql`integer primary key autoincrement`;

  await db.schema
    .createTable('practices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('tier', 'text', (c) => c.notNull())
    .addColumn('sip_domain', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  let policy = db.schema
    .createTable('practice_policy')
    .addColumn('practice_id', 'text', (c) => c.primaryKey().references('practices.id').onDelete('cascade'));
  for (const flag of [
    'voicemail_email_notices',
    'email_attachments_allowed',
    'email_transcripts_allowed',
    'voicemail_transcription',
    'virtual_fax',
    'texting',
    'call_recording',
    'video_meetings',
    'meeting_recording',
    'call_queues',
    'require_srtp',
  ]) {
    policy = policy.addColumn(flag, 'integer', (c) => c.notNull());
  }
  for (const days of [
    'retention_voicemail_days',
    'retention_fax_days',
    'retention_text_days',
    'retention_transcript_days',
    'retention_call_recording_days',
    'retention_meeting_recording_days',
    'retention_audit_days',
  ]) {
    policy = policy.addColumn(days, 'integer', (c) => c.notNull());
  }
  await policy
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('practice_id', 'text', (c) => c.notNull().references('practices.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('disabled_at', 'text')
    .addUniqueConstraint('users_practice_email', ['practice_id', 'email'])
    .execute();

  await db.schema
    .createTable('extensions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('practice_id', 'text', (c) => c.notNull().references('practices.id').onDelete('cascade'))
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('extensions_practice_number', ['practice_id', 'number'])
    .execute();

  await db.schema
    .createTable('voicemail_boxes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('practice_id', 'text', (c) => c.notNull().references('practices.id').onDelete('cascade'))
    .addColumn('extension_id', 'text', (c) => c.notNull().unique().references('extensions.id'))
    .addColumn('owner_user_id', 'text', (c) => c.references('users.id'))
    .addColumn('pin_hash', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('voicemail_box_grants')
    .addColumn('box_id', 'text', (c) => c.notNull().references('voicemail_boxes.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('granted_by', 'text')
    .addColumn('granted_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('voicemail_box_grants_pk', ['box_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('devices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('practice_id', 'text', (c) => c.notNull().references('practices.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('extension_id', 'text', (c) => c.notNull().references('extensions.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('sip_username', 'text', (c) => c.notNull())
    .addColumn('realm', 'text', (c) => c.notNull())
    .addColumn('ha1_md5', 'text', (c) => c.notNull())
    .addColumn('ha1_sha256', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('disabled_at', 'text')
    .addUniqueConstraint('devices_practice_username', ['practice_id', 'sip_username'])
    .execute();

  await db.schema
    .createTable('voicemail_settings')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('practice_id', 'text', (c) => c.notNull().references('practices.id').onDelete('cascade'))
    .addColumn('email_notifications', 'integer', (c) => c.notNull())
    .addColumn('attach_audio', 'integer', (c) => c.notNull())
    .addColumn('include_transcript', 'integer', (c) => c.notNull())
    .addColumn('transcription', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('practice_id', 'text', (c) => c.notNull().references('practices.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();

  await db.schema
    .createTable('feature_changes')
    .addColumn('seq', sql`${autoIncrement}`)
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('practice_id', 'text', (c) => c.notNull().references('practices.id').onDelete('cascade'))
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('feature', 'text', (c) => c.notNull())
    .addColumn('old_value', 'text')
    .addColumn('new_value', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createIndex('users_practice').on('users').column('practice_id').execute();
  await db.schema.createIndex('devices_user').on('devices').column('user_id').execute();
  await db.schema.createIndex('feature_changes_practice').on('feature_changes').columns(['practice_id', 'seq']).execute();
}
