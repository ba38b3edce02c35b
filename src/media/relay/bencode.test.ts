import { describe, expect, it } from 'vitest';
import { decodeBencode, encodeBencode } from './bencode.ts';

describe('bencode (BEP 3)', () => {
  it('encodes an ng offer with sorted keys to exact bytes', () => {
    const bytes = encodeBencode({ sdp: 'v=0\r\n', command: 'offer', 'call-id': 'c1', flags: ['trust-address'], ttl: 30 });
    expect(bytes.toString()).toBe('d7:call-id2:c17:command5:offer5:flagsl13:trust-addresse3:sdp5:v=0\r\n3:ttli30ee');
  });

  it('decodes rtpengine-style replies', () => {
    expect(decodeBencode(Buffer.from('d6:result4:ponge'))).toEqual({ ok: true, value: { result: 'pong' } });
    expect(decodeBencode(Buffer.from('d6:result5:error12:error-reason3:bad4:listli-3ei0ee4:numsli1eee'))).toEqual({
      ok: true,
      value: { result: 'error', 'error-reason': 'bad', list: [-3, 0], nums: [1] },
    });
  });

  it('refuses malformed input without throwing', () => {
    for (const bad of ['', 'd', 'i12', 'i-0e', 'i01e', '5:abc', 'x', 'di1e1:ae', 'd1:ai1eeX', 'l'.repeat(100) + 'e'.repeat(100)]) {
      const r = decodeBencode(Buffer.from(bad));
      expect(r.ok, bad).toBe(false);
    }
  });
});
