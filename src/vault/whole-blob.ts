// A blob of exactly one chunk, sealed or opened in a single call. Every
// object sealBytes makes up to the chunk size (256 KiB by default: texts,
// fax pages, transcripts) is such a blob:
//
//   header (H bytes) | flags = final (1) | length L (u32) | ciphertext (L) | tag (16)
//
// The bytes, nonce and AAD are exactly those of blob-format.ts (chunk index
// 0, final flag set), so either path reads what the other wrote; these
// functions only skip the general machinery (a ChunkParams, a reader with
// its pending buffer and result objects, a list of pieces and a concat),
// which for a 1 KiB object cost as much as the AES-GCM itself. Anything
// else (several chunks, a short or long blob, a header naming another
// record) is left to SealedBlobReader, which names the failure.
// Synchronous and pure but for two scratch buffers (below).

import { createCipheriv } from 'node:crypto';
import { gcmOpenAt, TAG_BYTES } from './aead.ts';
import { bytesEqualText, FINAL_FLAG, FRAME_HEAD_BYTES, headerLayout, NONCE_PREFIX_BYTES } from './blob-format.ts';

// Nonce and AAD are assembled here rather than in a buffer per object:
// createCipheriv/createDecipheriv and setAAD consume them before they
// return, and nothing here awaits, so one call can never see another's.
// They are filled byte by byte: for 8 and ~60 bytes a loop is cheaper than
// Buffer#copy, which makes a view of its source on every call.
const nonce = Buffer.alloc(NONCE_PREFIX_BYTES + 4);
let aadSpace = Buffer.allocUnsafe(256);
/** The last AAD view handed out; objects of one vault share a header length. */
let aadView = aadSpace.subarray(0, 0);

const GCM_OPTIONS = Object.freeze({ authTagLength: TAG_BYTES });

/** Offset of the nonce prefix in the header (see blob-format.ts). */
const NONCE_PREFIX_OFFSET = 10;

/** Points the scratch nonce at chunk 0 of the blob whose header starts `buf`. */
function chunkZeroNonce(buf: Buffer): Buffer {
  for (let i = 0; i < NONCE_PREFIX_BYTES; i++) nonce[i] = buf[NONCE_PREFIX_OFFSET + i]!;
  // Index 0 (these four bytes are never written otherwise; said once more).
  nonce[8] = nonce[9] = nonce[10] = nonce[11] = 0;
  return nonce;
}

/** The scratch AAD for chunk 0 (final) of the blob whose `h`-byte header starts `buf`. */
function chunkZeroAad(buf: Buffer, h: number): Buffer {
  if (aadView.length !== h + FRAME_HEAD_BYTES) {
    if (aadSpace.length < h + FRAME_HEAD_BYTES) aadSpace = Buffer.allocUnsafe(h + FRAME_HEAD_BYTES);
    aadView = aadSpace.subarray(0, h + FRAME_HEAD_BYTES);
  }
  for (let i = 0; i < h; i++) aadView[i] = buf[i]!;
  aadView[h] = aadView[h + 1] = aadView[h + 2] = aadView[h + 3] = 0;
  aadView[h + 4] = FINAL_FLAG;
  return aadView;
}

/**
 * Seals `plaintext` as the one, final chunk of an object whose encoded
 * header is `headerBytes`; returns the whole blob in one buffer.
 */
export function sealWholeBlob(contentKey: Uint8Array, headerBytes: Buffer, plaintext: Uint8Array): Buffer {
  const h = headerBytes.length;
  const length = plaintext.length;
  const blob = Buffer.allocUnsafe(h + FRAME_HEAD_BYTES + length + TAG_BYTES);
  headerBytes.copy(blob, 0);
  // The AAD is header || index (u32) || final flag: 5 bytes after the
  // header, exactly where the frame head will go. They are written there
  // first, the cipher takes the AAD, and the frame head replaces them.
  blob.writeUInt32BE(0, h);
  blob[h + 4] = FINAL_FLAG;
  const cipher = createCipheriv('aes-256-gcm', contentKey, chunkZeroNonce(blob), GCM_OPTIONS);
  cipher.setAAD(blob.subarray(0, h + FRAME_HEAD_BYTES));
  blob[h] = FINAL_FLAG;
  blob.writeUInt32BE(length, h + 1);
  let at = h + FRAME_HEAD_BYTES;
  at += cipher.update(plaintext).copy(blob, at);
  at += cipher.final().copy(blob, at);
  cipher.getAuthTag().copy(blob, at);
  return blob;
}

/**
 * The plaintext of `blob` when it is one final chunk, under a header naming
 * `recordId` and `keyId`, that authenticates with `contentKey`; undefined
 * for anything else (then SealedBlobReader decides and says why).
 */
export function openWholeBlob(contentKey: Uint8Array, blob: Buffer, recordId: string, keyId: string): Buffer | undefined {
  const layout = headerLayout(blob);
  if (!layout.ok) return undefined;
  const { length: h, chunkSize, keyIdStart, keyIdEnd, recordIdStart } = layout.value;
  if (blob.length < h + FRAME_HEAD_BYTES + TAG_BYTES || blob[h] !== FINAL_FLAG) return undefined;
  const length = blob.readUInt32BE(h + 1);
  const ctStart = h + FRAME_HEAD_BYTES;
  if (length > chunkSize || ctStart + length + TAG_BYTES !== blob.length) return undefined;
  if (!bytesEqualText(blob, recordIdStart, h, recordId) || !bytesEqualText(blob, keyIdStart, keyIdEnd, keyId)) return undefined;
  return gcmOpenAt(contentKey, chunkZeroNonce(blob), chunkZeroAad(blob, h), blob, ctStart, ctStart + length);
}
