// Who may see what: the audit log (append-only, hash-chained, one chain per
// practice), portal sessions, MFA state on users, recovery codes and
// break-glass grants. The audit tables carry their own protections so that a
// bug or a careless script cannot rewrite history: a unique (chain, seq) so a
// writer that slipped past the chain lock fails instead of forking, and
// triggers that refuse UPDATE and DELETE on events (and any move backwards of
// a chain head). Someone with raw database access can still drop a trigger;
// the hash chain is what catches them (`sotto audit verify`).
import { sql, type Kysely } from 'kysely';
import type { MigrationDialect } from './index.ts';

export async function up(db: Kysely<unknown>, dialect: MigrationDialect): Promise<void> {
  await db.schema.alterTable('users').addColumn('totp_secret_sealed', 'text').execute();
  await db.schema.alterTable('users').addColumn('totp_pending_sealed', 'text').execute();
  await db.schema.alterTable('users').addColumn('totp_last_step', 'bigint').execute();
  await db.schema.alterTable('users').addColumn('mfa_enrolled_at', 'text').execute();

  await db.schema
    .createTable('user_recovery_codes')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('idx', 'integer', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addPrimaryKeyConstraint('user_recovery_codes_pk', ['user_id', 'idx'])
    .execute();

  // No foreign key to practices: the log must outlive anything it talks about.
  await db.schema
    .createTable('audit_events')
    .addColumn('chain_key', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('practice_id', 'text')
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('object_type', 'text')
    .addColumn('object_id', 'text')
    .addColumn('source_ip', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_events_chain_seq', ['chain_key', 'seq'])
    .execute();
  await db.schema.createIndex('audit_events_chain_at').on('audit_events').columns(['chain_key', 'at']).execute();
  await db.schema.createIndex('audit_events_chain_actor').on('audit_events').columns(['chain_key', 'actor_id', 'seq']).execute();
  await db.schema.createIndex('audit_events_chain_object').on('audit_events').columns(['chain_key', 'object_id', 'seq']).execute();

  await db.schema
    .createTable('audit_chain_heads')
    .addColumn('chain_key', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('practice_id', 'text', (c) => c.notNull().references('practices.id').onDelete('cascade'))
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('absolute_expires_at', 'bigint', (c) => c.notNull())
    .addColumn('idle_timeout_ms', 'bigint', (c) => c.notNull())
    .addColumn('source_ip', 'text')
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();

  await db.schema
    .createTable('break_glass_grants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('practice_id', 'text', (c) => c.notNull().references('practices.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('source_ip', 'text')
    .execute();
  await db.schema.createIndex('break_glass_user').on('break_glass_grants').columns(['user_id', 'expires_at']).execute();

  if (dialect === 'postgres') {
    await sql`
      CREATE FUNCTION sotto_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`.execute(db);
    await sql`CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION sotto_audit_append_only()`.execute(db);
    await sql`CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION sotto_audit_append_only()`.execute(db);
    await sql`
      CREATE FUNCTION sotto_audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' OR NEW.seq < OLD.seq OR NEW.chain_key <> OLD.chain_key THEN
          RAISE EXCEPTION 'audit chain heads only move forward' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`.execute(db);
    await sql`CREATE TRIGGER audit_chain_heads_forward_only BEFORE UPDATE OR DELETE ON audit_chain_heads FOR EACH ROW EXECUTE FUNCTION sotto_audit_head_forward_only()`.execute(db);
  } else {
    await sql`CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only (UPDATE refused)'); END`.execute(db);
    await sql`CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only (DELETE refused)'); END`.execute(db);
    await sql`
      CREATE TRIGGER audit_chain_heads_forward_only BEFORE UPDATE ON audit_chain_heads
      WHEN NEW.seq < OLD.seq OR NEW.chain_key <> OLD.chain_key
      BEGIN SELECT RAISE(ABORT, 'audit chain heads only move forward'); END`.execute(db);
    await sql`CREATE TRIGGER audit_chain_heads_no_delete BEFORE DELETE ON audit_chain_heads BEGIN SELECT RAISE(ABORT, 'audit chain heads only move forward'); END`.execute(db);
  }
}
