import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { READ_LATER } from './blob-store.ts';
import { LocalBlobStore, newBlobRef } from './local-blob-store.ts';

describe('LocalBlobStore.put', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sotto-blobs-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('makes a shard directory again when someone removed it after the store had made it', async () => {
    const store = new LocalBlobStore(join(dir, 'blobs'));
    const first = newBlobRef();
    await store.put(first, Buffer.from('one'));
    await rm(join(dir, 'blobs'), { recursive: true });
    const second = first.slice(0, 4) + newBlobRef().slice(4);
    await store.put(second, Buffer.from('two'));
    expect(await store.read(second)).toEqual(Buffer.from('two'));
    const writer = await store.create(first.slice(0, 4) + newBlobRef().slice(4), Buffer.from('header'));
    await writer.close();
  });
});

describe('LocalBlobStore.readNow', () => {
  let dir: string;
  let store: LocalBlobStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sotto-blobs-'));
    store = new LocalBlobStore(join(dir, 'blobs'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a small committed blob without a promise, as read() does', async () => {
    const ref = newBlobRef();
    const bytes = Buffer.from('sealed bytes, as stored');
    await store.put(ref, bytes);
    expect(store.readNow(ref, bytes.length)).toEqual(bytes);
    expect(await store.read(ref)).toEqual(bytes);
  });

  it('answers undefined for a blob that is absent or only pending', async () => {
    expect(store.readNow(newBlobRef(), 10)).toBeUndefined();
    const ref = newBlobRef();
    const appender = await store.create(ref, Buffer.from('header'));
    await appender.close();
    expect(store.readNow(ref, 10)).toBeUndefined();
  });

  it('hands back a blob shorter than expected as it is (the reader then names it truncated)', async () => {
    const ref = newBlobRef();
    await store.put(ref, Buffer.from('short'));
    expect(store.readNow(ref, 100)).toEqual(Buffer.from('short'));
  });

  it('leaves a large blob, or one longer than expected, to read(), and refuses a ref that is not one', async () => {
    const ref = newBlobRef();
    await store.put(ref, Buffer.alloc(100));
    expect(store.readNow(ref, 64 * 1024 + 1)).toBe(READ_LATER);
    expect(store.readNow(ref, 99)).toBe(READ_LATER);
    expect(() => store.readNow('../../etc/passwd', 10)).toThrow('invalid blob ref');
  });
});
