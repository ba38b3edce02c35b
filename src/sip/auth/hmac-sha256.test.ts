import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HmacSha256 } from './hmac-sha256.ts';

function reference(key: Buffer, data: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(data).update(text, 'utf8').digest();
}

describe('HmacSha256', () => {
  // Nonces issued before and after the switch from createHmac must verify alike: same octets.
  it.each([
    ['a 32-octet key', 32],
    ['a key of one block', 64],
    ['a key longer than a block (hashed first, RFC 2104)', 65],
    ['a 100-octet key', 100],
  ])('matches createHmac with %s', (_, keyLength) => {
    const key = Buffer.alloc(keyLength);
    for (let i = 0; i < keyLength; i++) key[i] = (i * 37 + 11) & 0xff;
    const hmac = new HmacSha256(key);
    const data = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    for (const text of ['', 'clinic.example', 'praxis-zürich.example', 'x'.repeat(600)]) {
      const out = Buffer.alloc(40, 0xee);
      hmac.macInto(data, 0, 16, text, out, 4, 32);
      expect(out.subarray(4, 36).toString('hex')).toBe(reference(key, data, text).toString('hex'));
      // Nothing written outside the asked range.
      expect(out.subarray(0, 4).toString('hex')).toBe('eeeeeeee');
      expect(out.subarray(36).toString('hex')).toBe('eeeeeeee');
    }
  });

  it('writes a truncated MAC and reads its message from inside a larger buffer', () => {
    const key = Buffer.alloc(32, 7);
    const hmac = new HmacSha256(key);
    const buf = Buffer.from('ffffffff0123456789abcdef0123456789abcdefffffffff', 'hex');
    const out = Buffer.alloc(16);
    hmac.macInto(buf, 4, 20, 'realm', out, 0, 16);
    expect(out.toString('hex')).toBe(reference(key, buf.subarray(4, 20), 'realm').subarray(0, 16).toString('hex'));
  });
});
