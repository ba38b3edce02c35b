import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../test/support/db.ts';
import type { DatabaseHandle } from '../../db/index.ts';
import { addDevice, addUser, CLI_ACTOR, createPractice } from '../../directory/index.ts';
import type { Binding } from './binding.ts';
import { CachedLocationStore } from './cached-location-store.ts';
import { KyselyLocationStore, type BindingWrite } from './location-store.ts';

describe('cached location store over SQLite', () => {
  let h: DatabaseHandle;
  let db: KyselyLocationStore;
  let practiceId: string;
  let deviceId: string;
  let otherDeviceId: string;
  const now = Date.parse('2026-11-28T10:00:00Z');
  const binding = (contact: string, o: Partial<Binding> = {}): Binding => ({
    aor: `${practiceId}:101`,
    contact,
    callId: 'c1',
    cseq: 7,
    expiresAt: now + 60_000,
    q: null,
    instanceId: null,
    regId: null,
    source: { transport: 'udp', address: '192.0.2.1', port: 5060 },
    deviceId,
    userAgent: null,
    ...o,
  });
  /** A store that never flushes on its own: each test says when. */
  const open = () => CachedLocationStore.open(db, { flushIntervalMs: 3_600_000, reloadCheckMs: 0 });

  beforeAll(async () => {
    h = await openTestDatabase('sqlite');
    db = new KyselyLocationStore(h.db, h.sqlite);
    const p = await createPractice(h.db, { name: 'P', tier: 'pro', sipDomain: 'cache.example' });
    practiceId = p.id;
    const { user } = await addUser(h.db, p.id, { email: 'a@p.example', displayName: 'A', role: 'staff', extension: '101' }, CLI_ACTOR);
    deviceId = (await addDevice(h.db, p.id, user.id, { kind: 'desk_phone' }, CLI_ACTOR)).device.id;
    otherDeviceId = (await addDevice(h.db, p.id, user.id, { kind: 'softphone' }, CLI_ACTOR)).device.id;
  });
  afterAll(() => h.close());

  it('holds a change in memory at once and settles apply() only once the database has it, ordered as the database orders', async () => {
    const aor = `${practiceId}:101`;
    const store = await open();
    let settled = false;
    const committed = store.apply(practiceId, aor, [binding('sip:101@192.0.2.2'), binding('sip:101@192.0.2.1')], []).then(() => {
      settled = true;
    });
    expect((await store.lookup(aor)).map((b) => b.contact)).toEqual(['sip:101@192.0.2.1', 'sip:101@192.0.2.2']);
    expect(await db.lookup(aor)).toEqual([]);
    // The registrar's 200 OK waits on apply(): nothing is answered before the commit.
    expect(settled).toBe(false);
    await store.flush();
    await committed;
    expect(await db.lookup(aor)).toEqual(await store.lookup(aor));
    void store.apply(practiceId, aor, [], ['sip:101@192.0.2.1', 'sip:101@192.0.2.2']);
    await store.close();
    expect(await db.lookup(aor)).toEqual([]);
  });

  it('keeps bindings across a restart: close() commits what was answered', async () => {
    const aor = `${practiceId}:101`;
    const first = await open();
    const committed = first.apply(practiceId, aor, [binding('sip:101@192.0.2.3')], []);
    await first.close();
    await committed;
    const second = await open();
    expect((await second.lookup(aor)).map((b) => b.contact)).toEqual(['sip:101@192.0.2.3']);
    void second.apply(practiceId, aor, [], ['sip:101@192.0.2.3']);
    await second.close();
  });

  it('rejects apply() when its commit fails (no 200 OK), and commits the change on the next flush', async () => {
    let failNext = true;
    const flaky = {
      loadAll: () => db.loadAll(),
      externalVersion: () => db.externalVersion(),
      removeDevice: (id: string) => db.removeDevice(id),
      purgeExpired: (t: number) => db.purgeExpired(t),
      applyBatch: (w: BindingWrite[]) => {
        if (failNext) {
          failNext = false;
          return Promise.reject(new Error('disk full'));
        }
        return db.applyBatch(w);
      },
    };
    const aor = `${practiceId}:101`;
    const store = await CachedLocationStore.open(flaky, { flushIntervalMs: 3_600_000 });
    const committed = store.apply(practiceId, aor, [binding('sip:101@192.0.2.12')], []);
    await expect(store.flush()).rejects.toThrow('disk full');
    await expect(committed).rejects.toThrow('disk full');
    expect(await db.lookup(aor)).toEqual([]);
    await store.flush();
    expect((await db.lookup(aor)).map((b) => b.contact)).toEqual(['sip:101@192.0.2.12']);
    void store.apply(practiceId, aor, [], ['sip:101@192.0.2.12']);
    await store.close();
  });

  it('commits within its flush interval without being asked', async () => {
    const aor = `${practiceId}:101`;
    const store = await CachedLocationStore.open(db, { flushIntervalMs: 1 });
    await store.apply(practiceId, aor, [binding('sip:101@192.0.2.4')], []);
    expect(store.pendingWrites).toBe(0);
    expect((await db.lookup(aor)).map((b) => b.contact)).toEqual(['sip:101@192.0.2.4']);
    await store.apply(practiceId, aor, [], ['sip:101@192.0.2.4']);
    await store.close();
  });

  it('coalesces repeated updates of one contact into one write per group commit', async () => {
    const batches: BindingWrite[][] = [];
    const recording = {
      loadAll: () => db.loadAll(),
      externalVersion: () => db.externalVersion(),
      removeDevice: (id: string) => db.removeDevice(id),
      purgeExpired: (t: number) => db.purgeExpired(t),
      applyBatch: (w: BindingWrite[]) => {
        batches.push(w);
        return db.applyBatch(w);
      },
    };
    const aor = `${practiceId}:101`;
    const store = await CachedLocationStore.open(recording, { flushIntervalMs: 3_600_000 });
    const commits: Promise<void>[] = [];
    for (let cseq = 1; cseq <= 50; cseq++) commits.push(store.apply(practiceId, aor, [binding('sip:101@192.0.2.5', { cseq })], []));
    await store.flush();
    await Promise.all(commits);
    expect(batches.map((b) => b.length)).toEqual([1]);
    expect((await db.lookup(aor)).map((b) => b.cseq)).toEqual([50]);
    void store.apply(practiceId, aor, [], ['sip:101@192.0.2.5']);
    await store.close();
  });

  it("sees another process's writes (a CLI disabling a device) and reloads", async () => {
    const aor = `${practiceId}:101`;
    const store = await open();
    void store.apply(practiceId, aor, [binding('sip:101@192.0.2.6'), binding('sip:101@192.0.2.7', { deviceId: otherDeviceId })], []);
    await store.flush();
    const cli = new SQLite(h.sqlite!.name);
    cli.prepare('DELETE FROM sip_bindings WHERE device_id = ?').run(otherDeviceId);
    cli.close();
    expect((await store.lookup(aor)).map((b) => b.contact)).toEqual(['sip:101@192.0.2.6']);
    await store.removeDevice(deviceId);
    expect(await store.lookup(aor)).toEqual([]);
    expect(await db.lookup(aor)).toEqual([]);
    await store.close();
  });

  it('drops a row whose device is gone without holding back the others', async () => {
    const aor = `${practiceId}:101`;
    const store = await open();
    void store.apply(practiceId, aor, [binding('sip:101@192.0.2.8'), binding('sip:101@192.0.2.9', { deviceId: 'no-such-device' })], []);
    await store.flush();
    expect((await db.lookup(aor)).map((b) => b.contact)).toEqual(['sip:101@192.0.2.8']);
    await store.removeDevice(deviceId);
    await store.close();
  });

  it('purges expired bindings from memory and database', async () => {
    const aor = `${practiceId}:101`;
    const store = await open();
    void store.apply(practiceId, aor, [binding('sip:101@192.0.2.10', { expiresAt: now - 1 }), binding('sip:101@192.0.2.11')], []);
    expect(await store.purgeExpired(now)).toBe(1);
    expect((await store.lookup(aor)).map((b) => b.contact)).toEqual(['sip:101@192.0.2.11']);
    expect((await db.lookup(aor)).map((b) => b.contact)).toEqual(['sip:101@192.0.2.11']);
    await store.removeDevice(deviceId);
    await store.close();
  });
});
