import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestDatabase, testDatabaseTarget } from '../../test/support/db.ts';
import { migrateToLatest, newId, openDatabase, type DatabaseHandle } from '../db/index.ts';
import { CALL_SQL, CREDENTIAL_SQL, kyselyCallReads, openCallReads, type CallReads } from './call-reads.ts';
import { addDevice, addUser, CLI_ACTOR, createPractice, disableDevice, disableUser, updateCallSettings, updatePolicy, type Practice } from './index.ts';

describe.each(DIALECTS)('call reads on %s', (dialect) => {
  let h: DatabaseHandle;
  let practice: Practice;
  let reads: CallReads;
  let kysely: CallReads;
  const users: Record<string, { userId: string; sipUsername: string }> = {};

  beforeAll(async () => {
    h = await openTestDatabase(dialect);
    practice = await createPractice(h.db, { name: 'Birch Dental', tier: 'pro', sipDomain: `birch-${dialect}.example` });
    for (const ext of ['201', '202', '203']) {
      const { user } = await addUser(h.db, practice.id, { email: `u${ext}@birch.example`, displayName: `U${ext}`, role: ext === '201' ? 'owner' : 'staff', extension: ext }, CLI_ACTOR);
      const device = await addDevice(h.db, practice.id, user.id, { kind: 'softphone' }, CLI_ACTOR);
      users[ext] = { userId: user.id, sipUsername: device.device.sipUsername };
    }
    // An extension no user holds (a ring group's number, say).
    await h.db.insertInto('extensions').values({ id: newId(), practice_id: practice.id, number: '299', user_id: null, created_at: new Date().toISOString() }).execute();
    reads = openCallReads(h.db, h.sqlite);
    kysely = kyselyCallReads(h.db);
  });
  afterAll(() => h.close());

  /** Both paths, side by side: the prepared reads answer exactly as the directory's functions. */
  const both = async <T>(read: (r: CallReads) => Promise<T>): Promise<T> => {
    const [fast, reference] = await Promise.all([read(reads), read(kysely)]);
    expect(fast).toEqual(reference);
    return fast;
  };

  it('reads a device credential as findSipCredential does, and nothing for an unknown name or realm', async () => {
    const cred = await both((r) => r.credential(practice.sipDomain, users['201']!.sipUsername));
    expect(cred).toMatchObject({ practiceId: practice.id, userId: users['201']!.userId, extension: '201', sipUsername: users['201']!.sipUsername, realm: practice.sipDomain });
    expect(cred?.ha1Md5).toMatch(/^[0-9a-f]{32}$/);
    expect(await both((r) => r.credential(practice.sipDomain, 'nobody'))).toBeUndefined();
    expect(await both((r) => r.credential('elsewhere.example', users['201']!.sipUsername))).toBeUndefined();
  });

  if (dialect === 'sqlite') it('finds a credential through an index, not by scanning every device (each REGISTER and INVITE makes this read)', () => {
    const plan = h.sqlite!.prepare(`EXPLAIN QUERY PLAN ${CREDENTIAL_SQL}`).all('r', 'u') as Array<{ detail: string }>;
    const devices = plan.map((p) => p.detail).filter((d) => / devices\b/.test(d));
    expect(devices).toEqual([expect.stringMatching(/^SEARCH devices USING INDEX devices_realm_username \(realm=\? AND sip_username=\?\)/)]);
  });

  it('stops reading a credential the moment its device or its user is disabled', async () => {
    const device = await reads.credential(practice.sipDomain, users['202']!.sipUsername);
    await disableDevice(h.db, practice.id, device!.deviceId, CLI_ACTOR);
    expect(await both((r) => r.credential(practice.sipDomain, users['202']!.sipUsername))).toBeUndefined();
    expect(await reads.credential(practice.sipDomain, users['203']!.sipUsername)).toBeDefined();
    await disableUser(h.db, practice.id, users['203']!.userId, CLI_ACTOR);
    expect(await both((r) => r.credential(practice.sipDomain, users['203']!.sipUsername))).toBeUndefined();
  });

  const calleeOf = async (extension: string) => (await both((r) => r.forCall(practice.id, extension))).callee;

  it('reads call settings: the defaults, then each change on the next read', async () => {
    expect(await calleeOf('201')).toEqual({ doNotDisturb: false, ringTimeoutSeconds: 20 });
    await updateCallSettings(h.db, practice.id, users['201']!.userId, { doNotDisturb: true }, CLI_ACTOR);
    expect(await calleeOf('201')).toEqual({ doNotDisturb: true, ringTimeoutSeconds: 20 });
    await updateCallSettings(h.db, practice.id, users['201']!.userId, { doNotDisturb: false, ringTimeoutSeconds: 45 }, CLI_ACTOR);
    expect(await calleeOf('201')).toEqual({ doNotDisturb: false, ringTimeoutSeconds: 45 });
    expect(await calleeOf('299')).toEqual({ doNotDisturb: false, ringTimeoutSeconds: 20 });
    // No such extension: null (the caller gets 404, not voicemail).
    expect(await calleeOf('404')).toBeNull();
    // Another practice's extension is not this one's.
    const other = await createPractice(h.db, { name: 'Elm Dental', tier: 'pro', sipDomain: `elm-${dialect}.example` });
    await addUser(h.db, other.id, { email: `u405@elm-${dialect}.example`, displayName: 'U405', role: 'owner', extension: '405' }, CLI_ACTOR);
    expect(await calleeOf('405')).toBeNull();
  });

  it('reads the require-SRTP switch as the policy has it, with or without such an extension, and NOT_FOUND for no policy', async () => {
    const srtp = async (extension: string) => (await both((r) => r.forCall(practice.id, extension))).requireSrtp;
    expect(await srtp('201')).toBe(false);
    await updatePolicy(h.db, practice.id, { requireSrtp: true }, CLI_ACTOR);
    expect(await srtp('201')).toBe(true);
    expect(await srtp('404')).toBe(true);
    await updatePolicy(h.db, practice.id, { requireSrtp: false }, CLI_ACTOR);
    expect(await srtp('404')).toBe(false);
    await expect(reads.forCall('no-such-practice', '201')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(kysely.forCall('no-such-practice', '201')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  if (dialect === 'sqlite') it('reads the policy and the callee through indexes, not by scanning (every call makes this read)', () => {
    const plan = (h.sqlite!.prepare(`EXPLAIN QUERY PLAN ${CALL_SQL}`).all('201', 'p') as Array<{ detail: string }>).map((p) => p.detail);
    expect(plan.some((d) => /^SCAN/.test(d))).toBe(false);
  });

  it('never reads a change another transaction has not committed, and sees it once committed', async () => {
    let commit: () => void = () => {};
    const held = new Promise<void>((resolve) => (commit = resolve));
    let written: () => void = () => {};
    const wrote = new Promise<void>((resolve) => (written = resolve));
    const before = (await reads.forCall(practice.id, '201')).callee;
    const trx = h.db.transaction().execute(async (t) => {
      await t.updateTable('call_settings').set({ do_not_disturb: 1 }).where('user_id', '=', users['201']!.userId).execute();
      written();
      await held;
    });
    await wrote;
    const after = { ...before, doNotDisturb: true };
    if (dialect === 'sqlite') {
      // Kysely holds the one connection, so the read waits for the commit.
      let settled = false;
      const read = reads.forCall(practice.id, '201').then((v) => ((settled = true), v.callee));
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      expect(settled).toBe(false);
      commit();
      await trx;
      expect(await read).toEqual(after);
    } else {
      // Another connection answers while the write is uncommitted: with the committed value.
      expect((await reads.forCall(practice.id, '201')).callee).toEqual(before);
      commit();
      await trx;
    }
    expect((await reads.forCall(practice.id, '201')).callee).toEqual(after);
    await h.db.updateTable('call_settings').set({ do_not_disturb: 0 }).where('user_id', '=', users['201']!.userId).execute();
  });
});

describe('call reads on SQLite, with the CLI writing from another connection', () => {
  it('applies a change committed by another process to the next read', async () => {
    const target = await testDatabaseTarget('sqlite');
    if (target.kind !== 'sqlite') throw new Error('sqlite expected');
    const h = openDatabase(target);
    await migrateToLatest(h);
    try {
      const practice = await createPractice(h.db, { name: 'Cedar Clinic', tier: 'essentials', sipDomain: 'cedar.example' });
      const { user } = await addUser(h.db, practice.id, { email: 'a@cedar.example', displayName: 'A', role: 'owner', extension: '101' }, CLI_ACTOR);
      const added = await addDevice(h.db, practice.id, user.id, { kind: 'softphone' }, CLI_ACTOR);
      const reads = openCallReads(h.db, h.sqlite);
      expect(await reads.credential('cedar.example', added.device.sipUsername)).toBeDefined();
      expect((await reads.forCall(practice.id, '101')).requireSrtp).toBe(false);

      const cli = new SQLite(target.path);
      try {
        cli.prepare("UPDATE devices SET status = 'disabled' WHERE id = ?").run(added.device.id);
        cli.prepare('UPDATE practice_policy SET require_srtp = 1 WHERE practice_id = ?').run(practice.id);
        cli.prepare('INSERT INTO call_settings (user_id, practice_id, do_not_disturb, ring_timeout_seconds, updated_at, updated_by) VALUES (?, ?, 1, 30, ?, NULL)').run(user.id, practice.id, new Date().toISOString());
      } finally {
        cli.close();
      }
      expect(await reads.credential('cedar.example', added.device.sipUsername)).toBeUndefined();
      expect(await reads.forCall(practice.id, '101')).toEqual({ requireSrtp: true, callee: { doNotDisturb: true, ringTimeoutSeconds: 30 } });
    } finally {
      await h.close();
    }
  });
});
