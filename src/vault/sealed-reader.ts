// Verifies a sealed blob chunk by chunk, in order. Plaintext leaves only
// after its chunk authenticated; the first failure stops everything. Used by
// reads (whole or streamed) and by crash recovery, which wants to know how
// far a torn blob still authenticates.
//
// This is the open path of every small object, so it works on views of the
// input and compares the header's ids as bytes: no id is decoded, no header
// or nonce copied, no frame described by an object of its own.

import { TAG_BYTES } from './aead.ts';
import { bytesEqualText, ChunkParams, FINAL_FLAG, FRAME_HEAD_BYTES, headerLayout, openFrame } from './blob-format.ts';

/** Shared empty buffer (never written): an object read whole resets `#pending` twice. */
const EMPTY = Buffer.alloc(0);

export interface ReaderExpectation {
  recordId: string;
  keyId: string;
}

export type ReaderFailure =
  | 'bad_header'
  | 'record_mismatch'
  | 'key_mismatch'
  | 'bad_frame'
  | 'chunk_auth'
  | 'data_after_final'
  | 'truncated';

export type PushResult = { ok: true; chunks: Buffer[] } | { ok: false; reason: ReaderFailure };

export interface ReaderEnd {
  /** A final chunk authenticated, so nothing was cut off the end. */
  final: boolean;
  plaintextBytes: number;
  /** Bytes of the blob up to the end of the last chunk that authenticated. */
  validLength: number;
  chunkCount: number;
}

export class SealedBlobReader {
  readonly #key: Uint8Array;
  readonly #expect: ReaderExpectation;
  #pending: Buffer = EMPTY;
  #consumed = 0;
  /** Nonce and AAD of this blob's chunks, set once the header checked out. */
  #params: ChunkParams | undefined;
  #chunkSize = 0;
  #index = 0;
  #final = false;
  #plaintextBytes = 0;
  #failed: ReaderFailure | undefined;

  constructor(contentKey: Uint8Array, expect: ReaderExpectation) {
    this.#key = contentKey;
    this.#expect = expect;
  }

  /** Feeds more blob bytes; returns the plaintext of every chunk they completed. */
  push(data: Uint8Array): PushResult {
    if (this.#failed) return { ok: false, reason: this.#failed };
    // Views, not copies: a blob read whole is never duplicated, and a
    // streamed one copies only the frame that straddles two reads.
    let input = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const chunks: Buffer[] = [];
    if (!this.#params) {
      const buf = this.#pending.length === 0 ? input : Buffer.concat([this.#pending, input]);
      const layout = headerLayout(buf);
      if (!layout.ok) {
        if (layout.error !== 'incomplete') return this.#fail('bad_header');
        this.#pending = buf;
        return { ok: true, chunks };
      }
      const { length, chunkSize, keyIdStart, keyIdEnd, recordIdStart } = layout.value;
      if (!bytesEqualText(buf, recordIdStart, length, this.#expect.recordId)) return this.#fail('record_mismatch');
      if (!bytesEqualText(buf, keyIdStart, keyIdEnd, this.#expect.keyId)) return this.#fail('key_mismatch');
      // ChunkParams copies the header, so `buf` may be reused by its owner.
      this.#params = new ChunkParams(buf, length);
      this.#chunkSize = chunkSize;
      this.#consumed = length;
      this.#pending = EMPTY;
      input = buf.subarray(length);
    } else if (this.#pending.length > 0) {
      // Complete the frame begun in an earlier push, copying only its bytes.
      const headNeed = Math.max(0, FRAME_HEAD_BYTES - this.#pending.length);
      const withHead = Buffer.concat([this.#pending, input.subarray(0, headNeed)]);
      input = input.subarray(headNeed);
      if (withHead.length < FRAME_HEAD_BYTES) {
        this.#pending = withHead;
        return { ok: true, chunks };
      }
      const total = FRAME_HEAD_BYTES + withHead.readUInt32BE(1) + TAG_BYTES;
      if (withHead.readUInt32BE(1) > this.#chunkSize) return this.#fail('bad_frame');
      const need = total - withHead.length;
      if (input.length < need) {
        this.#pending = Buffer.concat([withHead, input]);
        return { ok: true, chunks };
      }
      const frame = Buffer.concat([withHead, input.subarray(0, need)]);
      input = input.subarray(need);
      this.#pending = EMPTY;
      const done = this.#frames(frame, chunks);
      if (!done.ok) return done;
    }
    const done = this.#frames(input, chunks);
    if (!done.ok) return done;
    return { ok: true, chunks };
  }

  /**
   * Opens every whole frame in `buf` (layout in blob-format.ts); keeps the
   * incomplete rest as pending. The checks run in scanFrame's order.
   */
  #frames(buf: Buffer, chunks: Buffer[]): PushResult {
    const params = this.#params!;
    // validLength must count every chunk that authenticated, also when a
    // later one in the same buffer fails (recovery cuts the blob there).
    const base = this.#consumed;
    let offset = 0;
    while (buf.length - offset >= FRAME_HEAD_BYTES) {
      const flags = buf[offset]!;
      if ((flags & ~FINAL_FLAG) !== 0) return this.#fail('bad_frame');
      const length = buf.readUInt32BE(offset + 1);
      if (length > this.#chunkSize) return this.#fail('bad_frame');
      const ctStart = offset + FRAME_HEAD_BYTES;
      const ctEnd = ctStart + length;
      if (buf.length < ctEnd + TAG_BYTES) break;
      if (this.#final) return this.#fail('data_after_final');
      const final = (flags & FINAL_FLAG) !== 0;
      const plain = openFrame(this.#key, params, this.#index, final, buf, ctStart, ctEnd);
      if (!plain) return this.#fail('chunk_auth');
      this.#consumed = base + ctEnd + TAG_BYTES;
      this.#index += 1;
      this.#final = final;
      this.#plaintextBytes += plain.length;
      if (plain.length > 0) chunks.push(plain);
      offset = ctEnd + TAG_BYTES;
    }
    this.#pending = offset === buf.length ? EMPTY : buf.subarray(offset);
    return { ok: true, chunks };
  }

  /** Call after the last push. Leftover bytes that form no whole chunk are reported as 'truncated'. */
  end(): { ok: true; value: ReaderEnd } | { ok: false; reason: ReaderFailure; value: ReaderEnd } {
    const value: ReaderEnd = {
      final: this.#final,
      plaintextBytes: this.#plaintextBytes,
      validLength: this.#consumed,
      chunkCount: this.#index,
    };
    if (this.#failed) return { ok: false, reason: this.#failed, value };
    if (!this.#params || this.#pending.length > 0) return { ok: false, reason: 'truncated', value };
    return { ok: true, value };
  }

  #fail(reason: ReaderFailure): PushResult {
    this.#failed = reason;
    this.#pending = EMPTY;
    return { ok: false, reason };
  }
}
