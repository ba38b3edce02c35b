import { createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeHeader, encodeHeader, headerLength, openChunk, scanFrame, sealChunk } from './blob-format.ts';

const PREFIX = Buffer.from('0001020304050607', 'hex');
const KEY = Buffer.alloc(32, 0x42);
const HEADER = { chunkSize: 16, noncePrefix: PREFIX, keyId: 'dk_test', recordId: 'obj_golden' };

// Golden vectors pin format v1: a change here makes every stored blob unreadable.
const GOLDEN_HEADER =
  '53564c54' + '01' + '00' + '00000010' + '0001020304050607' + '07' + '646b5f74657374' + '000a' + '6f626a5f676f6c64656e';
const GOLDEN_CHUNK0 = '00' + '00000010' + '7b4506e13e68ecce24f3b7916cf77c84' + '7b791dae997c68069853cb0b37dc1fe4';
const GOLDEN_CHUNK1 = '01' + '00000004' + 'c7312f7f' + 'c802929fe0d999ccf3f08d0e56afa21d';

describe('sealed blob format v1', () => {
  it('encodes the header byte for byte', () => {
    expect(encodeHeader(HEADER).toString('hex')).toBe(GOLDEN_HEADER);
  });

  it('seals chunks to the golden frames', () => {
    const header = encodeHeader(HEADER);
    expect(sealChunk(KEY, header, PREFIX, 0, false, Buffer.from('sixteen bytes!!!')).toString('hex')).toBe(GOLDEN_CHUNK0);
    expect(sealChunk(KEY, header, PREFIX, 1, true, Buffer.from('tail')).toString('hex')).toBe(GOLDEN_CHUNK1);
  });

  it('matches its documented construction (nonce = prefix||index, AAD = header||index||final)', () => {
    // Decrypt the golden final chunk with plain node:crypto, following only the comment in blob-format.ts.
    const frame = Buffer.from(GOLDEN_CHUNK1, 'hex');
    const nonce = Buffer.concat([PREFIX, Buffer.from('00000001', 'hex')]);
    const aad = Buffer.concat([Buffer.from(GOLDEN_HEADER, 'hex'), Buffer.from('00000001', 'hex'), Buffer.of(1)]);
    const d = createDecipheriv('aes-256-gcm', KEY, nonce);
    d.setAAD(aad);
    d.setAuthTag(frame.subarray(frame.length - 16));
    const plain = Buffer.concat([d.update(frame.subarray(5, frame.length - 16)), d.final()]);
    expect(plain.toString()).toBe('tail');
  });

  it('decodes what it encodes, including a non-ASCII record id', () => {
    const h = { ...HEADER, recordId: 'vm-é-42', chunkSize: 65536 };
    const bytes = encodeHeader(h);
    const decoded = decodeHeader(Buffer.concat([bytes, Buffer.from('trailing')]));
    expect(decoded).toEqual({ ok: true, value: { header: h, length: bytes.length } });
    // What the open path expects of the blob's size, without encoding the header.
    expect(headerLength(h.keyId, h.recordId)).toBe(bytes.length);
    expect(headerLength(HEADER.keyId, HEADER.recordId)).toBe(GOLDEN_HEADER.length / 2);
  });

  it('reports incomplete headers and each malformed field without throwing', () => {
    const bytes = encodeHeader(HEADER);
    for (let n = 0; n < bytes.length; n++) {
      const r = decodeHeader(bytes.subarray(0, n));
      expect(r.ok).toBe(false);
    }
    const mutate = (at: number, value: number): ReturnType<typeof decodeHeader> => {
      const b = Buffer.from(bytes);
      b[at] = value;
      return decodeHeader(b);
    };
    expect(mutate(0, 0x00)).toEqual({ ok: false, error: 'bad_magic' });
    expect(mutate(4, 2)).toEqual({ ok: false, error: 'bad_version' });
    expect(mutate(5, 1)).toEqual({ ok: false, error: 'bad_flags' });
    expect(mutate(6, 0xff)).toEqual({ ok: false, error: 'bad_chunk_size' });
    expect(mutate(18, 0)).toEqual({ ok: false, error: 'bad_key_id' });
  });

  it('never throws on arbitrary bytes', () => {
    for (let i = 0; i < 2000; i++) {
      const junk = randomBytes(i % 97);
      if (i % 3 === 0) Buffer.from('SVLT\x01\x00').copy(junk);
      expect(() => decodeHeader(junk)).not.toThrow();
      expect(() => scanFrame(junk, 0, 1024)).not.toThrow();
    }
  });

  it('refuses a chunk opened at another index, with another final flag, or under another header', () => {
    const header = encodeHeader(HEADER);
    const frame = sealChunk(KEY, header, PREFIX, 3, false, Buffer.from('abc'));
    const scan = scanFrame(frame, 0, 16);
    if (scan.kind !== 'frame') throw new Error('expected a frame');
    expect(openChunk(KEY, header, PREFIX, 3, false, scan.sealed)?.toString()).toBe('abc');
    expect(openChunk(KEY, header, PREFIX, 4, false, scan.sealed)).toBeUndefined();
    expect(openChunk(KEY, header, PREFIX, 3, true, scan.sealed)).toBeUndefined();
    const other = encodeHeader({ ...HEADER, recordId: 'obj_other' });
    expect(openChunk(KEY, other, PREFIX, 3, false, scan.sealed)).toBeUndefined();
  });

  it('refuses a frame longer than the chunk size before allocating for it', () => {
    const frame = Buffer.from('00ffffffff', 'hex');
    expect(scanFrame(frame, 0, 65536)).toEqual({ kind: 'invalid', error: 'bad_frame_length' });
  });
});
