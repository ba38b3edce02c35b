// Blob store in memory, for unit tests of other layers and for benchmarks
// that should measure the vault's crypto rather than the disk.

import { Readable } from 'node:stream';
import type { BlobAppender, BlobEntry, BlobStore } from './blob-store.ts';

export class MemoryBlobStore implements BlobStore {
  readonly committed = new Map<string, Buffer>();
  readonly pending = new Map<string, Buffer[]>();

  /** Takes ownership of `data` (no copy): callers hand over freshly sealed bytes. */
  async put(ref: string, data: Uint8Array): Promise<void> {
    this.committed.set(ref, Buffer.isBuffer(data) ? data : Buffer.from(data));
  }

  async create(ref: string, initial: Uint8Array): Promise<BlobAppender> {
    if (this.committed.has(ref) || this.pending.has(ref)) throw new Error('blob exists');
    const parts: Buffer[] = [Buffer.from(initial)];
    this.pending.set(ref, parts);
    return {
      ref,
      append: async (pieces) => {
        for (const piece of pieces) parts.push(Buffer.isBuffer(piece) ? piece : Buffer.from(piece));
      },
      commit: async () => {
        this.pending.delete(ref);
        this.committed.set(ref, Buffer.concat(parts));
      },
      close: async () => {},
    };
  }

  async read(ref: string): Promise<Buffer | undefined> {
    return this.committed.get(ref);
  }

  /** The reference for the local store's synchronous small-file read: the same answer as read(). */
  readNow(ref: string): Buffer | undefined {
    return this.committed.get(ref);
  }

  async stream(ref: string): Promise<Readable | undefined> {
    const blob = this.committed.get(ref);
    if (!blob) return undefined;
    const pieces: Buffer[] = [];
    for (let i = 0; i < blob.length; i += 1024 * 1024) pieces.push(blob.subarray(i, i + 1024 * 1024));
    return Readable.from(pieces, { objectMode: false });
  }

  async readPending(ref: string): Promise<Buffer | undefined> {
    const parts = this.pending.get(ref);
    return parts && Buffer.concat(parts);
  }

  async commitPending(ref: string, length: number): Promise<boolean> {
    const parts = this.pending.get(ref);
    if (!parts) return false;
    this.pending.delete(ref);
    this.committed.set(ref, Buffer.concat(parts).subarray(0, length));
    return true;
  }

  async delete(ref: string): Promise<void> {
    this.committed.delete(ref);
    this.pending.delete(ref);
  }

  async *list(): AsyncIterable<BlobEntry> {
    for (const [ref, blob] of this.committed) yield { ref, state: 'committed', size: blob.length };
    for (const [ref, parts] of this.pending) {
      yield { ref, state: 'pending', size: parts.reduce((n, p) => n + p.length, 0) };
    }
  }
}
