import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../test/support/db.ts';
import type { DatabaseHandle } from '../../db/index.ts';
import { addDevice, addUser, CLI_ACTOR, createPractice } from '../../directory/index.ts';
import type { Binding } from './binding.ts';
import { CachedLocationStore } from './cached-location-store.ts';
import { KyselyLocationStore, type BindingWrite, type DroppedWrite } from './location-store.ts';

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

  /** The real backend, with its batch commits held until the test lets each go (or fails it). */
  const gated = () => {
    const held: Array<{ writes: BindingWrite[]; go: () => void; fail: (e: Error) => void }> = [];
    let version = 0;
    let loadGate: Promise<void> | undefined;
    const backend = {
      loadAll: async () => {
        // Read now, answered when let go: a commit may land in between.
        const rows = await db.loadAll();
        await loadGate;
        return rows;
      },
      externalVersion: () => version,
      removeDevice: (id: string) => db.removeDevice(id),
      purgeExpired: (t: number) => db.purgeExpired(t),
      applyBatch: (writes: BindingWrite[]) =>
        new Promise<readonly DroppedWrite[]>((resolve, reject) => {
          held.push({ writes, go: () => resolve(db.applyBatch(writes)), fail: reject });
        }),
    };
    return {
      backend,
      held,
      bumpVersion: () => void version++,
      holdLoads: () => {
        let release!: () => void;
        loadGate = new Promise<void>((r) => (release = r));
        return () => {
          loadGate = undefined;
          release();
        };
      },
    };
  };
  const contacts = async (store: CachedLocationStore, aor: string) => (await store.lookup(aor)).map((b) => [b.contact, b.cseq]);
  const dbContacts = async (aor: string) => (await db.lookup(aor)).map((b) => [b.contact, b.cseq]);

  it('answers a REGISTER whose commit the database refuses with a rejection, and leaves neither memory nor database changed', async () => {
    const aor = `${practiceId}:101`;
    const errors: unknown[] = [];
    const store = await CachedLocationStore.open(db, { flushIntervalMs: 3_600_000, onFlushError: (e) => errors.push(e) });
    await Promise.all([store.apply(practiceId, aor, [binding('sip:101@192.0.2.12', { cseq: 1 })], []), store.flush()]);
    h.sqlite!.pragma('query_only = 1');
    try {
      // A refresh, a new contact, an unregister: each told 500 must have changed nothing.
      const refresh = store.apply(practiceId, aor, [binding('sip:101@192.0.2.12', { cseq: 2 })], []);
      const added = store.apply(practiceId, aor, [binding('sip:101@192.0.2.13')], []);
      await expect(store.flush()).rejects.toThrow(/readonly/i);
      await expect(refresh).rejects.toThrow(/readonly/i);
      await expect(added).rejects.toThrow(/readonly/i);
      expect(await contacts(store, aor)).toEqual([['sip:101@192.0.2.12', 1]]);
      const gone = store.apply(practiceId, aor, [], ['sip:101@192.0.2.12']);
      await expect(store.flush()).rejects.toThrow(/readonly/i);
      await expect(gone).rejects.toThrow(/readonly/i);
      expect(await contacts(store, aor)).toEqual([['sip:101@192.0.2.12', 1]]);
      expect(store.pendingWrites).toBe(0);
    } finally {
      h.sqlite!.pragma('query_only = 0');
    }
    // Nothing is committed later behind the phones' backs either.
    await store.flush();
    expect(await dbContacts(aor)).toEqual([['sip:101@192.0.2.12', 1]]);
    expect(errors).toHaveLength(2);
    await Promise.all([store.apply(practiceId, aor, [], ['sip:101@192.0.2.12']), store.close()]);
  });

  it('rejects when another connection holds the write lock, and does not commit the writes once it is free', async () => {
    const aor = `${practiceId}:101`;
    const store = await open();
    const cli = new SQLite(h.sqlite!.name);
    const timeout = h.sqlite!.pragma('busy_timeout', { simple: true }) as number;
    h.sqlite!.pragma('busy_timeout = 50');
    cli.exec('BEGIN IMMEDIATE');
    try {
      const applies = [1, 2, 3].map((i) => store.apply(practiceId, aor, [binding(`sip:101@192.0.2.2${i}`)], []));
      await expect(store.flush()).rejects.toThrow(/locked|busy/i);
      for (const a of applies) await expect(a).rejects.toThrow(/locked|busy/i);
      expect(await store.lookup(aor)).toEqual([]);
    } finally {
      cli.exec('ROLLBACK');
      cli.close();
      h.sqlite!.pragma(`busy_timeout = ${timeout}`);
    }
    await store.flush();
    expect(await db.lookup(aor)).toEqual([]);
    await store.close();
  });

  it('two REGISTERs of one AOR in one failed commit: both rejected, memory back to the committed rows', async () => {
    const aor = `${practiceId}:101`;
    const g = gated();
    const store = await CachedLocationStore.open(g.backend, { flushIntervalMs: 3_600_000 });
    const first = store.apply(practiceId, aor, [binding('sip:101@192.0.2.30', { cseq: 1 })], []);
    const flushed = store.flush();
    g.held[0]!.go();
    await Promise.all([first, flushed]);
    const a = store.apply(practiceId, aor, [binding('sip:101@192.0.2.30', { cseq: 2 }), binding('sip:101@192.0.2.31', { cseq: 2 })], []);
    const b = store.apply(practiceId, aor, [binding('sip:101@192.0.2.30', { cseq: 3 })], ['sip:101@192.0.2.31']);
    expect(await contacts(store, aor)).toEqual([['sip:101@192.0.2.30', 3]]);
    const failing = store.flush();
    g.held[1]!.fail(new Error('disk I/O error'));
    await expect(failing).rejects.toThrow('disk I/O error');
    await expect(a).rejects.toThrow('disk I/O error');
    await expect(b).rejects.toThrow('disk I/O error');
    expect(await contacts(store, aor)).toEqual([['sip:101@192.0.2.30', 1]]);
    expect(await dbContacts(aor)).toEqual([['sip:101@192.0.2.30', 1]]);
    const cleanup = store.apply(practiceId, aor, [], ['sip:101@192.0.2.30']);
    const closing = store.close();
    g.held[2]!.go();
    await Promise.all([cleanup, closing]);
  });

  it('a failed write overtaken by a newer one of the same contact: the newer stands, and rolls back to the database row if it fails too', async () => {
    const aor = `${practiceId}:101`;
    const g = gated();
    const store = await CachedLocationStore.open(g.backend, { flushIntervalMs: 3_600_000 });
    const base = store.apply(practiceId, aor, [binding('sip:101@192.0.2.40', { cseq: 1 })], []);
    const f0 = store.flush();
    g.held[0]!.go();
    await Promise.all([base, f0]);

    // cseq 2 is being committed when cseq 3 arrives; the commit of 2 fails.
    const two = store.apply(practiceId, aor, [binding('sip:101@192.0.2.40', { cseq: 2 })], []);
    const f1 = store.flush();
    const three = store.apply(practiceId, aor, [binding('sip:101@192.0.2.40', { cseq: 3 })], []);
    g.held[1]!.fail(new Error('disk I/O error'));
    await expect(f1).rejects.toThrow();
    await expect(two).rejects.toThrow();
    expect(await contacts(store, aor)).toEqual([['sip:101@192.0.2.40', 3]]);
    // cseq 3 fails as well: memory goes back to what the database holds (1), not to 2.
    const f2 = store.flush();
    g.held[2]!.fail(new Error('disk I/O error'));
    await expect(f2).rejects.toThrow();
    await expect(three).rejects.toThrow();
    expect(await contacts(store, aor)).toEqual([['sip:101@192.0.2.40', 1]]);

    // And when the older commits while a newer waits, a failure of the newer rolls back to the older.
    const four = store.apply(practiceId, aor, [binding('sip:101@192.0.2.40', { cseq: 4 })], []);
    const f3 = store.flush();
    const five = store.apply(practiceId, aor, [binding('sip:101@192.0.2.40', { cseq: 5 })], []);
    g.held[3]!.go();
    await Promise.all([four, f3]);
    const f4 = store.flush();
    g.held[4]!.fail(new Error('disk I/O error'));
    await expect(f4).rejects.toThrow();
    await expect(five).rejects.toThrow();
    expect(await contacts(store, aor)).toEqual([['sip:101@192.0.2.40', 4]]);
    expect(await dbContacts(aor)).toEqual([['sip:101@192.0.2.40', 4]]);

    const cleanup = store.apply(practiceId, aor, [], ['sip:101@192.0.2.40']);
    const closing = store.close();
    g.held[5]!.go();
    await Promise.all([cleanup, closing]);
  });

  it('deletes a removed device\'s rows even when the commit before fails', async () => {
    const aor = `${practiceId}:101`;
    const g = gated();
    const store = await CachedLocationStore.open(g.backend, { flushIntervalMs: 3_600_000 });
    const kept = store.apply(practiceId, aor, [binding('sip:101@192.0.2.50')], []);
    const f0 = store.flush();
    g.held[0]!.go();
    await Promise.all([kept, f0]);
    // A write of another device is being committed (and fails) when the device is removed.
    const other = store.apply(practiceId, aor, [binding('sip:101@192.0.2.51', { deviceId: otherDeviceId })], []);
    const f1 = store.flush();
    const removed = store.removeDevice(deviceId);
    g.held[1]!.fail(new Error('disk I/O error'));
    await expect(f1).rejects.toThrow();
    await expect(other).rejects.toThrow();
    expect(await removed).toBe(1);
    expect(await db.lookup(aor)).toEqual([]);
    expect(await store.lookup(aor)).toEqual([]);
    await store.close();
  });

  it('keeps a binding committed while a reload reads the table', async () => {
    const aor = `${practiceId}:101`;
    const g = gated();
    const store = await CachedLocationStore.open(g.backend, { flushIntervalMs: 3_600_000, reloadCheckMs: 0 });
    // Another process wrote: the next lookup reloads, reading the table before the commit below.
    g.bumpVersion();
    const release = g.holdLoads();
    const looking = store.lookup(aor);
    await new Promise<void>((r) => setImmediate(r));
    const added = store.apply(practiceId, aor, [binding('sip:101@192.0.2.60')], []);
    const flushed = store.flush();
    for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
    g.held[0]?.go();
    release();
    await looking;
    while (g.held.length === 0) await new Promise<void>((r) => setImmediate(r));
    g.held[0]!.go();
    await Promise.all([added, flushed]);
    expect(await contacts(store, aor)).toEqual([['sip:101@192.0.2.60', 7]]);
    expect(await dbContacts(aor)).toEqual([['sip:101@192.0.2.60', 7]]);
    const cleanup = store.apply(practiceId, aor, [], ['sip:101@192.0.2.60']);
    const closing = store.close();
    g.held[1]!.go();
    await Promise.all([cleanup, closing]);
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

  it('drops a row whose device is gone without holding back the others, and rejects only its REGISTER', async () => {
    const aor = `${practiceId}:101`;
    const store = await open();
    const good = store.apply(practiceId, aor, [binding('sip:101@192.0.2.8')], []);
    const stale = store.apply(practiceId, aor, [binding('sip:101@192.0.2.9', { deviceId: 'no-such-device' })], []);
    await store.flush();
    await good;
    await expect(stale).rejects.toThrow(/FOREIGN KEY/);
    expect((await db.lookup(aor)).map((b) => b.contact)).toEqual(['sip:101@192.0.2.8']);
    expect((await store.lookup(aor)).map((b) => b.contact)).toEqual(['sip:101@192.0.2.8']);
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
