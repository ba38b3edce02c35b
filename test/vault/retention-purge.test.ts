// Retention purge: expired objects are crypto-shredded (content key
// destroyed, file removed) with a receipt; legal holds on an object or a
// user stop it; a copy of a purged file stays unreadable.

import { copyFile, readFile, stat } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openChunk, decodeHeader, scanFrame } from '../../src/vault/blob-format.ts';
import { FileKeyProvider, LocalBlobStore, Vault, VaultErrorCode, type ObjectRecord } from '../../src/vault/index.ts';
import { blobPath, FakeClock, makeHarness, pattern, type Harness } from './harness.ts';

const P = 'prac_ret';
let h: Harness;
let vault: Vault;
beforeEach(async () => {
  h = await makeHarness();
  vault = new Vault({
    repos: h.repos,
    keyProvider: h.provider,
    store: h.store,
    clock: h.clock,
    retentionPolicy: () => ({ voicemail: 30, text: 10, audit_log: 30 }),
  });
});
afterEach(async () => {
  await h.cleanup();
});

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe('retention purge and legal holds', () => {
  it('purges what expired, keeps what is held, and leaves PHI-free receipts', async () => {
    const seal = (kind: ObjectRecord['kind'], ownerUserId: string | null, seed: number): Promise<ObjectRecord> =>
      vault.sealBytes({ practiceId: P, kind, ownerUserId }, pattern(3000, seed));
    const vm1 = await seal('voicemail', 'user_free', 1);
    const vm2 = await seal('voicemail', 'user_held', 2);
    const vm3 = await seal('voicemail', 'user_free', 3);
    const text = await seal('text', null, 4);
    const audit = await seal('audit_log', null, 5);
    h.clock.advanceDays(5);
    const fresh = await seal('voicemail', 'user_free', 6);
    h.clock.advanceDays(-5);

    await vault.placeUserHold(P, 'user_held', 'case-2026-17');
    await vault.setLegalHold({ practiceId: P, objectId: vm3.id }, true);
    expect(audit.retentionDeadline?.toISOString()).toBe('2032-01-05T10:00:00.000Z');

    // Keep a copy of vm1's sealed file, as a backup or a thief would.
    const vm1Path = blobPath(h, vm1.blobRef);
    await copyFile(vm1Path, vm1Path + '.copy');

    // Day 9: nothing is due. Day 29: the text (10 days) is; voicemail (30 days) is not.
    h.clock.advanceDays(9);
    expect((await vault.purgeExpired()).receipts).toEqual([]);
    h.clock.advanceDays(20);
    expect((await vault.purgeExpired()).receipts.map((r) => r.objectId)).toEqual([text.id]);

    h.clock.advanceDays(2);
    const report = await vault.purgeExpired();
    expect(report.heldByUser).toBe(1);
    expect(report.receipts.map((r) => r.objectId)).toEqual([vm1.id]);
    expect(await vault.receipts({ practiceId: P })).toHaveLength(2);
    for (const r of report.receipts) {
      // Exactly these fields: ids, kind, time, reason. No PHI.
      expect(Object.keys(r).sort()).toEqual(['deletedAt', 'id', 'kind', 'method', 'objectId', 'practiceId', 'reason']);
      expect(r).toMatchObject({ practiceId: P, reason: 'retention_expired', method: 'crypto_shred', deletedAt: h.clock.now() });
    }

    // Purged: gone from records and disk. Held and unexpired: still readable.
    await expect(vault.openBytes({ practiceId: P, objectId: vm1.id })).rejects.toMatchObject({ code: VaultErrorCode.NotFound });
    expect(await exists(vm1Path)).toBe(false);
    for (const [o, seed] of [[vm2, 2], [vm3, 3], [audit, 5], [fresh, 6]] as const) {
      expect((await vault.openBytes({ practiceId: P, objectId: o.id })).equals(pattern(3000, seed))).toBe(true);
    }

    // Holds refuse deliberate destruction too.
    await expect(vault.destroy({ practiceId: P, objectId: vm2.id })).rejects.toMatchObject({ code: VaultErrorCode.LegalHold });
    await expect(vault.destroy({ practiceId: P, objectId: vm3.id })).rejects.toMatchObject({ code: VaultErrorCode.LegalHold });

    // Releasing the holds lets the next purge take them.
    await vault.releaseUserHold(P, 'user_held');
    await vault.setLegalHold({ practiceId: P, objectId: vm3.id }, false);
    expect((await vault.purgeExpired()).receipts.map((r) => r.objectId).sort()).toEqual([vm2.id, vm3.id].sort());
  });

  it('makes a purged object unreadable even from a copy of its file', async () => {
    const secret = pattern(5000, 42);
    const rec = await vault.sealBytes({ practiceId: P, kind: 'voicemail' }, secret);
    const path = blobPath(h, rec.blobRef);
    const copy = await readFile(path);
    h.clock.advanceDays(31);
    await vault.purgeExpired();

    // Put the file back exactly where it was and restore the record as far as it
    // still exists anywhere (the wrapped content key does not).
    await import('node:fs/promises').then((fs) => fs.writeFile(path, copy));
    expect(JSON.stringify(h.repos.snapshot())).not.toContain(rec.wrappedContentKey!.toString('base64'));
    await h.repos.objects.insert({ ...rec, wrappedContentKey: null, state: 'committed', size: secret.length });
    await expect(vault.openBytes({ practiceId: P, objectId: rec.id })).rejects.toMatchObject({ code: VaultErrorCode.Shredded });

    // The keys that do survive (master, practice data key) do not open it either.
    const dataKey = (await new Vault({ repos: h.repos, keyProvider: h.provider, store: h.store }).keyStatus()).dataKeys[0]!;
    const { PracticeKeyring } = await import('../../src/vault/practice-keyring.ts');
    const keyring = new PracticeKeyring(h.repos.dataKeys, h.provider, h.clock);
    const practiceKey = (await keyring.byId(dataKey.keyId)).key;
    const decoded = decodeHeader(copy);
    if (!decoded.ok) throw new Error('header');
    const frame = scanFrame(copy, decoded.value.length, decoded.value.header.chunkSize);
    if (frame.kind !== 'frame') throw new Error('frame');
    const header = copy.subarray(0, decoded.value.length);
    expect(openChunk(practiceKey, header, decoded.value.header.noncePrefix, 0, frame.final, frame.sealed)).toBeUndefined();
  });

  it('finishes a shred interrupted by a crash, keeping its reason', async () => {
    const rec = await vault.sealBytes({ practiceId: P, kind: 'voicemail' }, pattern(100));
    // Step one done (key destroyed), then the process died.
    await h.repos.objects.shred(rec.id, ['committed'], 'retention_expired');
    const restarted = new Vault({
      repos: h.repos,
      keyProvider: await FileKeyProvider.open({ path: h.keyPath }),
      store: new LocalBlobStore(h.store.root),
      clock: new FakeClock(),
    });
    expect(await restarted.recover()).toMatchObject({ shredsFinished: 1 });
    expect(await exists(blobPath(h, rec.blobRef))).toBe(false);
    expect(await restarted.receipts()).toEqual([expect.objectContaining({ objectId: rec.id, reason: 'retention_expired' })]);
  });

  it('destroys one object on request with a receipt', async () => {
    const rec = await vault.sealBytes({ practiceId: P, kind: 'fax' }, pattern(100));
    const receipt = await vault.destroy({ practiceId: P, objectId: rec.id });
    expect(receipt).toMatchObject({ objectId: rec.id, kind: 'fax', reason: 'requested' });
    expect(h.repos.objects.rows.size).toBe(0);
  });
});

describe('retention sync', () => {
  it('recomputes stored deadlines from creation time under a changed policy, never under the audit floor, none for kept objects', async () => {
    let policy: Record<string, number> = { voicemail: 30, audit_log: 30 };
    const v = new Vault({ repos: h.repos, keyProvider: h.provider, store: h.store, clock: h.clock, retentionPolicy: () => policy });
    const vm = await v.sealBytes({ practiceId: P, kind: 'voicemail' }, pattern(100, 1));
    const greeting = await v.sealBytes({ practiceId: P, kind: 'voicemail' }, pattern(100, 2));
    const audit = await v.sealBytes({ practiceId: P, kind: 'audit_log' }, pattern(100, 3));
    const day = 86_400_000;
    const deadline = async (id: string) => (await v.stat({ practiceId: P, objectId: id })).retentionDeadline?.getTime() ?? null;
    expect(await deadline(vm.id)).toBe(vm.createdAt.getTime() + 30 * day);

    policy = { voicemail: 3650, audit_log: 30 };
    expect(await v.syncRetention(P, policy, new Set([greeting.id]))).toBe(2);
    expect(await deadline(vm.id)).toBe(vm.createdAt.getTime() + 3650 * day);
    expect(await deadline(greeting.id)).toBeNull();
    // Six calendar years, whatever the policy says.
    expect(await deadline(audit.id)).toBe(Date.parse('2032-01-05T10:00:00.000Z'));
    // In line already: nothing moves.
    expect(await v.syncRetention(P, policy, new Set([greeting.id]))).toBe(0);

    h.clock.advanceDays(10);
    // A shorter period brings no deadline in by itself (an upgrade, the hourly run)...
    await v.syncRetention(P, { voicemail: 5 }, new Set([greeting.id]));
    expect(await deadline(vm.id)).toBe(vm.createdAt.getTime() + 3650 * day);
    expect((await v.purgeExpired()).receipts).toEqual([]);
    // ... only for the kinds an admin just shortened.
    await v.syncRetention(P, { voicemail: 5 }, new Set([greeting.id]), new Set(['voicemail']));
    expect(await deadline(vm.id)).toBe(vm.createdAt.getTime() + 5 * day);
    expect((await v.purgeExpired()).receipts.map((r) => r.objectId)).toEqual([vm.id]);
  });
});
