// SIP registrations (the registrar's location service): one row per bound
// contact, so bindings survive a restart and expire on time.
import type { Kysely } from 'kysely';
import type { MigrationDialect } from './index.ts';

export async function up(db: Kysely<unknown>, _dialect: MigrationDialect): Promise<void> {
  await db.schema
    .createTable('sip_bindings')
    .addColumn('aor', 'text', (c) => c.notNull())
    .addColumn('contact', 'text', (c) => c.notNull())
    .addColumn('practice_id', 'text', (c) => c.notNull().references('practices.id').onDelete('cascade'))
    .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addColumn('call_id', 'text', (c) => c.notNull())
    .addColumn('cseq', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('q', 'text')
    .addColumn('instance_id', 'text')
    .addColumn('reg_id', 'integer')
    .addColumn('source_transport', 'text', (c) => c.notNull())
    .addColumn('source_address', 'text', (c) => c.notNull())
    .addColumn('source_port', 'integer', (c) => c.notNull())
    .addColumn('user_agent', 'text')
    .addPrimaryKeyConstraint('sip_bindings_pk', ['aor', 'contact'])
    .execute();
  await db.schema.createIndex('sip_bindings_device').on('sip_bindings').column('device_id').execute();
  await db.schema.createIndex('sip_bindings_expiry').on('sip_bindings').column('expires_at').execute();
}
