// Small objects (one chunk) take a short path on open: one call for the
// whole blob instead of the streaming reader.
// Every check the general path makes must hold on them too: tampering is
// refused and reported, shredded, unfinished and foreign objects are not
// opened, whichever store holds the blob.

import { readFile, writeFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FileKeyProvider,
  isVaultError,
  MemoryBlobStore,
  MemoryVaultRepositories,
  Vault,
  VaultErrorCode,
  type ObjectRecord,
  type TamperEvent,
} from '../../src/vault/index.ts';
import { blobPath, CapturingLogger, makeHarness, pattern, type Harness } from './harness.ts';

const P = 'prac_single';

interface MemoryVault {
  vault: Vault;
  repos: MemoryVaultRepositories;
  store: MemoryBlobStore;
  tamperEvents: TamperEvent[];
  logger: CapturingLogger;
}

let dir: string;
let m: MemoryVault;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sotto-vault-mem-'));
  const repos = new MemoryVaultRepositories();
  const store = new MemoryBlobStore();
  const tamperEvents: TamperEvent[] = [];
  const logger = new CapturingLogger();
  const vault = new Vault({
    repos,
    store,
    logger,
    keyProvider: await FileKeyProvider.open({ path: join(dir, 'master.key') }),
    onTampered: (e) => {
      tamperEvents.push(e);
    },
  });
  m = { vault, repos, store, tamperEvents, logger };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function openError(vault: Vault, rec: ObjectRecord, practiceId = P): Promise<unknown> {
  try {
    await vault.openBytes({ practiceId, objectId: rec.id });
    return undefined;
  } catch (err) {
    return err;
  }
}

function expectCode(err: unknown, code: VaultErrorCode, what: string): void {
  expect(isVaultError(err, code), `${what}: got ${String(err)}`).toBe(true);
}

describe('single-chunk objects in memory (no promise on the way)', () => {
  it('open what was sealed, at sizes from empty to a whole chunk, and larger ones through the reader', async () => {
    for (const size of [0, 1, 1024, 4096, 4097, 10_000]) {
      const data = pattern(size, size + 1);
      const rec = await m.vault.sealBytes({ practiceId: P, kind: 'text', chunkSize: 4096 }, data);
      expect((await m.vault.openBytes({ practiceId: P, objectId: rec.id })).equals(data), `size ${size}`).toBe(true);
    }
    expect(m.tamperEvents).toEqual([]);
  });

  it('refuse a flip of any byte of the blob, report each one, and log no content', async () => {
    const data = pattern(100, 7);
    const rec = await m.vault.sealBytes({ practiceId: P, kind: 'text' }, data);
    const blob = m.store.committed.get(rec.blobRef)!;
    const intact = Buffer.from(blob);
    for (let i = 0; i < blob.length; i++) {
      blob[i]! ^= 0x01;
      expectCode(await openError(m.vault, rec), VaultErrorCode.Tampered, `flip at byte ${i} of ${blob.length}`);
      blob[i]! ^= 0x01;
    }
    expect(m.tamperEvents.length).toBe(blob.length);
    expect(m.tamperEvents[0]).toMatchObject({ objectId: rec.id, practiceId: P, kind: 'text' });
    expect(blob.equals(intact)).toBe(true);
    expect((await m.vault.openBytes({ practiceId: P, objectId: rec.id })).equals(data)).toBe(true);
    const hex = data.toString('hex');
    for (const line of m.logger.lines) expect(line).not.toContain(hex.slice(0, 16));
  });

  it('refuse truncated and extended blobs', async () => {
    const rec = await m.vault.sealBytes({ practiceId: P, kind: 'text' }, pattern(64, 3));
    const blob = m.store.committed.get(rec.blobRef)!;
    for (let n = 0; n < blob.length; n++) {
      m.store.committed.set(rec.blobRef, blob.subarray(0, n));
      expectCode(await openError(m.vault, rec), VaultErrorCode.Tampered, `cut to ${n}`);
    }
    m.store.committed.set(rec.blobRef, Buffer.concat([blob, blob.subarray(blob.length - 21)]));
    expectCode(await openError(m.vault, rec), VaultErrorCode.Tampered, 'final frame repeated');
  });

  it('refuse blobs, wrapped keys and sizes moved between records', async () => {
    const a = await m.vault.sealBytes({ practiceId: P, kind: 'text' }, pattern(50, 1));
    const b = await m.vault.sealBytes({ practiceId: P, kind: 'text' }, pattern(50, 2));
    const rowA = m.repos.objects.rows.get(a.id)!;
    const rowB = m.repos.objects.rows.get(b.id)!;

    [rowA.blobRef, rowB.blobRef] = [rowB.blobRef, rowA.blobRef];
    expectCode(await openError(m.vault, a), VaultErrorCode.Tampered, 'blob of b under record a');
    [rowA.blobRef, rowB.blobRef] = [rowB.blobRef, rowA.blobRef];

    [rowA.wrappedContentKey, rowB.wrappedContentKey] = [rowB.wrappedContentKey, rowA.wrappedContentKey];
    expectCode(await openError(m.vault, a), VaultErrorCode.Tampered, 'content key of b on record a');
    [rowA.wrappedContentKey, rowB.wrappedContentKey] = [rowB.wrappedContentKey, rowA.wrappedContentKey];

    rowA.size = 49;
    expectCode(await openError(m.vault, a), VaultErrorCode.Tampered, 'size changed in the record');
    expect(m.tamperEvents.map((e) => e.reason)).toEqual(['record_mismatch', 'chunk_auth', 'size_mismatch']);
    rowA.size = 50;
    expect((await m.vault.openBytes({ practiceId: P, objectId: a.id })).equals(pattern(50, 1))).toBe(true);
  });

  it('refuse an object pointed at another practice\'s data key', async () => {
    const a = await m.vault.sealBytes({ practiceId: P, kind: 'text' }, pattern(50, 1));
    const foreign = await m.vault.sealBytes({ practiceId: 'prac_other', kind: 'text' }, Buffer.from('x'));
    m.repos.objects.rows.get(a.id)!.dataKeyId = foreign.dataKeyId;
    expectCode(await openError(m.vault, a), VaultErrorCode.Tampered, 'data key of another practice');
  });

  it('do not open shredded, destroyed, unfinished or another practice\'s objects', async () => {
    const a = await m.vault.sealBytes({ practiceId: P, kind: 'text' }, pattern(50, 1));
    expectCode(await openError(m.vault, a, 'prac_other'), VaultErrorCode.NotFound, 'other practice');

    const row = m.repos.objects.rows.get(a.id)!;
    const saved = { ...row };
    Object.assign(row, { state: 'shredded', wrappedContentKey: null });
    expectCode(await openError(m.vault, a), VaultErrorCode.Shredded, 'shredded, key erased');
    Object.assign(row, saved);

    await m.vault.destroy({ practiceId: P, objectId: a.id });
    expectCode(await openError(m.vault, a), VaultErrorCode.NotFound, 'destroyed');
    expect(m.store.committed.has(a.blobRef)).toBe(false);

    const w = await m.vault.createWriter({ practiceId: P, kind: 'voicemail' });
    await w.write(pattern(10, 1));
    const writing = m.repos.objects.rows.get(w.objectId)!;
    expectCode(await openError(m.vault, writing), VaultErrorCode.InvalidState, 'still being written');
    await w.abort();
    expect(m.tamperEvents).toEqual([]);
  });
});

describe('single-chunk objects on disk', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await makeHarness();
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it('refuse a flip of any byte of the file and report each one', async () => {
    const data = pattern(60, 9);
    const rec = await h.vault.sealBytes({ practiceId: P, kind: 'fax' }, data);
    const path = blobPath(h, rec.blobRef);
    const blob = await readFile(path);
    expect((await h.vault.openBytes({ practiceId: P, objectId: rec.id })).equals(data)).toBe(true);
    for (let i = 0; i < blob.length; i++) {
      const bad = Buffer.from(blob);
      bad[i]! ^= 0x80;
      await writeFile(path, bad);
      expectCode(await openError(h.vault, rec), VaultErrorCode.Tampered, `flip at byte ${i} of ${blob.length}`);
    }
    expect(h.tamperEvents.length).toBe(blob.length);
  });
});
