// Verifies a sealed blob chunk by chunk, in order. Plaintext leaves only
// after its chunk authenticated; the first failure stops everything. Used by
// reads (whole or streamed) and by crash recovery, which wants to know how
// far a torn blob still authenticates.

import { decodeHeader, openChunk, scanFrame, type BlobHeader } from './blob-format.ts';

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
  #pending: Buffer = Buffer.alloc(0);
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
    this.#pending = this.#pending.length === 0 ? Buffer.from(data) : Buffer.concat([this.#pending, data]);
    const chunks: Buffer[] = [];
    let offset = 0;
    if (!this.#header) {
      const decoded = decodeHeader(this.#pending);
      if (!decoded.ok) {
        if (decoded.error === 'incomplete') return { ok: true, chunks };
        return this.#fail('bad_header');
      }
      const { header, length } = decoded.value;
      if (header.recordId !== this.#expect.recordId) return this.#fail('record_mismatch');
      if (header.keyId !== this.#expect.keyId) return this.#fail('key_mismatch');
      this.#header = { header, bytes: Buffer.from(this.#pending.subarray(0, length)) };
      offset = length;
    }
    const { header, bytes } = this.#header;
    for (;;) {
      const frame = scanFrame(this.#pending, offset, header.chunkSize);
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
    this.#pending = this.#pending.subarray(offset);
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
    this.#pending = Buffer.alloc(0);
    return { ok: false, reason };
  }
}
