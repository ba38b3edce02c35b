// Keyed audit events on the real databases: the key id and tag read back
// exactly as written, the keyring bound to a database reaches commands through
// its transactions (directory/audit.ts records that way), and two databases
// open in one process never tag with each other's key.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditKeyring, computeEventHash, verifyStoredChain } from '../../src/audit/index.ts';
import { auditKeysOf, bindAuditKeys, KyselyAuditStore, rekeyAuditLog, secureAuditLog, type DatabaseHandle } from '../../src/db/index.ts';
import { recordAudit } from '../../src/directory/audit.ts';
import { DIALECTS, openTestDatabase } from '../support/db.ts';

const ringA = auditKeyring(Buffer.alloc(32, 0xa1));

describe.each(DIALECTS)('keyed audit events on %s', (dialect) => {
  let h: DatabaseHandle;
  let other: DatabaseHandle;

  beforeAll(async () => {
    h = await openTestDatabase(dialect);
    other = await openTestDatabase(dialect);
  });
  afterAll(async () => {
    await h.close();
    await other.close();
  });

  const record = (db: DatabaseHandle, practiceId: string) =>
    db.db.transaction().execute((trx) => recordAudit(trx, practiceId, { type: 'system', id: 'test' }, { action: 'voicemail.deposit', object: { type: 'voicemail', id: 'vm-1' } }));

  it('tags what commands record under the keyring bound to their database, and only that one', async () => {
    bindAuditKeys(h.db, ringA);
    await record(h, 'prac-k');
    await record(h, 'prac-k');
    await record(other, 'prac-k'); // nothing bound there: the pre-keying form
    const store = new KyselyAuditStore(h.db);
    const rows = await store.readRange('prac-k');
    expect(rows.map((r) => r.keyId)).toEqual([ringA.current.id, ringA.current.id]);
    expect(rows[0]!.mac).toMatch(/^[0-9a-f]{64}$/);
    expect(auditKeysOf(other.db)).toBeNull();
    expect((await new KyselyAuditStore(other.db).readRange('prac-k')).map((r) => [r.keyId, r.mac])).toEqual([[null, null]]);
    expect(await verifyStoredChain(store, 'prac-k', ringA)).toMatchObject({ ok: true, count: 2, keyedFrom: { seq: 1 }, authenticated: true });
  });

  it('moves chains on to a new key with a checkpoint, and tags later events under it', async () => {
    const ringB = auditKeyring(Buffer.alloc(32, 0xb2), [Buffer.alloc(32, 0xa1)]);
    expect(await rekeyAuditLog(h.db, ringB)).toEqual([{ chain: 'prac-k', outcome: 'checkpointed', seq: 3, fromKeyId: ringA.current.id }]);
    await record(h, 'prac-k');
    const rows = await new KyselyAuditStore(h.db).readRange('prac-k', { fromSeq: 3 });
    expect(rows.map((r) => [r.action, r.keyId])).toEqual([
      ['audit.key_checkpoint', ringB.current.id],
      ['voicemail.deposit', ringB.current.id],
    ]);
    expect(await verifyStoredChain(new KyselyAuditStore(h.db), 'prac-k', auditKeyring(Buffer.alloc(32, 0xb2)))).toMatchObject({ ok: true, count: 4, authenticated: true });
  });

  it('fails an action recorded by a process opened before the rotation, instead of appending under the old key (review finding: a permanent stale_key break)', async () => {
    const ringB = auditKeyring(Buffer.alloc(32, 0xb2));
    const before = await new KyselyAuditStore(h.db).head('prac-k');
    bindAuditKeys(h.db, ringA); // what the process that opened before `sotto keys rotate` still holds
    await expect(record(h, 'prac-k')).rejects.toMatchObject({ name: 'AuditError', code: 'AUDIT_KEY_SUPERSEDED' });
    expect(await new KyselyAuditStore(h.db).head('prac-k')).toEqual(before);
    bindAuditKeys(h.db, ringB); // the rerun opens with the new key
    await record(h, 'prac-k');
    expect(await verifyStoredChain(new KyselyAuditStore(h.db), 'prac-k', ringB)).toMatchObject({ ok: true, count: 5, authenticated: true });
  });
});

// The keyed-install marker lives beside the master key, whatever the
// database: on PostgreSQL too a database writer who strips every tag is
// refused, not upgraded.
describe.each(DIALECTS)('the keyed-install marker over %s', (dialect) => {
  let h: DatabaseHandle;
  const markerPath = join(mkdtempSync(join(tmpdir(), 'sotto-marker-db-')), 'master.key.audit-marker');
  beforeAll(async () => {
    h = await openTestDatabase(dialect);
  });
  afterAll(() => h.close());

  const record = (practiceId: string) =>
    h.db.transaction().execute((trx) => recordAudit(trx, practiceId, { type: 'system', id: 'test' }, { action: 'voicemail.deposit', object: { type: 'voicemail', id: 'vm-1' } }));

  /** The database writer, past the append-only triggers: every tag of every chain dropped, the links rebuilt, the heads moved. */
  async function stripEveryTag(): Promise<void> {
    if (dialect === 'postgres') await sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`.execute(h.db);
    else await sql`DROP TRIGGER IF EXISTS audit_events_no_update`.execute(h.db);
    const store = new KyselyAuditStore(h.db);
    for (const chain of await store.chainKeys()) {
      let prev = '0'.repeat(64);
      for (const e of await store.readRange(chain)) {
        const hash = computeEventHash(prev, { ...e, keyId: null });
        await h.db.updateTable('audit_events').set({ key_id: null, mac: null, prev_hash: prev, hash }).where('chain_key', '=', chain).where('seq', '=', e.seq).execute();
        prev = hash;
      }
      await h.db.updateTable('audit_chain_heads').set({ hash: prev }).where('chain_key', '=', chain).execute();
    }
  }

  it('upgrades an install that predates keyed chains and writes the marker; refuses the same install stripped of every tag', async () => {
    await record('prac-a'); // nothing bound yet: the pre-keying form
    await record('prac-b');
    const first = await secureAuditLog(h.db, ringA, markerPath);
    expect(first).toMatchObject({ marker: 'absent', written: true, problem: null });
    expect(first.outcomes.map((o) => [o.chain, o.outcome])).toEqual([['prac-a', 'upgraded'], ['prac-b', 'upgraded']]);
    expect(JSON.parse(readFileSync(markerPath, 'utf8'))).toMatchObject({ keyId: ringA.current.id, chains: ['prac-a', 'prac-b'] });
    await record('prac-a');
    await stripEveryTag();
    const events = await new KyselyAuditStore(h.db).readRange('prac-a');
    const again = await secureAuditLog(h.db, ringA, markerPath);
    expect(again.problem).toMatchObject({ code: 'AUDIT_LOG_DOWNGRADED', chains: ['prac-a', 'prac-b'] });
    expect(await new KyselyAuditStore(h.db).readRange('prac-a')).toEqual(events);
  });
});
