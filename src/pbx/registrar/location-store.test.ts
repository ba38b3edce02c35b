import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestDatabase } from '../../../test/support/db.ts';
import type { DatabaseHandle } from '../../db/index.ts';
import { addDevice, addUser, CLI_ACTOR, createPractice } from '../../directory/index.ts';
import type { Binding } from './binding.ts';
import { KyselyLocationStore, type BindingWrite } from './location-store.ts';

describe.each(DIALECTS)('location store on %s', (dialect) => {
  let h: DatabaseHandle;
  let store: KyselyLocationStore;
  let practiceId: string;
  let deviceId: string;
  const now = Date.parse('2026-11-28T10:00:00Z');
  const binding = (contact: string, expiresAt = now + 60_000): Binding => ({
    aor: `${practiceId}:101`,
    contact,
    callId: 'c1',
    cseq: 7,
    expiresAt,
    q: 0.5,
    instanceId: null,
    regId: 1,
    source: { transport: 'tcp', address: '::1', port: 5070 },
    deviceId,
    userAgent: 'Test Phone 1.0',
  });

  beforeAll(async () => {
    h = await openTestDatabase(dialect);
    // SQLite: the prepared-statement path (what `sotto start` runs); PostgreSQL: Kysely.
    store = new KyselyLocationStore(h.db, h.sqlite);
    const p = await createPractice(h.db, { name: 'P', tier: 'pro', sipDomain: `loc-${dialect}.example` });
    practiceId = p.id;
    const { user } = await addUser(h.db, p.id, { email: 'a@p.example', displayName: 'A', role: 'staff', extension: '101' }, CLI_ACTOR);
    deviceId = (await addDevice(h.db, p.id, user.id, { kind: 'desk_phone' }, CLI_ACTOR)).device.id;
  });
  afterAll(() => h.close());

  it('round-trips bindings and applies updates atomically', async () => {
    const aor = `${practiceId}:101`;
    await store.apply(practiceId, aor, [binding('sip:101@192.0.2.1'), binding('sip:101@192.0.2.2')], []);
    expect(await store.lookup(aor)).toEqual([binding('sip:101@192.0.2.1'), binding('sip:101@192.0.2.2')]);
    await store.apply(practiceId, aor, [{ ...binding('sip:101@192.0.2.1'), cseq: 8 }], ['sip:101@192.0.2.2']);
    expect((await store.lookup(aor)).map((b) => [b.contact, b.cseq])).toEqual([['sip:101@192.0.2.1', 8]]);
  });

  it('expires bindings on time and drops a disabled device’s bindings', async () => {
    const aor = `${practiceId}:101`;
    await store.apply(practiceId, aor, [binding('sip:101@192.0.2.3', now - 1)], []);
    expect(await store.purgeExpired(now)).toBe(1);
    expect(await store.removeDevice(deviceId)).toBe(1);
    expect(await store.lookup(aor)).toEqual([]);
  });

  it('a group commit reports the row refused for its own sake and commits the rest; a refusing database fails it whole', async () => {
    const aor = `${practiceId}:101`;
    const stale: BindingWrite = { kind: 'upsert', practiceId, binding: { ...binding('sip:101@192.0.2.21'), deviceId: 'no-such-device' } };
    const dropped = await store.applyBatch([{ kind: 'upsert', practiceId, binding: binding('sip:101@192.0.2.20') }, stale]);
    expect(dropped.map((d) => d.write)).toEqual([stale]);
    expect((await store.lookup(aor)).map((b) => b.contact)).toEqual(['sip:101@192.0.2.20']);
    if (h.sqlite) {
      // Read-only (as a full disk or a failing volume would be): the whole batch rejects, nothing is dropped silently.
      h.sqlite.pragma('query_only = 1');
      try {
        await expect(store.applyBatch([{ kind: 'remove', aor, contact: 'sip:101@192.0.2.20' }, { kind: 'upsert', practiceId, binding: binding('sip:101@192.0.2.22') }])).rejects.toMatchObject({ code: 'SQLITE_READONLY' });
      } finally {
        h.sqlite.pragma('query_only = 0');
      }
      expect((await store.lookup(aor)).map((b) => b.contact)).toEqual(['sip:101@192.0.2.20']);
    }
    expect(await store.applyBatch([{ kind: 'remove', aor, contact: 'sip:101@192.0.2.20' }])).toEqual([]);
  });

  it('a write while another Kysely transaction is open neither joins nor is lost with its rollback', async () => {
    const aor = `${practiceId}:101`;
    let began!: () => void;
    const open = new Promise<void>((r) => (began = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const other = h.db.transaction().execute(async (trx) => {
      await trx.selectFrom('sip_bindings').select('aor').execute();
      began();
      await released;
      throw new Error('roll back');
    });
    await open;
    const write = store.apply(practiceId, aor, [binding('sip:101@192.0.2.9')], []);
    release();
    await expect(other).rejects.toThrow('roll back');
    await write;
    expect((await store.lookup(aor)).map((b) => b.contact)).toEqual(['sip:101@192.0.2.9']);
  });
});
