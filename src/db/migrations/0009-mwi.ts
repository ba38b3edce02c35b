// Message-waiting subscriptions (RFC 6665 over RFC 3842): one row per
// active subscription, holding what the notifier needs to send a NOTIFY in
// its dialog after a restart. Phones keep a subscription for up to an hour;
// without these rows a voicemail left after a restart would not light the
// lamp until the phone happened to re-subscribe.
//
// The subscriber's URIs (Contact, From, To) sit here in the clear, as the
// registrar's sip_bindings.contact does: they name the practice's own staff
// phones (directory data, not patient data), the SIP layer reads them on
// every NOTIFY, and they are never logged. Times are epoch milliseconds.
import type { Kysely } from 'kysely';
import type { MigrationDialect } from './index.ts';

export async function up(db: Kysely<unknown>, _dialect: MigrationDialect): Promise<void> {
  await db.schema
    .createTable('mwi_subscriptions')
    // RFC 3261 12: a dialog is its Call-ID and the two tags; ours (the To tag we chose) finds it.
    .addColumn('call_id', 'text', (c) => c.notNull())
    .addColumn('local_tag', 'text', (c) => c.notNull())
    .addColumn('remote_tag', 'text', (c) => c.notNull())
    .addColumn('practice_id', 'text', (c) => c.notNull().references('practices.id').onDelete('cascade'))
    .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addColumn('box_id', 'text', (c) => c.notNull().references('voicemail_boxes.id').onDelete('cascade'))
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text')
    .addColumn('local_uri', 'text', (c) => c.notNull())
    .addColumn('remote_uri', 'text', (c) => c.notNull())
    .addColumn('remote_target', 'text', (c) => c.notNull())
    // JSON array of Route values, in the order they are sent.
    .addColumn('route_set', 'text', (c) => c.notNull())
    .addColumn('remote_cseq', 'bigint', (c) => c.notNull())
    // The highest CSeq a NOTIFY may carry before this row is rewritten (see pbx/mwi/subscription-store.ts).
    .addColumn('cseq_reserved', 'bigint', (c) => c.notNull())
    .addColumn('transport', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('mwi_subscriptions_pk', ['call_id', 'local_tag'])
    .execute();
  await db.schema.createIndex('mwi_subscriptions_device').on('mwi_subscriptions').column('device_id').execute();
  await db.schema.createIndex('mwi_subscriptions_box').on('mwi_subscriptions').column('box_id').execute();
}
