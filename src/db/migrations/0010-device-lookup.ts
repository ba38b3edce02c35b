// Every REGISTER and every INVITE finds its device by digest realm and
// username (the registrar's credential read, the B2BUA's caller check).
// The only index on those columns was the unique (practice_id,
// sip_username), which a lookup by realm cannot use: SQLite scanned the whole
// devices table on each request (EXPLAIN QUERY PLAN: SCAN devices), a cost
// that grows with the practice. Not unique: uniqueness stays per practice.
import type { Kysely } from 'kysely';
import type { MigrationDialect } from './index.ts';

export async function up(db: Kysely<unknown>, _dialect: MigrationDialect): Promise<void> {
  await db.schema.createIndex('devices_realm_username').on('devices').columns(['realm', 'sip_username']).execute();
}
