// Verifies a sealed blob chunk by chunk, in order. Plaintext leaves only
// after its chunk authenticated; the first failure stops everything. Used by
// reads (whole or streamed) and by crash recovery, which wants to know how
// far a torn blob still authenticates.

import { TAG_BYTES } from './aead.ts';
import { decodeHeader, openChunk, scanFrame, type BlobHeader } from './blob-format.ts';

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
  #header: { header: BlobHeader; bytes: Buffer } | undefined;
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
    if (!this.#header) {
      const buf = this.#pending.length === 0 ? input : Buffer.concat([this.#pending, input]);
      const decoded = decodeHeader(buf);
      if (!decoded.ok) {
        if (decoded.error !== 'incomplete') return this.#fail('bad_header');
        this.#pending = buf;
        return { ok: true, chunks };
      }
      const { header, length } = decoded.value;
      if (header.recordId !== this.#expect.recordId) return this.#fail('record_mismatch');
      if (header.keyId !== this.#expect.keyId) return this.#fail('key_mismatch');
      this.#header = { header, bytes: Buffer.from(buf.subarray(0, length)) };
      this.#consumed = length;
      this.#pending = EMPTY;
      input = buf.subarray(length);
    } else if (this.#pending.length > 0) {
      // Complete the frame begun in an earlier push, copying only its bytes.
      const headNeed = Math.max(0, 5 - this.#pending.length);
      const withHead = Buffer.concat([this.#pending, input.subarray(0, headNeed)]);
      input = input.subarray(headNeed);
      if (withHead.length < 5) {
        this.#pending = withHead;
        return { ok: true, chunks };
      }
      const total = 5 + withHead.readUInt32BE(1) + TAG_BYTES;
      if (withHead.readUInt32BE(1) > this.#header.header.chunkSize) return this.#fail('bad_frame');
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

  /** Opens every whole frame in `buf`; keeps the incomplete rest as pending. */
  #frames(buf: Buffer, chunks: Buffer[]): PushResult {
    const { header, bytes } = this.#header!;
    let offset = 0;
    for (;;) {
      const frame = scanFrame(buf, offset, header.chunkSize);
      if (frame.kind === 'incomplete') break;
      if (frame.kind === 'invalid') return this.#fail('bad_frame');
      if (this.#final) return this.#fail('data_after_final');
      const plain = openChunk(this.#key, bytes, header.noncePrefix, this.#index, frame.final, frame.sealed);
      if (!plain) return this.#fail('chunk_auth');
      this.#index += 1;
      this.#final = frame.final;
      this.#plaintextBytes += plain.length;
      if (plain.length > 0) chunks.push(plain);
      offset = frame.next;
    }
    this.#consumed += offset;
    this.#pending = buf.subarray(offset);
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
    if (!this.#header || this.#pending.length > 0) return { ok: false, reason: 'truncated', value };
    return { ok: true, value };
  }

  #fail(reason: ReaderFailure): PushResult {
    this.#failed = reason;
    this.#pending = EMPTY;
    return { ok: false, reason };
  }
}
