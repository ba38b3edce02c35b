// Streaming writer: seals data as it arrives (a voicemail being recorded)
// and makes each chunk durable, so a crash loses at most the bytes not yet
// synced. Two triggers bound that loss:
//   - time: every `flushIntervalMs` (default 1 s) buffered bytes are sealed
//     as a chunk and synced, so a real-time source loses at most ~1 s
//     (8 KB of G.711);
//   - size: write() resolves only once at most `maxUnsyncedBytes` (default
//     8000, 1 s of G.711) of everything written is not yet durable, which
//     bounds loss for sources faster than real time and applies backpressure.
// Each sealed chunk closes its index: later bytes go to the next index, so
// no (key, nonce) pair is ever used twice.

import type { BlobAppender } from './blob-store.ts';
import { ChunkParams, sealFrame } from './blob-format.ts';
import { VaultError, VaultErrorCode } from './errors.ts';
import type { ObjectRecord } from './repositories.ts';

export interface Scheduler {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const systemScheduler: Scheduler = {
  setInterval(fn, ms) {
    const t = setInterval(fn, ms);
    // The recording's own socket keeps the process alive, not this timer.
    t.unref();
    return t;
  },
  clearInterval(handle) {
    clearInterval(handle as NodeJS.Timeout);
  },
};

export interface SealedWriterOptions {
  flushIntervalMs?: number;
  maxUnsyncedBytes?: number;
  scheduler?: Scheduler;
}

/** What the writer needs from the vault; keeps this file free of repositories. */
export interface WriterSession {
  objectId: string;
  appender: BlobAppender;
  contentKey: Buffer;
  headerBytes: Buffer;
  noncePrefix: Buffer;
  chunkSize: number;
  /** Marks the record committed with its plaintext size, after the blob is committed. */
  onCommitted(size: number): Promise<ObjectRecord>;
  /** Destroys the record and blob of an abandoned write. */
  onAborted(): Promise<void>;
}

type WriterState = 'open' | 'committing' | 'committed' | 'aborted' | 'failed';

export class SealedWriter {
  readonly objectId: string;
  readonly #s: WriterSession;
  readonly #maxUnsynced: number;
  readonly #scheduler: Scheduler;
  readonly #timer: unknown;
  readonly #params: ChunkParams;
  #state: WriterState = 'open';
  #buffer: Buffer[] = [];
  #buffered = 0;
  #queued = 0;
  #durable = 0;
  #written = 0;
  #index = 0;
  #tail: Promise<void> = Promise.resolve();
  #error: unknown;

  constructor(session: WriterSession, options: SealedWriterOptions = {}) {
    this.objectId = session.objectId;
    this.#s = session;
    this.#params = new ChunkParams(session.headerBytes, session.headerBytes.length, session.noncePrefix);
    this.#maxUnsynced = options.maxUnsyncedBytes ?? 8000;
    this.#scheduler = options.scheduler ?? systemScheduler;
    if (!(this.#maxUnsynced >= 1)) throw new VaultError(VaultErrorCode.InvalidArgument, 'maxUnsyncedBytes must be >= 1');
    this.#timer = this.#scheduler.setInterval(() => {
      if (this.#state === 'open' && this.#buffered > 0) this.#enqueue(this.#buffered, false).catch(() => {});
    }, options.flushIntervalMs ?? 1000);
  }

  /** Plaintext bytes accepted so far. */
  get writtenBytes(): number {
    return this.#written;
  }

  /** Plaintext bytes sealed and synced: what recovery would get back now. */
  get durableBytes(): number {
    return this.#durable;
  }

  /**
   * Accepts more plaintext. Resolves once no more than maxUnsyncedBytes of
   * all data written is still not durable; rejects if an earlier sync failed.
   */
  async write(data: Uint8Array): Promise<void> {
    this.#assertOpen();
    if (data.length === 0) return;
    // The caller's bytes are used in place for whatever is sealed before
    // this returns (chunks seal at once, see #enqueue); only a remainder
    // left buffered is copied, as the caller may reuse its buffer.
    const view = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.#buffer.push(view);
    this.#buffered += data.length;
    this.#written += data.length;
    while (this.#buffered >= this.#s.chunkSize) void this.#enqueue(this.#s.chunkSize, false).catch(() => {});
    const mustWait = this.#buffered + this.#queued > this.#maxUnsynced;
    if (mustWait && this.#buffered > 0) void this.#enqueue(this.#buffered, false).catch(() => {});
    // Sealing takes from the front, so anything still buffered ends with
    // what is left of `data`, as the last piece: that one is copied.
    if (this.#buffered > 0) this.#buffer[this.#buffer.length - 1] = Buffer.from(this.#buffer[this.#buffer.length - 1]!);
    if (mustWait) {
      await this.#tail;
      this.#throwIfFailed();
    }
  }

  /** Resolves when every chunk sealed so far is durable (seals nothing new). */
  async settled(): Promise<void> {
    await this.#tail.catch(() => {});
  }

  /** Seals and syncs whatever is buffered now. */
  async flush(): Promise<void> {
    this.#assertOpen();
    if (this.#buffered > 0) void this.#enqueue(this.#buffered, false).catch(() => {});
    await this.#tail;
    this.#throwIfFailed();
  }

  /** Seals the final chunk, syncs, and atomically publishes the object as committed. */
  async commit(): Promise<ObjectRecord> {
    this.#assertOpen();
    this.#state = 'committing';
    this.#scheduler.clearInterval(this.#timer);
    try {
      void this.#enqueue(this.#buffered, true).catch(() => {});
      await this.#tail;
      this.#throwIfFailed();
      await this.#s.appender.commit();
      const record = await this.#s.onCommitted(this.#durable);
      this.#state = 'committed';
      return record;
    } catch (err) {
      this.#state = 'failed';
      await this.#s.appender.close().catch(() => {});
      throw err;
    } finally {
      this.#s.contentKey.fill(0);
    }
  }

  /** Abandons the object: its record and blob are destroyed (receipt reason 'aborted'). */
  async abort(): Promise<void> {
    if (this.#state === 'committed' || this.#state === 'aborted') return;
    this.#state = 'aborted';
    this.#scheduler.clearInterval(this.#timer);
    await this.#tail.catch(() => {});
    await this.#s.appender.close().catch(() => {});
    this.#s.contentKey.fill(0);
    await this.#s.onAborted();
  }

  #enqueue(bytes: number, final: boolean): Promise<void> {
    const length = bytes;
    const index = this.#index++;
    this.#queued += length;
    // Sealed now, in index order; only the append waits its turn. So the
    // plaintext never outlives this call (write() need not copy it).
    const frame = sealFrame(this.#s.contentKey, this.#params, index, final, this.#take(bytes));
    const run = async (): Promise<void> => {
      if (this.#error !== undefined) throw this.#error;
      try {
        await this.#s.appender.append(frame);
      } catch (err) {
        this.#error = err;
        this.#state = this.#state === 'open' ? 'failed' : this.#state;
        throw err;
      }
      this.#queued -= length;
      this.#durable += length;
    };
    this.#tail = this.#tail.then(run, run);
    return this.#tail;
  }

  /** Removes the first `bytes` buffered bytes, as pieces (views, no copy). */
  #take(bytes: number): Buffer[] {
    const taken: Buffer[] = [];
    let need = bytes;
    let whole = 0;
    while (need > 0) {
      const piece = this.#buffer[whole]!;
      if (piece.length <= need) {
        taken.push(piece);
        need -= piece.length;
        whole += 1;
      } else {
        taken.push(piece.subarray(0, need));
        this.#buffer[whole] = piece.subarray(need);
        need = 0;
      }
    }
    this.#buffer.splice(0, whole);
    this.#buffered -= bytes;
    return taken;
  }

  #assertOpen(): void {
    this.#throwIfFailed();
    if (this.#state !== 'open') {
      throw new VaultError(VaultErrorCode.InvalidState, `writer for ${this.objectId} is ${this.#state}`, {
        objectId: this.objectId,
      });
    }
  }

  #throwIfFailed(): void {
    if (this.#error !== undefined) throw this.#error;
  }
}
