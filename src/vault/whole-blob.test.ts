import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { freshRandom, KEY_BYTES } from './aead.ts';
import { encodeHeader, FRAME_OVERHEAD, sealChunk } from './blob-format.ts';
import { SealedBlobReader } from './sealed-reader.ts';
import { openWholeBlob, sealWholeBlob } from './whole-blob.ts';

const KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const PREFIX = Buffer.from('0102030405060708', 'hex');
const IDS = { recordId: 'obj_golden', keyId: 'dk_golden' };

function header(chunkSize = 262_144, ids = IDS, prefix = PREFIX): Buffer {
  return encodeHeader({ chunkSize, noncePrefix: prefix, keyId: ids.keyId, recordId: ids.recordId });
}

/** The blob as the general path (blob-format.ts, one frame per chunk) writes it. */
function sealGeneral(data: Buffer, chunkSize = 262_144, key = KEY, prefix = PREFIX): Buffer {
  const h = header(chunkSize, IDS, prefix);
  const parts = [h];
  let index = 0;
  for (let off = 0; off < data.length || index === 0; off += chunkSize) {
    const end = Math.min(off + chunkSize, data.length);
    parts.push(sealChunk(key, h, prefix, index++, end === data.length, data.subarray(off, end)));
  }
  return Buffer.concat(parts);
}

function readerOpens(blob: Buffer, key = KEY): Buffer | undefined {
  const reader = new SealedBlobReader(key, IDS);
  const pushed = reader.push(blob);
  const end = reader.end();
  return pushed.ok && end.ok && end.value.final ? Buffer.concat(pushed.chunks) : undefined;
}

describe('single-chunk blobs', () => {
  it('seals the golden vector byte for byte', () => {
    // "hello" under key 00..1f, prefix 0102..08, record obj_golden, data key dk_golden.
    const golden =
      '53564c54010000040000010203040506070809646b5f676f6c64656e000a6f626a5f676f6c64656e' +
      '0100000005e27a42dce23361d3d390345ad65e319461aadd5fc0';
    expect(sealWholeBlob(KEY, header(), Buffer.from('hello')).toString('hex')).toBe(golden);
    expect(sealGeneral(Buffer.from('hello')).toString('hex')).toBe(golden);
    expect(openWholeBlob(KEY, Buffer.from(golden, 'hex'), IDS.recordId, IDS.keyId)?.toString()).toBe('hello');
  });

  it('writes what the general path writes, and each path opens the other, at every size up to the chunk size', () => {
    for (const size of [0, 1, 15, 16, 17, 1024, 4096]) {
      const key = randomBytes(32);
      const prefix = randomBytes(8);
      const data = randomBytes(size);
      const whole = sealWholeBlob(key, header(4096, IDS, prefix), data);
      expect(whole.equals(sealGeneral(data, 4096, key, prefix)), `size ${size}`).toBe(true);
      expect(openWholeBlob(key, whole, IDS.recordId, IDS.keyId)?.equals(data), `size ${size}`).toBe(true);
      expect(readerOpens(whole, key)?.equals(data), `size ${size}`).toBe(true);
    }
  });

  it('opens nothing but an intact single final chunk for this record and data key', () => {
    const data = randomBytes(40);
    const blob = sealWholeBlob(KEY, header(), data);
    for (let i = 0; i < blob.length; i++) {
      const bad = Buffer.from(blob);
      bad[i]! ^= 0x01;
      expect(openWholeBlob(KEY, bad, IDS.recordId, IDS.keyId), `flip at ${i}`).toBeUndefined();
    }
    for (let n = 0; n < blob.length; n++) {
      expect(openWholeBlob(KEY, blob.subarray(0, n), IDS.recordId, IDS.keyId), `cut to ${n}`).toBeUndefined();
    }
    expect(openWholeBlob(KEY, Buffer.concat([blob, Buffer.of(0)]), IDS.recordId, IDS.keyId)).toBeUndefined();
    expect(openWholeBlob(KEY, blob, 'obj_other', IDS.keyId)).toBeUndefined();
    expect(openWholeBlob(KEY, blob, IDS.recordId, 'dk_other')).toBeUndefined();
    expect(openWholeBlob(randomBytes(32), blob, IDS.recordId, IDS.keyId)).toBeUndefined();
    // Two chunks, or one chunk without the final flag: the reader's business.
    const twoChunks = sealGeneral(data, 16);
    expect(twoChunks.length).toBe(header(16).length + 40 + 3 * FRAME_OVERHEAD);
    expect(openWholeBlob(KEY, twoChunks, IDS.recordId, IDS.keyId)).toBeUndefined();
    const h = header();
    const notFinal = Buffer.concat([h, sealChunk(KEY, h, PREFIX, 0, false, data)]);
    expect(openWholeBlob(KEY, notFinal, IDS.recordId, IDS.keyId)).toBeUndefined();
  });
});

describe('fresh keys', () => {
  it('come from slabs of the vault\'s own, never from the pool other code shares (a slice posted to a worker copies its whole slab)', () => {
    const shared = Buffer.from('not a key, from the shared pool');
    const a = freshRandom(KEY_BYTES);
    const b = freshRandom(KEY_BYTES);
    expect(a.buffer).not.toBe(shared.buffer);
    expect(a.buffer).not.toBe(Buffer.allocUnsafe(KEY_BYTES).buffer);
    expect(a.equals(b)).toBe(false);
    // Handed out once: two keys never overlap.
    expect(a.buffer !== b.buffer || a.byteOffset + a.length <= b.byteOffset).toBe(true);
  });
});
