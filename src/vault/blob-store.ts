// Where sealed bytes live. Callers (the vault) speak only this interface, so
// an S3-compatible store can replace the local one without touching them:
// `put` maps to PutObject, committed reads to GetObject, and a pending blob
// is staged on local disk (append + fsync) and uploaded on commit. The store
// only ever sees sealed bytes; it needs no keys and holds no PHI.

import type { Readable } from 'node:stream';

export type BlobState = 'pending' | 'committed';

/** What {@link BlobStore.readNow} answers when it will not read without waiting: call read(). */
export const READ_LATER = 'later';

export interface BlobEntry {
  ref: string;
  state: BlobState;
  size: number;
}

/** A blob still being written. Each append is durable when its promise resolves. */
export interface BlobAppender {
  readonly ref: string;
  /** Appends the pieces in order (one sealed chunk: frame head, ciphertext, tag). */
  append(pieces: readonly Uint8Array[]): Promise<void>;
  /** Makes the blob committed atomically: readers see all of it or none of it. */
  commit(): Promise<void>;
  /** Releases resources, leaving the pending blob for recovery or delete. */
  close(): Promise<void>;
}

export interface BlobStore {
  /** Stores a whole blob atomically and durably. */
  put(ref: string, data: Uint8Array): Promise<void>;
  /** Creates a pending blob holding `initial` (durable on resolve). Fails if `ref` exists. */
  create(ref: string, initial: Uint8Array): Promise<BlobAppender>;
  /** A committed blob, whole; undefined if absent. */
  read(ref: string): Promise<Buffer | undefined>;
  /**
   * read() answered without a promise, or READ_LATER when the store will
   * not block its caller for this blob: `expectedBytes` (the size the
   * record implies) is too large, or the blob turns out longer than that; a
   * remote store never reads now and leaves this out. The open path of a
   * small object pays for every promise: the local store reads a small file
   * synchronously (local-blob-store.ts says why that is cheaper).
   */
  readNow?(ref: string, expectedBytes: number): Buffer | undefined | typeof READ_LATER;
  /** A committed blob as a byte stream; undefined if absent. */
  stream(ref: string): Promise<Readable | undefined>;
  /** A pending blob as it is on durable storage now; undefined if absent. */
  readPending(ref: string): Promise<Buffer | undefined>;
  /**
   * Crash recovery: keep the first `length` bytes of a pending blob, drop the
   * rest, and commit it. Returns false if there is no pending blob.
   */
  commitPending(ref: string, length: number): Promise<boolean>;
  /** Removes the blob in whatever state; idempotent. */
  delete(ref: string): Promise<void>;
  list(): AsyncIterable<BlobEntry>;
}
