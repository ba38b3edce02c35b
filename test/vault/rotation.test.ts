// `sotto keys rotate`: data keys move to a new master key, blobs are not
// touched, every object stays readable under the new key alone, and an
// interrupted rotation finishes when run again.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FileKeyProvider,
  keyStatus,
  rotateMasterKey,
  Vault,
  VaultErrorCode,
  type DataKeyRepository,
  type ObjectRecord,
} from '../../src/vault/index.ts';
import { blobPath, makeHarness, pattern, type Harness } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await makeHarness();
});
afterEach(async () => {
  await h.cleanup();
});

async function fileHash(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

async function seedObjects(): Promise<{ rec: ObjectRecord; data: Buffer }[]> {
  const out: { rec: ObjectRecord; data: Buffer }[] = [];
  for (const [i, practiceId] of ['prac_a', 'prac_b', 'prac_c'].entries()) {
    const data = pattern(10_000 + i, i + 1);
    out.push({ rec: await h.vault.sealBytes({ practiceId, kind: 'fax' }, data), data });
    const w = await h.vault.createWriter({ practiceId, kind: 'voicemail' });
    const audio = pattern(20_000, i + 10);
    await w.write(audio);
    out.push({ rec: await w.commit(), data: audio });
  }
  return out;
}

describe('master key rotation', () => {
  it('re-wraps every data key without touching blobs; objects open under the new key only', async () => {
    const objects = await seedObjects();
    const before = new Map<string, string>();
    for (const { rec } of objects) before.set(rec.id, await fileHash(blobPath(h, rec.blobRef)));
    const oldId = await h.provider.masterKeyId();

    const next = await FileKeyProvider.open({ path: join(h.dataDir, 'master-2.key') });
    const report = await rotateMasterKey(h.repos.dataKeys, h.provider, next, h.clock);
    expect(report).toEqual({
      fromMasterKeyId: oldId,
      toMasterKeyId: await next.masterKeyId(),
      rewrapped: 3,
      alreadyCurrent: 0,
      unknownMaster: [],
    });

    for (const { rec } of objects) {
      expect(await fileHash(blobPath(h, rec.blobRef))).toBe(before.get(rec.id));
      expect(h.repos.objects.rows.get(rec.id)!.wrappedContentKey).toEqual(rec.wrappedContentKey);
    }

    const rotated = new Vault({ repos: h.repos, keyProvider: next, store: h.store, clock: h.clock });
    for (const { rec, data } of objects) {
      expect((await rotated.openBytes({ practiceId: rec.practiceId, objectId: rec.id })).equals(data)).toBe(true);
    }
    // A process still holding the old master key is refused with a clear code.
    const stale = new Vault({ repos: h.repos, keyProvider: h.provider, store: h.store, clock: h.clock });
    await expect(stale.openBytes({ practiceId: objects[0]!.rec.practiceId, objectId: objects[0]!.rec.id })).rejects.toMatchObject({
      code: VaultErrorCode.WrongMasterKey,
    });

    // Running it again is a no-op.
    expect(await rotateMasterKey(h.repos.dataKeys, h.provider, next, h.clock)).toMatchObject({ rewrapped: 0, alreadyCurrent: 3 });
  });

  it('finishes an interrupted rotation when run again, and status shows it meanwhile', async () => {
    await seedObjects();
    const next = await FileKeyProvider.open({ path: join(h.dataDir, 'master-2.key') });
    let calls = 0;
    const flaky: DataKeyRepository = Object.create(h.repos.dataKeys) as DataKeyRepository;
    flaky.rewrap = async (...args) => {
      if (++calls === 2) throw new Error('simulated crash during rotation');
      return h.repos.dataKeys.rewrap(...args);
    };
    await expect(rotateMasterKey(flaky, h.provider, next, h.clock)).rejects.toThrow('simulated crash');

    const midway = await keyStatus(h.repos.dataKeys, next, h.clock);
    expect(midway.staleDataKeys).toBe(2);

    expect(await rotateMasterKey(h.repos.dataKeys, h.provider, next, h.clock)).toMatchObject({ rewrapped: 2, alreadyCurrent: 1 });
    const done = await keyStatus(h.repos.dataKeys, next, h.clock);
    expect(done.staleDataKeys).toBe(0);
    expect(done.dataKeys.every((k) => k.current && k.rotatedAt !== null)).toBe(true);
  });

  it('reports key ids and ages, never key material', async () => {
    await h.vault.sealBytes({ practiceId: 'prac_a', kind: 'text' }, Buffer.from('x'));
    h.clock.advanceDays(40);
    const status = await h.vault.keyStatus();
    expect(status).toMatchObject({ provider: 'file', masterKeyId: await h.provider.masterKeyId(), staleDataKeys: 0 });
    expect(status.dataKeys).toEqual([
      expect.objectContaining({ practiceId: 'prac_a', keyId: expect.stringMatching(/^dk_/), ageDays: 40, current: true, rotatedAt: null }),
    ]);
    const text = JSON.stringify(status);
    const key = await readFile(h.keyPath);
    expect(text.includes(key.toString('hex'))).toBe(false);
    expect(text.includes(key.toString('base64'))).toBe(false);
  });

  it('refuses to "rotate" to the same master key', async () => {
    const same = await FileKeyProvider.open({ path: h.keyPath });
    await expect(rotateMasterKey(h.repos.dataKeys, h.provider, same)).rejects.toMatchObject({ code: VaultErrorCode.InvalidArgument });
  });
});

describe('rotateMasterKeyFile (sotto keys rotate)', () => {
  it('swaps in a new key file, keeps the old one retired, and everything stays readable', async () => {
    const { openLocalVault, rotateMasterKeyFile } = await import('../../src/vault/index.ts');
    const { stat } = await import('node:fs/promises');
    const objects = await seedObjects();
    const oldId = await h.provider.masterKeyId();
    const { report, retiredKeyPath } = await rotateMasterKeyFile(h.repos.dataKeys, h.keyPath, h.clock);
    expect(report).toMatchObject({ fromMasterKeyId: oldId, rewrapped: 3 });
    expect(retiredKeyPath).toBe(`${h.keyPath}.retired-${oldId}`);
    expect((await stat(retiredKeyPath)).mode & 0o777).toBe(0o600);
    expect((await stat(h.keyPath)).mode & 0o777).toBe(0o600);

    // A restart with the same configuration picks up the new key.
    const { vault, keyProvider, recovery } = await openLocalVault({ dataDir: h.dataDir, repos: h.repos });
    expect(await keyProvider.masterKeyId()).toBe(report.toMasterKeyId);
    expect(recovery).toMatchObject({ partial: [], failed: [] });
    for (const { rec, data } of objects) {
      expect((await vault.openBytes({ practiceId: rec.practiceId, objectId: rec.id })).equals(data)).toBe(true);
    }
  });

  it('resumes after a crash that left the re-wrap half done', async () => {
    const { rotateMasterKeyFile, openLocalVault } = await import('../../src/vault/index.ts');
    const objects = await seedObjects();
    // First run died after re-wrapping one data key under <key>.next.
    const next = await FileKeyProvider.open({ path: `${h.keyPath}.next` });
    const one = (await h.repos.dataKeys.listAll()).slice(0, 1);
    const partial: DataKeyRepository = Object.create(h.repos.dataKeys) as DataKeyRepository;
    partial.listAll = async () => one;
    await rotateMasterKey(partial, h.provider, next, h.clock);

    const { report } = await rotateMasterKeyFile(h.repos.dataKeys, h.keyPath, h.clock);
    expect(report).toMatchObject({ rewrapped: 2, alreadyCurrent: 1, toMasterKeyId: await next.masterKeyId() });
    const { vault } = await openLocalVault({ dataDir: h.dataDir, repos: h.repos });
    for (const { rec, data } of objects) {
      expect((await vault.openBytes({ practiceId: rec.practiceId, objectId: rec.id })).equals(data)).toBe(true);
    }
  });
});
