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

import { gcmOpen, gcmSealParts, TAG_BYTES } from './aead.ts';

export const MAGIC = Buffer.from('SVLT', 'ascii');
export const FORMAT_VERSION = 1;
export const NONCE_PREFIX_BYTES = 8;
export const FRAME_OVERHEAD = 1 + 4 + TAG_BYTES;
export const MIN_CHUNK_SIZE = 1;
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;
const FINAL_FLAG = 0x01;

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
  const keyId = Buffer.from(h.keyId, 'ascii');
  const recordId = Buffer.from(h.recordId, 'utf8');
  if (keyId.length < 1 || keyId.length > 255) throw new Error('key id must be 1..255 bytes');
  if (recordId.length < 1 || recordId.length > 0xffff) throw new Error('record id must be 1..65535 bytes');
  if (h.noncePrefix.length !== NONCE_PREFIX_BYTES) throw new Error('nonce prefix must be 8 bytes');
  if (!Number.isInteger(h.chunkSize) || h.chunkSize < MIN_CHUNK_SIZE || h.chunkSize > MAX_CHUNK_SIZE) {
    throw new Error('chunk size out of range');
  }
  // Every byte is written below; allocUnsafe takes a slice of Node's pool
  // instead of a fresh zeroed ArrayBuffer (the same for the small buffers
  // below: per-object allocations were a visible cost for 1 KiB objects).
  const out = Buffer.allocUnsafe(4 + 1 + 1 + 4 + NONCE_PREFIX_BYTES + 1 + keyId.length + 2 + recordId.length);
  let o = MAGIC.copy(out, 0);
  out[o++] = FORMAT_VERSION;
  out[o++] = 0;
  o = out.writeUInt32BE(h.chunkSize, o);
  o += h.noncePrefix.copy(out, o);
  out[o++] = keyId.length;
  o += keyId.copy(out, o);
  o = out.writeUInt16BE(recordId.length, o);
  recordId.copy(out, o);
  return out;
}

/** Decodes the header at the start of `buf`; `length` is its size in bytes. */
export function decodeHeader(buf: Uint8Array): Result<{ header: BlobHeader; length: number }, FormatError> {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const fixed = 4 + 1 + 1 + 4 + NONCE_PREFIX_BYTES + 1;
  if (b.length < fixed) return { ok: false, error: b.length >= 4 && !b.subarray(0, 4).equals(MAGIC) ? 'bad_magic' : 'incomplete' };
  if (!b.subarray(0, 4).equals(MAGIC)) return { ok: false, error: 'bad_magic' };
  if (b[4] !== FORMAT_VERSION) return { ok: false, error: 'bad_version' };
  if (b[5] !== 0) return { ok: false, error: 'bad_flags' };
  const chunkSize = b.readUInt32BE(6);
  if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) return { ok: false, error: 'bad_chunk_size' };
  const noncePrefix = Buffer.from(b.subarray(10, 10 + NONCE_PREFIX_BYTES));
  const keyLen = b[fixed - 1]!;
  if (keyLen === 0) return { ok: false, error: 'bad_key_id' };
  if (b.length < fixed + keyLen + 2) return { ok: false, error: 'incomplete' };
  const keyId = b.subarray(fixed, fixed + keyLen).toString('ascii');
  const recLen = b.readUInt16BE(fixed + keyLen);
  if (recLen === 0) return { ok: false, error: 'bad_record_id' };
  const length = fixed + keyLen + 2 + recLen;
  if (b.length < length) return { ok: false, error: 'incomplete' };
  const recordId = b.subarray(fixed + keyLen + 2, length).toString('utf8');
  return { ok: true, value: { header: { chunkSize, noncePrefix, keyId, recordId }, length } };
}

function chunkNonce(prefix: Buffer, index: number): Buffer {
  const nonce = Buffer.allocUnsafe(NONCE_PREFIX_BYTES + 4);
  prefix.copy(nonce, 0);
  nonce.writeUInt32BE(index, NONCE_PREFIX_BYTES);
  return nonce;
}

function chunkAad(headerBytes: Buffer, index: number, final: boolean): Buffer {
  const aad = Buffer.allocUnsafe(headerBytes.length + 5);
  headerBytes.copy(aad, 0);
  aad.writeUInt32BE(index, headerBytes.length);
  aad[headerBytes.length + 4] = final ? 1 : 0;
  return aad;
}

/**
 * Seals one chunk (plaintext whole or in pieces) and returns its frame as
 * pieces (frame head, ciphertext, tag), so no byte is copied to assemble it.
 */
export function sealChunkParts(
  contentKey: Uint8Array,
  headerBytes: Buffer,
  noncePrefix: Buffer,
  index: number,
  final: boolean,
  plaintext: Uint8Array | readonly Uint8Array[],
): Buffer[] {
  if (index > 0xffffffff) throw new Error('too many chunks');
  const length = plaintext instanceof Uint8Array ? plaintext.length : plaintext.reduce((n, p) => n + p.length, 0);
  const head = Buffer.allocUnsafe(5);
  head[0] = final ? FINAL_FLAG : 0;
  head.writeUInt32BE(length, 1);
  return [head, ...gcmSealParts(contentKey, chunkNonce(noncePrefix, index), chunkAad(headerBytes, index, final), plaintext)];
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

/** Opens one chunk; undefined when it does not authenticate at this index. */
export function openChunk(
  contentKey: Uint8Array,
  headerBytes: Buffer,
  noncePrefix: Buffer,
  index: number,
  final: boolean,
  sealed: Buffer,
): Buffer | undefined {
  return gcmOpen(contentKey, chunkNonce(noncePrefix, index), chunkAad(headerBytes, index, final), sealed);
}

/** Bytes on disk for a blob of `size` plaintext bytes sealed in one go. */
export function sealedLength(headerLength: number, size: number, chunkSize: number): number {
  const chunks = Math.max(1, Math.ceil(size / chunkSize));
  return headerLength + size + chunks * FRAME_OVERHEAD;
}
