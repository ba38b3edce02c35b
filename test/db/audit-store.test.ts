// The audit log on the real databases: chained appends in the caller's
// transaction, rollback with the action, one writer per chain under
// concurrency, and the database refusing to rewrite history.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, verifyStore, verifyStoredChain, type AuditEventInput } from '../../src/audit/index.ts';
import { KyselyAuditStore, type DatabaseHandle } from '../../src/db/index.ts';
import { DIALECTS, openTestDatabase } from '../support/db.ts';

const event = (i: number, practiceId = 'prac-1'): AuditEventInput => ({
  practiceId,
  actor: { type: 'user', id: 'usr-7' },
  action: 'voicemail.play',
  object: { type: 'voicemail', id: `vm-${i}` },
  sourceIp: '192.0.2.10',
  outcome: 'success',
  details: { box: 'vmb-3', heard: true, n: i },
});

describe.each(DIALECTS)('Kysely audit store on %s', (dialect) => {
  let h: DatabaseHandle;
  let store: KyselyAuditStore;
  let log: AuditLog<Parameters<KyselyAuditStore['append']>[0]>;

  beforeAll(async () => {
    h = await openTestDatabase(dialect);
    store = new KyselyAuditStore(h.db);
    log = new AuditLog({ store, clock: { now: () => Date.now() } });
  });
  afterAll(() => h.close());

  it('appends linked events that read back exactly as hashed', async () => {
    for (let i = 1; i <= 3; i++) await h.db.transaction().execute((tx) => log.record(tx, event(i)));
    const rows = await store.readRange('prac-1');
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(rows[0]).toMatchObject({ actor: { type: 'user', id: 'usr-7' }, object: { type: 'voicemail', id: 'vm-1' }, sourceIp: '192.0.2.10', details: { box: 'vmb-3', heard: true, n: 1 } });
    expect(rows[1]!.prevHash).toBe(rows[0]!.hash);
    expect(await store.head('prac-1')).toEqual({ seq: 3, hash: rows[2]!.hash });
    expect(await verifyStoredChain(store, 'prac-1')).toMatchObject({ ok: true, count: 3 });
    expect(await store.readRange('prac-1', { fromSeq: 2, limit: 1 })).toHaveLength(1);
  });

  it('rolls back with the action: no event, no gap, head unchanged', async () => {
    const before = await store.head('prac-1');
    await expect(
      h.db.transaction().execute(async (tx) => {
        await log.record(tx, event(99));
        throw new Error('action failed after auditing');
      }),
    ).rejects.toThrow('action failed');
    expect(await store.head('prac-1')).toEqual(before);
    await h.db.transaction().execute((tx) => log.record(tx, event(4)));
    expect((await store.readRange('prac-1')).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
  });

  it('keeps one chain per practice and seq gap-free under concurrent writers', async () => {
    await Promise.all(Array.from({ length: 12 }, (_, i) => h.db.transaction().execute((tx) => log.record(tx, event(i, i % 2 === 0 ? 'prac-2' : 'prac-3')))));
    for (const chain of ['prac-2', 'prac-3']) expect((await store.readRange(chain)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    const all = await verifyStore(store);
    expect(all.ok).toBe(true);
    expect(await store.chainKeys()).toEqual(['prac-1', 'prac-2', 'prac-3']);
  });

  it('refuses to update or delete an event, or move a head back', async () => {
    await expect(h.db.updateTable('audit_events').set({ action: 'voicemail.list' }).where('chain_key', '=', 'prac-1').where('seq', '=', 2).execute()).rejects.toThrow(/append-only/);
    await expect(h.db.deleteFrom('audit_events').where('chain_key', '=', 'prac-1').where('seq', '=', 4).execute()).rejects.toThrow(/append-only/);
    await expect(h.db.updateTable('audit_chain_heads').set({ seq: 1 }).where('chain_key', '=', 'prac-1').execute()).rejects.toThrow(/forward/);
    await expect(h.db.deleteFrom('audit_chain_heads').where('chain_key', '=', 'prac-1').execute()).rejects.toThrow(/forward/);
    expect(await verifyStoredChain(store, 'prac-1')).toMatchObject({ ok: true, count: 4 });
  });

  it('refuses a second event at a seq already taken (the fork backstop)', async () => {
    const [first] = await store.readRange('prac-1', { fromSeq: 1, toSeq: 1 });
    await expect(h.db.insertInto('audit_events').values({ chain_key: 'prac-1', seq: 1, id: 'forged', at: first!.at, practice_id: 'prac-1', actor_type: 'user', actor_id: 'x', action: 'a.b', object_type: null, object_id: null, source_ip: null, outcome: 'success', details: '{}', prev_hash: first!.prevHash, hash: first!.hash }).execute()).rejects.toThrow();
  });

  it('lets verify catch an edit made by someone who got past the triggers', async () => {
    const chain = 'prac-tamper';
    for (let i = 1; i <= 4; i++) await h.db.transaction().execute((tx) => log.record(tx, event(i, chain)));
    await h.db.transaction().execute(async (tx) => {
      if (dialect === 'postgres') await sql`SET LOCAL session_replication_role = replica`.execute(tx);
      else await sql`DROP TRIGGER audit_events_no_update`.execute(tx);
      await tx.updateTable('audit_events').set({ object_id: 'vm-other' }).where('chain_key', '=', chain).where('seq', '=', 3).execute();
    });
    expect(await verifyStoredChain(store, chain)).toMatchObject({ ok: false, break: { seq: 3, reason: 'hash_mismatch' }, verifiedCount: 2 });
    expect((await verifyStore(store)).ok).toBe(false);
  });

  it('still verifies a chain whose head row was moved to seq 0 or deleted (review finding: verify used to skip it)', async () => {
    for (const [chain, doctor] of [
      ['prac-hidden-0', (tx: typeof h.db) => tx.updateTable('audit_chain_heads').set({ seq: 0, hash: '0'.repeat(64) }).where('chain_key', '=', 'prac-hidden-0').execute()],
      ['prac-hidden-x', (tx: typeof h.db) => tx.deleteFrom('audit_chain_heads').where('chain_key', '=', 'prac-hidden-x').execute()],
    ] as const) {
      for (let i = 1; i <= 2; i++) await h.db.transaction().execute((tx) => log.record(tx, event(i, chain)));
      await h.db.transaction().execute(async (tx) => {
        if (dialect === 'postgres') await sql`SET LOCAL session_replication_role = replica`.execute(tx);
        else {
          await sql`DROP TRIGGER IF EXISTS audit_chain_heads_forward_only`.execute(tx);
          await sql`DROP TRIGGER IF EXISTS audit_chain_heads_no_delete`.execute(tx);
        }
        await doctor(tx as unknown as typeof h.db);
      });
      expect(await store.chainKeys()).toContain(chain);
      const report = await verifyStore(store);
      expect(report.ok).toBe(false);
      expect(report.chains.find((c) => c.chain === chain)?.result).toMatchObject({ ok: false, break: { seq: 2, reason: 'head_mismatch' } });
    }
  });

  it('finds events by actor, action, object and time, newest first', async () => {
    const rows = await store.query({ chainKey: 'prac-1', objectId: 'vm-2', limit: 10 });
    expect(rows.map((r) => r.seq)).toEqual([2]);
    expect((await store.query({ chainKey: 'prac-1', actorId: 'usr-7', limit: 2 })).map((r) => r.seq)).toEqual([4, 3]);
    expect((await store.query({ chainKey: 'prac-1', actorId: 'usr-7', beforeSeq: 3, limit: 5 })).map((r) => r.seq)).toEqual([2, 1]);
    expect(await store.query({ chainKey: 'prac-1', to: '2000-01-01T00:00:00.000Z', limit: 5 })).toEqual([]);
    expect(await store.seqRangeForTime('prac-1', '2000-01-01T00:00:00.000Z', undefined)).toEqual({ fromSeq: 1, toSeq: 4 });
  });
});
