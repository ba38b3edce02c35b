import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeHeader, sealChunk } from './blob-format.ts';
import { SealedBlobReader } from './sealed-reader.ts';

const KEY = randomBytes(32);
const PREFIX = randomBytes(8);
const EXPECT = { recordId: 'obj_r', keyId: 'dk_r' };

function seal(data: Buffer, chunkSize: number): Buffer {
  const header = encodeHeader({ chunkSize, noncePrefix: PREFIX, keyId: EXPECT.keyId, recordId: EXPECT.recordId });
  const parts = [header];
  let index = 0;
  for (let off = 0; off < data.length || index === 0; off += chunkSize) {
    const end = Math.min(off + chunkSize, data.length);
    parts.push(sealChunk(KEY, header, PREFIX, index++, end === data.length, data.subarray(off, end)));
  }
  return Buffer.concat(parts);
}

/** Feeds `blob` in pieces of random sizes, as a file stream would. */
function feed(blob: Buffer, maxPiece: number): { plain: Buffer; ok: boolean; final: boolean } {
  const reader = new SealedBlobReader(KEY, EXPECT);
  const out: Buffer[] = [];
  for (let off = 0; off < blob.length; ) {
    const n = 1 + Math.floor(Math.random() * maxPiece);
    const r = reader.push(blob.subarray(off, off + n));
    if (!r.ok) return { plain: Buffer.concat(out), ok: false, final: false };
    out.push(...r.chunks);
    off += n;
  }
  const end = reader.end();
  return { plain: Buffer.concat(out), ok: end.ok, final: end.value.final };
}

describe('SealedBlobReader fed in pieces', () => {
  it('returns the same plaintext however the blob is split', () => {
    const data = randomBytes(10_000);
    const blob = seal(data, 700);
    for (const maxPiece of [1, 3, 21, 700, 721, 5000]) {
      const r = feed(blob, maxPiece);
      expect(r.ok && r.final, `pieces up to ${maxPiece}`).toBe(true);
      expect(r.plain.equals(data)).toBe(true);
    }
  });

  it('detects a flipped byte and a truncation however the blob is split', () => {
    const blob = seal(randomBytes(3000), 500);
    for (let trial = 0; trial < 200; trial++) {
      const bad = Buffer.from(blob);
      bad[Math.floor(Math.random() * bad.length)]! ^= 1 << (trial % 8);
      expect(feed(bad, 1 + (trial % 600)).ok).toBe(false);
      const cut = blob.subarray(0, Math.floor(Math.random() * blob.length));
      const r = feed(cut, 1 + (trial % 600));
      expect(r.ok && r.final).toBe(false);
    }
  });

  it('refuses a flip of any byte when every frame arrives over several reads', () => {
    const data = randomBytes(300);
    const blob = seal(data, 64);
    const inPieces = (b: Buffer, size: number): { plain: Buffer; ok: boolean } => {
      const reader = new SealedBlobReader(KEY, EXPECT);
      const out: Buffer[] = [];
      for (let off = 0; off < b.length; off += size) {
        const r = reader.push(b.subarray(off, off + size));
        if (!r.ok) return { plain: Buffer.concat(out), ok: false };
        out.push(...r.chunks);
      }
      const end = reader.end();
      return { plain: Buffer.concat(out), ok: end.ok && end.value.final };
    };
    for (const size of [2, 7, 30]) {
      const whole = inPieces(blob, size);
      expect(whole.ok && whole.plain.equals(data), `reads of ${size}`).toBe(true);
      for (let i = 0; i < blob.length; i++) {
        const bad = Buffer.from(blob);
        bad[i]! ^= 0x10;
        const r = inPieces(bad, size);
        expect(r.ok, `flip at ${i}, reads of ${size}`).toBe(false);
        // What came out before the failure is authentic.
        expect(r.plain.equals(data.subarray(0, r.plain.length))).toBe(true);
      }
    }
  });
});
