// Verifies a sealed blob chunk by chunk, in order. Plaintext leaves only
// after its chunk authenticated; the first failure stops everything. Used by
// reads (whole or streamed) and by crash recovery, which wants to know how
// far a torn blob still authenticates.
//
// This is the open path of every small object, so it works on views of the
// input and compares the header's ids as bytes: no id is decoded, no header
// or nonce copied, no frame described by an object of its own.

import { TAG_BYTES } from './aead.ts';
import { bytesEqualText, ChunkParams, FINAL_FLAG, FRAME_HEAD_BYTES, headerLayout, openFrame, openFrameParts } from './blob-format.ts';

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
  /** Header bytes received so far, while the header is incomplete. */
  #pending: Buffer = EMPTY;
  /**
   * The start of a frame that straddles pushes, as views of the pushes
   * (a file streams in 64 KiB reads, a frame is up to a chunk long): it is
   * opened piece by piece once complete, never copied together.
   */
  #parts: Buffer[] = [];
  #partsBytes = 0;
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
    // Views, not copies: a blob read whole is never duplicated, and of a
    // streamed one only a frame head or tag split between reads is.
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
    } else if (this.#partsBytes > 0) {
      const straddled = this.#straddled(input, chunks);
      if (!straddled.ok) return straddled;
      if (straddled.rest === undefined) return { ok: true, chunks };
      input = straddled.rest;
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
    if (offset < buf.length) {
      this.#parts.push(buf.subarray(offset));
      this.#partsBytes = buf.length - offset;
    }
    return { ok: true, chunks };
  }

  /**
   * Adds `input` to the frame begun in earlier pushes; opens it once whole.
   * Returns what follows the frame in `input` (undefined: all kept). The
   * checks run in #frames' order.
   */
  #straddled(input: Buffer, chunks: Buffer[]): { ok: true; rest: Buffer | undefined } | { ok: false; reason: ReaderFailure } {
    const parts = this.#parts;
    const before = this.#partsBytes;
    parts.push(input);
    const have = before + input.length;
    if (have < FRAME_HEAD_BYTES) {
      this.#partsBytes = have;
      return { ok: true, rest: undefined };
    }
    const head = bytesAt(parts, 0, FRAME_HEAD_BYTES);
    const flags = head[0]!;
    if ((flags & ~FINAL_FLAG) !== 0) return this.#fail('bad_frame');
    const length = head.readUInt32BE(1);
    if (length > this.#chunkSize) return this.#fail('bad_frame');
    const total = FRAME_HEAD_BYTES + length + TAG_BYTES;
    if (have < total) {
      this.#partsBytes = have;
      return { ok: true, rest: undefined };
    }
    if (this.#final) return this.#fail('data_after_final');
    const final = (flags & FINAL_FLAG) !== 0;
    const used = total - before;
    parts[parts.length - 1] = input.subarray(0, used);
    const plain = openFrameParts(this.#key, this.#params!, this.#index, final, viewsOf(parts, FRAME_HEAD_BYTES, FRAME_HEAD_BYTES + length), bytesAt(parts, total - TAG_BYTES, total));
    if (!plain) return this.#fail('chunk_auth');
    this.#parts = [];
    this.#partsBytes = 0;
    this.#consumed += total;
    this.#index += 1;
    this.#final = final;
    for (const p of plain) {
      this.#plaintextBytes += p.length;
      if (p.length > 0) chunks.push(p);
    }
    return { ok: true, rest: input.subarray(used) };
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
    if (!this.#params || this.#partsBytes > 0) return { ok: false, reason: 'truncated', value };
    return { ok: true, value };
  }

  #fail(reason: ReaderFailure): { ok: false; reason: ReaderFailure } {
    this.#failed = reason;
    this.#pending = EMPTY;
    this.#parts = [];
    this.#partsBytes = 0;
    return { ok: false, reason };
  }
}

/** Views of bytes `start..end` of the concatenation of `parts` (no copy). */
function viewsOf(parts: readonly Buffer[], start: number, end: number): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (const part of parts) {
    const from = Math.max(start - at, 0);
    const to = Math.min(end - at, part.length);
    if (from < to) out.push(part.subarray(from, to));
    at += part.length;
    if (at >= end) break;
  }
  return out;
}

/** Bytes `start..end` of the concatenation of `parts`; copies only when they straddle (a frame head, a tag). */
function bytesAt(parts: readonly Buffer[], start: number, end: number): Buffer {
  const views = viewsOf(parts, start, end);
  return views.length === 1 ? views[0]! : Buffer.concat(views);
}
