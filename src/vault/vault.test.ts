import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeHarness, pattern, type Harness } from '../../test/vault/harness.ts';
import { VaultErrorCode } from './errors.ts';
import type { Scheduler } from './sealed-writer.ts';

class ManualScheduler implements Scheduler {
  readonly timers = new Map<number, () => void>();
  #next = 1;
  setInterval(fn: () => void): unknown {
    const id = this.#next++;
    this.timers.set(id, fn);
    return id;
  }
  clearInterval(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  tick(): void {
    for (const fn of this.timers.values()) fn();
  }
}

let h: Harness;
let scheduler: ManualScheduler;
beforeEach(async () => {
  scheduler = new ManualScheduler();
  h = await makeHarness({ scheduler });
});
afterEach(async () => {
  await h.cleanup();
});

const P = 'prac_1';

describe('Vault', () => {
  it('destroys a released object, and keeps one under a legal hold with a logged code instead of throwing', async () => {
    const gone = await h.vault.sealBytes({ practiceId: P, kind: 'voicemail' }, pattern(100, 1));
    expect((await h.vault.destroyReleased({ practiceId: P, objectId: gone.id }))?.objectId).toBe(gone.id);
    await expect(h.vault.openBytes({ practiceId: P, objectId: gone.id })).rejects.toMatchObject({ code: VaultErrorCode.NotFound });

    const held = await h.vault.sealBytes({ practiceId: P, kind: 'voicemail' }, pattern(100, 2));
    await h.vault.setLegalHold({ practiceId: P, objectId: held.id }, true);
    expect(await h.vault.destroyReleased({ practiceId: P, objectId: held.id })).toBeUndefined();
    expect(await h.vault.openBytes({ practiceId: P, objectId: held.id })).toEqual(pattern(100, 2));
    const warned = h.logger.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 'warn');
    expect(warned).toEqual([expect.objectContaining({ code: VaultErrorCode.LegalHold, objectId: held.id })]);
    // Already gone: nothing to say.
    expect(await h.vault.destroyReleased({ practiceId: P, objectId: gone.id })).toBeUndefined();
    expect(h.logger.lines.filter((l) => l.includes('"warn"'))).toHaveLength(1);
  });

  it('seals and opens small objects of every size around chunk boundaries', async () => {
    for (const size of [0, 1, 15, 16, 17, 32, 1000]) {
      const data = pattern(size, size + 1);
      const rec = await h.vault.sealBytes({ practiceId: P, kind: 'text', chunkSize: 16 }, data);
      expect(rec).toMatchObject({ state: 'committed', size, practiceId: P, kind: 'text' });
      expect(await h.vault.openBytes({ practiceId: P, objectId: rec.id })).toEqual(data);
    }
  });

  it('streams a large object back chunk by chunk', async () => {
    const data = pattern(300_000, 9);
    const rec = await h.vault.sealBytes({ practiceId: P, kind: 'fax' }, data);
    const parts: Buffer[] = [];
    for await (const part of await h.vault.openStream({ practiceId: P, objectId: rec.id })) parts.push(part as Buffer);
    expect(Buffer.concat(parts).equals(data)).toBe(true);
  });

  it('uses one data key per practice and keeps practices apart', async () => {
    const a = await h.vault.sealBytes({ practiceId: 'prac_a', kind: 'text' }, Buffer.from('a'));
    const a2 = await h.vault.sealBytes({ practiceId: 'prac_a', kind: 'text' }, Buffer.from('a2'));
    const b = await h.vault.sealBytes({ practiceId: 'prac_b', kind: 'text' }, Buffer.from('b'));
    expect(a.dataKeyId).toBe(a2.dataKeyId);
    expect(a.dataKeyId).not.toBe(b.dataKeyId);
    await expect(h.vault.openBytes({ practiceId: 'prac_b', objectId: a.id })).rejects.toMatchObject({ code: VaultErrorCode.NotFound });
  });

  it('two processes sealing for a new practice at once converge on one data key', async () => {
    const { Vault } = await import('./vault.ts');
    const other = new Vault({ repos: h.repos, keyProvider: h.provider, store: h.store, clock: h.clock });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 ? other : h.vault).sealBytes({ practiceId: 'prac_new', kind: 'text' }, pattern(10, i + 1))),
    );
    expect(new Set(results.map((r) => r.dataKeyId)).size).toBe(1);
    expect((await h.repos.dataKeys.listAll()).filter((k) => k.practiceId === 'prac_new')).toHaveLength(1);
    for (const [i, r] of results.entries()) {
      expect(await (i % 2 ? h.vault : other).openBytes({ practiceId: 'prac_new', objectId: r.id })).toEqual(pattern(10, i + 1));
    }
  });

  it('only moves objects along the lifecycle', async () => {
    const { canTransition, Transitions } = await import('./object-state.ts');
    expect(canTransition('committed', 'writing')).toBe(false);
    expect(canTransition('shredded', 'committed')).toBe(false);
    expect(canTransition('partial', 'committed')).toBe(false);
    expect(Transitions.shredStored).toEqual({ from: ['committed', 'partial'], to: 'shredded' });
    const rec = await h.vault.sealBytes({ practiceId: P, kind: 'text' }, Buffer.from('x'));
    // A second commit of the same object is refused by the compare-and-set.
    expect(await h.repos.objects.transition(rec.id, Transitions.commit.from, { state: 'committed' })).toBeUndefined();
  });

  it('a timer flush makes buffered audio durable without further writes', async () => {
    const w = await h.vault.createWriter({ practiceId: P, kind: 'voicemail' }, { maxUnsyncedBytes: 1 << 20 });
    await w.write(pattern(5000));
    expect(w.durableBytes).toBe(0);
    scheduler.tick();
    await w.settled();
    expect(w.durableBytes).toBe(5000);
    await w.write(pattern(100, 2));
    scheduler.tick();
    await w.settled();
    expect(w.durableBytes).toBe(5100);
    const rec = await w.commit();
    expect(rec).toMatchObject({ state: 'committed', size: 5100 });
    expect(await h.vault.openBytes({ practiceId: P, objectId: rec.id })).toEqual(Buffer.concat([pattern(5000), pattern(100, 2)]));
    expect(scheduler.timers.size).toBe(0);
  });

  it('assembles chunks from writes of any size', async () => {
    const w = await h.vault.createWriter({ practiceId: P, kind: 'call_recording', chunkSize: 500 }, { maxUnsyncedBytes: 100_000 });
    const sent: Buffer[] = [];
    for (let i = 0; i < 300; i++) {
      const piece = pattern(1 + ((i * 7919) % 700), i + 1);
      sent.push(piece);
      await w.write(piece);
    }
    const rec = await w.commit();
    const all = Buffer.concat(sent);
    expect(rec.size).toBe(all.length);
    expect((await h.vault.openBytes({ practiceId: P, objectId: rec.id })).equals(all)).toBe(true);
  });

  it('stores what was written even when the caller reuses its buffer after each write', async () => {
    const w = await h.vault.createWriter({ practiceId: P, kind: 'call_recording', chunkSize: 500 }, { maxUnsyncedBytes: 100_000 });
    const reused = Buffer.alloc(1300);
    const sent: Buffer[] = [];
    for (let i = 0; i < 40; i++) {
      // Sizes below, at and above the chunk size: some bytes seal at once, some stay buffered.
      const n = [120, 500, 1300, 7][i % 4]!;
      const piece = pattern(n, i + 1);
      piece.copy(reused);
      sent.push(piece);
      await w.write(reused.subarray(0, n));
      reused.fill(0xee);
    }
    const rec = await w.commit();
    expect((await h.vault.openBytes({ practiceId: P, objectId: rec.id })).equals(Buffer.concat(sent))).toBe(true);
  });

  it('write() resolves only when at most maxUnsyncedBytes are not durable', async () => {
    const w = await h.vault.createWriter({ practiceId: P, kind: 'voicemail' }, { maxUnsyncedBytes: 8000 });
    for (let i = 0; i < 200; i++) {
      await w.write(pattern(160, i + 1));
      expect(w.writtenBytes - w.durableBytes).toBeLessThanOrEqual(8000);
    }
    await w.commit();
  });

  it('refuses to read an object still being written, and aborting destroys it with a receipt', async () => {
    const w = await h.vault.createWriter({ practiceId: P, kind: 'call_recording' });
    await w.write(pattern(100));
    await expect(h.vault.openBytes({ practiceId: P, objectId: w.objectId })).rejects.toMatchObject({
      code: VaultErrorCode.InvalidState,
    });
    await w.abort();
    await expect(h.vault.stat({ practiceId: P, objectId: w.objectId })).rejects.toMatchObject({ code: VaultErrorCode.NotFound });
    expect(await h.vault.receipts({ practiceId: P })).toEqual([
      expect.objectContaining({ objectId: w.objectId, reason: 'aborted', kind: 'call_recording', method: 'crypto_shred' }),
    ]);
    const left = [];
    for await (const e of h.store.list()) left.push(e);
    expect(left).toEqual([]);
  });

  it('writes blob files 0600 in 0700 directories', async () => {
    const { stat } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const rec = await h.vault.sealBytes({ practiceId: P, kind: 'fax' }, Buffer.from('x'));
    const shard1 = join(h.store.root, rec.blobRef.slice(0, 2));
    const shard2 = join(shard1, rec.blobRef.slice(2, 4));
    expect((await stat(h.store.root)).mode & 0o777).toBe(0o700);
    expect((await stat(shard1)).mode & 0o777).toBe(0o700);
    expect((await stat(shard2)).mode & 0o777).toBe(0o700);
    expect((await stat(join(shard2, rec.blobRef + '.blob'))).mode & 0o777).toBe(0o600);
  });
});
