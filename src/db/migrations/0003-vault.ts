// The vault's records (src/vault/repositories.ts): wrapped keys, sealed
// objects, deletion receipts and per-user legal holds. No PHI: ids, kinds,
// sizes, times and encrypted keys only.
import { sql, type Kysely } from 'kysely';
import type { MigrationDialect } from './index.ts';

export async function up(db: Kysely<unknown>, dialect: MigrationDialect): Promise<void> {
  const bytes = dialect === 'postgres' ? sql`bytea` : sql`blob`;
  const big = dialect === 'postgres' ? sql`bigint` : sql`integer`;

  await db.schema
    .createTable('vault_data_keys')
    .addColumn('key_id', 'text', (c) => c.primaryKey())
    .addColumn('practice_id', 'text', (c) => c.notNull().unique().references('practices.id'))
    .addColumn('wrapped_key', bytes, (c) => c.notNull())
    .addColumn('master_key_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('rotated_at', 'text')
    .execute();

  await db.schema
    .createTable('vault_objects')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('practice_id', 'text', (c) => c.notNull().references('practices.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('owner_user_id', 'text')
    .addColumn('data_key_id', 'text', (c) => c.notNull().references('vault_data_keys.key_id'))
    .addColumn('wrapped_content_key', bytes)
    .addColumn('blob_ref', 'text', (c) => c.notNull().unique())
    .addColumn('size', big)
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('sealed_at', 'text')
    .addColumn('retention_deadline', 'text')
    .addColumn('legal_hold', 'integer', (c) => c.notNull())
    .addColumn('shred_reason', 'text')
    .execute();
  await db.schema.createIndex('vault_objects_state').on('vault_objects').column('state').execute();
  await db.schema.createIndex('vault_objects_deadline').on('vault_objects').column('retention_deadline').execute();

  await db.schema
    .createTable('vault_deletion_receipts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('practice_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('vault_user_holds')
    .addColumn('practice_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('placed_at', 'text', (c) => c.notNull())
    .addColumn('reference', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('vault_user_holds_pk', ['practice_id', 'user_id'])
    .execute();
}
