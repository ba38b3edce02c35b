// Sealed blob format, version 1. Pure: encodes and decodes bytes, never
// touches the disk, and returns results instead of throwing on bad input
// (a blob on disk is as untrusted as a packet from a peer).
//
// Header:
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-------------------------------------------------------------+
//   |                     magic "SVLT" (4)                        |
//   +---------------+---------------+-----------------------------+
//   |  version = 1  | flags = 0     |   chunk size (u32, max      |
//   +---------------+---------------+   plaintext bytes/chunk)    |
//   |                               +-----------------------------+
//   |              nonce prefix (8 random bytes per object)       |
//   |                               +---------------+-------------+
//   |                               | key id len K  | key id (K)  ...
//   +-------------------------------+---------------+-------------+
//   | record id len R (u16) | record id (R bytes, UTF-8) ...
//   +-----------------------+-------------------------------------+
//
// Then chunks, each framed:
//   flags (1, bit 0 = final) | plaintext length L (u32) | ciphertext (L) | tag (16)
//
// Every chunk is AES-256-GCM under the object's own content key with
//   nonce = nonce prefix (8) || chunk index (u32 BE)
//   AAD   = header bytes || chunk index (u32 BE) || final flag (u8)
// The header holds the record id, so AAD = record id + index + final flag
// (plus the rest of the header, which is thereby authenticated too):
// reordering changes the index, truncation loses the final chunk, a chunk
// or blob from another record fails under the other record id (and the
// other content key), and any flipped byte breaks a tag.
//
// Why counter nonces rather than random ones: the content key is fresh and
// random for every object and seals nothing else, so (key, index) pairs can
// never repeat; a counter cannot collide where 96-bit random nonces only
// probably don't, costs no bytes per chunk, and binds position into the
// nonce as well as the AAD. The random prefix is defence in depth should a
// content key ever be reused by a bug. A writer never re-seals an index: a
// timer flush closes the chunk it seals and later data goes to the next one.

import { gcmOpen, gcmOpenAt, gcmOpenParts, gcmSealParts, TAG_BYTES } from './aead.ts';

export const MAGIC = Buffer.from('SVLT', 'ascii');
export const FORMAT_VERSION = 1;
export const NONCE_PREFIX_BYTES = 8;
/** Frame head: flags (1) and plaintext length (4). */
export const FRAME_HEAD_BYTES = 1 + 4;
export const FRAME_OVERHEAD = FRAME_HEAD_BYTES + TAG_BYTES;
export const MIN_CHUNK_SIZE = 1;
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;
export const FINAL_FLAG = 0x01;

export interface BlobHeader {
  chunkSize: number;
  noncePrefix: Buffer;
  keyId: string;
  recordId: string;
}

export type FormatError =
  | 'incomplete'
  | 'bad_magic'
  | 'bad_version'
  | 'bad_flags'
  | 'bad_chunk_size'
  | 'bad_key_id'
  | 'bad_record_id'
  | 'bad_frame_length';

export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

export function encodeHeader(h: BlobHeader): Buffer {
  // Ids are measured, then written straight into the header: no buffer per id.
  const keyIdLength = Buffer.byteLength(h.keyId, 'latin1');
  const recordIdLength = Buffer.byteLength(h.recordId, 'utf8');
  if (keyIdLength < 1 || keyIdLength > 255) throw new Error('key id must be 1..255 bytes');
  if (!/^[\x20-\x7e]+$/.test(h.keyId)) throw new Error('key id must be printable ASCII');
  if (recordIdLength < 1 || recordIdLength > 0xffff) throw new Error('record id must be 1..65535 bytes');
  if (h.noncePrefix.length !== NONCE_PREFIX_BYTES) throw new Error('nonce prefix must be 8 bytes');
  if (!Number.isInteger(h.chunkSize) || h.chunkSize < MIN_CHUNK_SIZE || h.chunkSize > MAX_CHUNK_SIZE) {
    throw new Error('chunk size out of range');
  }
  // Every byte is written below; allocUnsafe takes a slice of Node's pool
  // instead of a fresh zeroed ArrayBuffer (per-object allocations were a
  // visible cost for 1 KiB objects).
  const out = Buffer.allocUnsafe(FIXED_HEADER_BYTES + keyIdLength + 2 + recordIdLength);
  let o = MAGIC.copy(out, 0);
  out[o++] = FORMAT_VERSION;
  out[o++] = 0;
  o = out.writeUInt32BE(h.chunkSize, o);
  o += h.noncePrefix.copy(out, o);
  out[o++] = keyIdLength;
  o += out.write(h.keyId, o, 'latin1');
  o = out.writeUInt16BE(recordIdLength, o);
  out.write(h.recordId, o, 'utf8');
  return out;
}

/** Where the variable fields of a header lie in its bytes; see {@link headerLayout}. */
export interface HeaderLayout {
  /** Header size in bytes. */
  length: number;
  chunkSize: number;
  keyIdStart: number;
  keyIdEnd: number;
  recordIdStart: number;
}

const FIXED_HEADER_BYTES = 4 + 1 + 1 + 4 + NONCE_PREFIX_BYTES + 1;
const NONCE_PREFIX_OFFSET = 10;

/**
 * Checks the header at the start of `buf` and locates its fields without
 * copying or decoding any of them (the reader compares ids in place: a
 * string decode and a nonce copy per object were a visible cost for small
 * objects). The record id runs from `recordIdStart` to `length`.
 */
export function headerLayout(buf: Uint8Array): Result<HeaderLayout, FormatError> {
  const fixed = FIXED_HEADER_BYTES;
  const magicOk = buf.length >= 4 && buf[0] === MAGIC[0] && buf[1] === MAGIC[1] && buf[2] === MAGIC[2] && buf[3] === MAGIC[3];
  if (buf.length < fixed) return { ok: false, error: buf.length >= 4 && !magicOk ? 'bad_magic' : 'incomplete' };
  if (!magicOk) return { ok: false, error: 'bad_magic' };
  if (buf[4] !== FORMAT_VERSION) return { ok: false, error: 'bad_version' };
  if (buf[5] !== 0) return { ok: false, error: 'bad_flags' };
  const chunkSize = ((buf[6]! << 24) >>> 0) + (buf[7]! << 16) + (buf[8]! << 8) + buf[9]!;
  if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) return { ok: false, error: 'bad_chunk_size' };
  const keyLen = buf[fixed - 1]!;
  if (keyLen === 0) return { ok: false, error: 'bad_key_id' };
  const keyIdEnd = fixed + keyLen;
  if (buf.length < keyIdEnd + 2) return { ok: false, error: 'incomplete' };
  const recLen = (buf[keyIdEnd]! << 8) + buf[keyIdEnd + 1]!;
  if (recLen === 0) return { ok: false, error: 'bad_record_id' };
  const length = keyIdEnd + 2 + recLen;
  if (buf.length < length) return { ok: false, error: 'incomplete' };
  return { ok: true, value: { length, chunkSize, keyIdStart: fixed, keyIdEnd, recordIdStart: keyIdEnd + 2 } };
}

/** Decodes the header at the start of `buf`; `length` is its size in bytes. */
export function decodeHeader(buf: Uint8Array): Result<{ header: BlobHeader; length: number }, FormatError> {
  const layout = headerLayout(buf);
  if (!layout.ok) return layout;
  const { length, chunkSize, keyIdStart, keyIdEnd, recordIdStart } = layout.value;
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const noncePrefix = Buffer.from(b.subarray(NONCE_PREFIX_OFFSET, NONCE_PREFIX_OFFSET + NONCE_PREFIX_BYTES));
  const keyId = b.toString('ascii', keyIdStart, keyIdEnd);
  const recordId = b.toString('utf8', recordIdStart, length);
  return { ok: true, value: { header: { chunkSize, noncePrefix, keyId, recordId }, length } };
}

/**
 * True when bytes `start..end` of `buf` are exactly `text` in UTF-8 (ids are
 * compared as bytes, never decoded, so no two byte strings can match one id).
 */
export function bytesEqualText(buf: Uint8Array, start: number, end: number, text: string): boolean {
  if (end - start === text.length) {
    let ascii = true;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) {
        ascii = false;
        break;
      }
      if (buf[start + i] !== c) return false;
    }
    if (ascii) return true;
  }
  const encoded = Buffer.from(text, 'utf8');
  return encoded.length === end - start && encoded.equals(buf.subarray(start, end));
}

/**
 * The nonce and AAD of one object's chunks, in a single buffer rewritten
 * in place for each chunk: nonce = prefix || index, AAD = header || index ||
 * final flag. The cipher copies both when it is set up, so the next chunk
 * may rewrite them; this saves two allocations and a header copy per chunk.
 * One instance per object, used synchronously.
 */
export class ChunkParams {
  readonly #nonce: Buffer;
  readonly #aad: Buffer;
  readonly #headerLength: number;

  /**
   * `header` starts with the encoded header, `headerLength` bytes long (it
   * may be a whole blob). The nonce prefix is the header's unless given.
   */
  constructor(header: Uint8Array, headerLength = header.length, noncePrefix?: Uint8Array) {
    if (noncePrefix && noncePrefix.length !== NONCE_PREFIX_BYTES) throw new Error('nonce prefix must be 8 bytes');
    const space = Buffer.allocUnsafe(NONCE_PREFIX_BYTES + 4 + headerLength + 5);
    // Buffer.prototype.copy takes ranges, so no view is made for either copy.
    const from = Buffer.isBuffer(header) ? header : Buffer.from(header.buffer, header.byteOffset, header.byteLength);
    if (noncePrefix) space.set(noncePrefix, 0);
    else from.copy(space, 0, NONCE_PREFIX_OFFSET, NONCE_PREFIX_OFFSET + NONCE_PREFIX_BYTES);
    from.copy(space, NONCE_PREFIX_BYTES + 4, 0, headerLength);
    this.#nonce = space.subarray(0, NONCE_PREFIX_BYTES + 4);
    this.#aad = space.subarray(NONCE_PREFIX_BYTES + 4);
    this.#headerLength = headerLength;
  }

  /** The header bytes (a view; valid as long as this object). */
  get headerBytes(): Buffer {
    return this.#aad.subarray(0, this.#headerLength);
  }

  /** Points nonce and AAD at chunk `index`; returns them (views, rewritten by the next call). */
  at(index: number, final: boolean): { nonce: Buffer; aad: Buffer } {
    if (index > 0xffffffff) throw new Error('too many chunks');
    this.#nonce.writeUInt32BE(index, NONCE_PREFIX_BYTES);
    this.#aad.writeUInt32BE(index, this.#headerLength);
    this.#aad[this.#headerLength + 4] = final ? FINAL_FLAG : 0;
    return { nonce: this.#nonce, aad: this.#aad };
  }
}

/**
 * Seals chunk `index` of the object `params` describes; returns its frame as
 * pieces (frame head, ciphertext, tag), so no byte is copied to assemble it.
 */
export function sealFrame(
  contentKey: Uint8Array,
  params: ChunkParams,
  index: number,
  final: boolean,
  plaintext: Uint8Array | readonly Uint8Array[],
): Buffer[] {
  const { nonce, aad } = params.at(index, final);
  let length = 0;
  if (plaintext instanceof Uint8Array) length = plaintext.length;
  else for (const p of plaintext) length += p.length;
  const head = Buffer.allocUnsafe(5);
  head[0] = final ? FINAL_FLAG : 0;
  head.writeUInt32BE(length, 1);
  const out = gcmSealParts(contentKey, nonce, aad, plaintext);
  out.unshift(head);
  return out;
}

/**
 * Opens chunk `index` whose ciphertext is `buf[ctStart..ctEnd]` followed by
 * its tag; undefined when it does not authenticate at this index.
 */
export function openFrame(
  contentKey: Uint8Array,
  params: ChunkParams,
  index: number,
  final: boolean,
  buf: Buffer,
  ctStart: number,
  ctEnd: number,
): Buffer | undefined {
  const { nonce, aad } = params.at(index, final);
  return gcmOpenAt(contentKey, nonce, aad, buf, ctStart, ctEnd);
}

/**
 * As {@link openFrame}, for a ciphertext given in pieces (a frame split
 * between reads); returns the plaintext in pieces, or undefined.
 */
export function openFrameParts(
  contentKey: Uint8Array,
  params: ChunkParams,
  index: number,
  final: boolean,
  ciphertext: readonly Buffer[],
  tag: Buffer,
): Buffer[] | undefined {
  const { nonce, aad } = params.at(index, final);
  return gcmOpenParts(contentKey, nonce, aad, ciphertext, tag);
}

/** As {@link sealFrame}, for callers holding the header and prefix rather than a ChunkParams. */
export function sealChunkParts(
  contentKey: Uint8Array,
  headerBytes: Buffer,
  noncePrefix: Buffer,
  index: number,
  final: boolean,
  plaintext: Uint8Array | readonly Uint8Array[],
): Buffer[] {
  return sealFrame(contentKey, new ChunkParams(headerBytes, headerBytes.length, noncePrefix), index, final, plaintext);
}

/** Seals one chunk and returns its complete frame. */
export function sealChunk(
  contentKey: Uint8Array,
  headerBytes: Buffer,
  noncePrefix: Buffer,
  index: number,
  final: boolean,
  plaintext: Uint8Array,
): Buffer {
  return Buffer.concat(sealChunkParts(contentKey, headerBytes, noncePrefix, index, final, plaintext));
}

export type FrameScan =
  | { kind: 'frame'; final: boolean; sealed: Buffer; next: number }
  | { kind: 'incomplete' }
  | { kind: 'invalid'; error: FormatError };

/** Locates the frame starting at `offset` without decrypting it. */
export function scanFrame(buf: Buffer, offset: number, chunkSize: number): FrameScan {
  if (buf.length - offset < 5) return { kind: 'incomplete' };
  const flags = buf[offset]!;
  if ((flags & ~FINAL_FLAG) !== 0) return { kind: 'invalid', error: 'bad_flags' };
  const len = buf.readUInt32BE(offset + 1);
  if (len > chunkSize) return { kind: 'invalid', error: 'bad_frame_length' };
  const end = offset + 5 + len + TAG_BYTES;
  if (buf.length < end) return { kind: 'incomplete' };
  return { kind: 'frame', final: (flags & FINAL_FLAG) !== 0, sealed: buf.subarray(offset + 5, end), next: end };
}

/** Opens one chunk (ciphertext || tag); undefined when it does not authenticate at this index. */
export function openChunk(
  contentKey: Uint8Array,
  headerBytes: Buffer,
  noncePrefix: Buffer,
  index: number,
  final: boolean,
  sealed: Buffer,
): Buffer | undefined {
  const { nonce, aad } = new ChunkParams(headerBytes, headerBytes.length, noncePrefix).at(index, final);
  return gcmOpen(contentKey, nonce, aad, sealed);
}

/** Bytes of the header naming `keyId` and `recordId` (encodeHeader's length, without encoding it). */
export function headerLength(keyId: string, recordId: string): number {
  return FIXED_HEADER_BYTES + Buffer.byteLength(keyId, 'latin1') + 2 + Buffer.byteLength(recordId, 'utf8');
}

/** Bytes on disk for a blob of `size` plaintext bytes sealed in one go. */
export function sealedLength(headerLength: number, size: number, chunkSize: number): number {
  const chunks = Math.max(1, Math.ceil(size / chunkSize));
  return headerLength + size + chunks * FRAME_OVERHEAD;
}
