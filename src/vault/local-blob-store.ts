// Blob store on the local filesystem: <dataDir>/blobs/ab/cd/<ref>.blob,
// sharded two levels deep so no directory grows past a few thousand
// entries. Files are 0600, directories 0700. A blob being written is
// <ref>.pending; committing renames it to <ref>.blob and fsyncs the
// directory, so a committed blob is never seen half-written.

import { closeSync, constants as fsc, promises as fsp, openSync, readSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { freshHex } from './aead.ts';
import { READ_LATER, type BlobAppender, type BlobEntry, type BlobStore } from './blob-store.ts';
import { fsyncDir } from './file-key-provider.ts';

const REF = /^[0-9a-f]{32}$/;
const COMMITTED = '.blob';
const PENDING = '.pending';
// A whole-blob put in progress; a crash can leave one, which delete() removes.
const PUTTING = '.put';

/**
 * Blobs up to this size are read synchronously (readNow). A small file's
 * read is three system calls (open, read, close) that a warm page cache
 * answers in microseconds; through fs.promises each of them is a
 * thread-pool round trip and a promise, several times the CPU of the calls
 * themselves. The price is that a cold read holds the event loop for one
 * disk read (~0.1 ms on an SSD); the bound keeps that to one small read.
 * Larger blobs, and every stream, stay asynchronous.
 */
const SYNC_READ_MAX_BYTES = 64 * 1024;

/** A fresh, unguessable blob reference (not derived from any record id). */
export function newBlobRef(): string {
  return freshHex(16);
}

export class LocalBlobStore implements BlobStore {
  readonly root: string;
  /** `root` with its separator, for readNow's paths (no join() per read). */
  readonly #rootSep: string;
  /** Shard directories known to exist (at most 65,536 short strings). */
  readonly #knownDirs = new Set<string>();

  /** `root` is normally <dataDir>/blobs. */
  constructor(root: string) {
    this.root = root;
    this.#rootSep = join(root, sep);
  }

  #paths(ref: string): { dir: string; committed: string; pending: string; putting: string } {
    // Refs come from newBlobRef(); anything else could walk out of the root.
    if (!REF.test(ref)) throw new Error('invalid blob ref');
    const dir = join(this.root, ref.slice(0, 2), ref.slice(2, 4));
    return {
      dir,
      committed: join(dir, ref + COMMITTED),
      pending: join(dir, ref + PENDING),
      putting: join(dir, ref + PUTTING),
    };
  }

  async #ensureDir(dir: string): Promise<void> {
    // Known directories skip the mkdir: a thread-pool round trip per put.
    // The store never removes one; if someone else does, the open fails
    // with ENOENT and #openIn forgets the directory and makes it again.
    if (this.#knownDirs.has(dir)) return;
    const created = await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    if (created !== undefined) {
      // New directory entries are durable only once their parents are synced.
      for (let d = dir; d.length >= this.root.length; d = dirname(d)) {
        await fsyncDir(dirname(d));
        if (d === created) break;
      }
    }
    this.#knownDirs.add(dir);
  }

  /** Creates `path` (mode 0600) in shard directory `dir`, making the directory first when it is not known to exist. */
  async #openIn(dir: string, path: string, flags: number): Promise<fsp.FileHandle> {
    await this.#ensureDir(dir);
    try {
      return await fsp.open(path, flags, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !this.#knownDirs.delete(dir)) throw err;
      await this.#ensureDir(dir);
      return fsp.open(path, flags, 0o600);
    }
  }

  async put(ref: string, data: Uint8Array): Promise<void> {
    const { dir, committed, putting } = this.#paths(ref);
    // One writer per ref (refs are fresh), so truncating a leftover is safe.
    const handle = await this.#openIn(dir, putting, fsc.O_CREAT | fsc.O_TRUNC | fsc.O_WRONLY);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(putting, committed);
    await fsyncDir(dir);
  }

  async create(ref: string, initial: Uint8Array): Promise<BlobAppender> {
    const { dir, committed, pending } = this.#paths(ref);
    const handle = await this.#openIn(dir, pending, fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY | fsc.O_APPEND);
    try {
      await writeAll(handle, initial);
      await handle.sync();
      await fsyncDir(dir);
    } catch (err) {
      await handle.close();
      throw err;
    }
    let open = true;
    return {
      ref,
      async append(pieces: readonly Uint8Array[]): Promise<void> {
        await writevAll(handle, pieces);
        // fdatasync also persists the grown file size, which is all an
        // append changes besides the data.
        await handle.datasync();
      },
      async commit(): Promise<void> {
        await handle.sync();
        await handle.close();
        open = false;
        await fsp.rename(pending, committed);
        await fsyncDir(dir);
      },
      async close(): Promise<void> {
        if (open) {
          open = false;
          await handle.close();
        }
      },
    };
  }

  async read(ref: string): Promise<Buffer | undefined> {
    return readIfExists(this.#paths(ref).committed);
  }

  readNow(ref: string, expectedBytes: number): Buffer | undefined | typeof READ_LATER {
    if (expectedBytes > SYNC_READ_MAX_BYTES) return READ_LATER;
    if (!REF.test(ref)) throw new Error('invalid blob ref');
    const path = this.#rootSep + ref.slice(0, 2) + sep + ref.slice(2, 4) + sep + ref + COMMITTED;
    let fd: number;
    try {
      fd = openSync(path, fsc.O_RDONLY);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      // One byte more than expected, so a blob of the expected size comes
      // back short, which on a local file system's regular file means its
      // end: no fstat for its size (readFileSync's fourth system call).
      // Anything longer is left to read(), whatever its size.
      const bytes = Buffer.allocUnsafe(expectedBytes + 1);
      // A local disk answers in one read; a network or FUSE file system may
      // answer in parts, and a short answer must not pass for a short blob.
      let n = 0;
      for (let got = -1; got !== 0 && n < bytes.length; n += got) got = readSync(fd, bytes, n, bytes.length - n, n);
      return n <= expectedBytes ? bytes.subarray(0, n) : READ_LATER;
    } finally {
      closeSync(fd);
    }
  }

  async stream(ref: string): Promise<Readable | undefined> {
    const { committed } = this.#paths(ref);
    try {
      const handle = await fsp.open(committed, fsc.O_RDONLY);
      return handle.createReadStream({ highWaterMark: 1024 * 1024 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async readPending(ref: string): Promise<Buffer | undefined> {
    return readIfExists(this.#paths(ref).pending);
  }

  async commitPending(ref: string, length: number): Promise<boolean> {
    const { dir, committed, pending } = this.#paths(ref);
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(pending, fsc.O_RDWR);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    try {
      await handle.truncate(length);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(pending, committed);
    await fsyncDir(dir);
    return true;
  }

  async delete(ref: string): Promise<void> {
    const { dir, committed, pending, putting } = this.#paths(ref);
    let removed = false;
    for (const path of [committed, pending, putting]) {
      try {
        await fsp.unlink(path);
        removed = true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    if (removed) await fsyncDir(dir);
  }

  async *list(): AsyncIterable<BlobEntry> {
    for (const a of await readdirIfExists(this.root)) {
      for (const b of await readdirIfExists(join(this.root, a))) {
        const dir = join(this.root, a, b);
        for (const name of await readdirIfExists(dir)) {
          const state = name.endsWith(COMMITTED) ? 'committed' : name.endsWith(PENDING) ? 'pending' : undefined;
          if (!state) continue;
          const ref = name.slice(0, name.lastIndexOf('.'));
          if (!REF.test(ref)) continue;
          const st = await fsp.stat(join(dir, name)).catch(() => undefined);
          if (st) yield { ref, state, size: st.size };
        }
      }
    }
  }
}

async function writeAll(handle: fsp.FileHandle, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset);
    offset += bytesWritten;
  }
}

async function writevAll(handle: fsp.FileHandle, pieces: readonly Uint8Array[]): Promise<void> {
  const total = pieces.reduce((n, p) => n + p.length, 0);
  const { bytesWritten } = await handle.writev(pieces as Uint8Array[]);
  // A short writev is rare (disk full, signals); finish it piece by piece.
  if (bytesWritten < total) await writeAll(handle, Buffer.concat(pieces).subarray(bytesWritten));
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await fsp.readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function readdirIfExists(path: string): Promise<string[]> {
  try {
    return (await fsp.readdir(path)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
