// Keyed audit chains (src/audit/audit-key.ts): each event names the audit key
// that tags it and carries the tag. Both null on events written before this
// migration; verify accepts those only before the chain's first keyed event.
import type { Kysely } from 'kysely';
import type { MigrationDialect } from './index.ts';

export async function up(db: Kysely<unknown>, _dialect: MigrationDialect): Promise<void> {
  await db.schema.alterTable('audit_events').addColumn('key_id', 'text').execute();
  await db.schema.alterTable('audit_events').addColumn('mac', 'text').execute();
}
