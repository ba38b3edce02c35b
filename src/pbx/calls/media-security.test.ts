import { describe, expect, it } from 'vitest';
import { checkCaller, offersSrtp, planCallee, srtpToward } from './media-security.ts';

const plain = 'v=0\r\nc=IN IP4 10.0.0.5\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';
const sdes = 'v=0\r\nc=IN IP4 10.0.0.5\r\nm=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n';

describe('media security per leg (RFC 4568 8.3: keys only over TLS)', () => {
  it('sees SDES keys or an SRTP profile in an offer', () => {
    expect(offersSrtp(plain)).toBe(false);
    expect(offersSrtp(sdes)).toBe(true);
    expect(offersSrtp(plain.replace('RTP/AVP', 'RTP/SAVP'))).toBe(true);
  });

  it('refuses keys that came over UDP or TCP, and plain callers when policy requires SRTP', () => {
    expect(checkCaller('UDP', sdes, false)).toBe('CALL_SRTP_KEYS_IN_CLEAR');
    expect(checkCaller('TCP', sdes, false)).toBe('CALL_SRTP_KEYS_IN_CLEAR');
    expect(checkCaller('TLS', sdes, false)).toBeUndefined();
    expect(checkCaller('UDP', plain, false)).toBeUndefined();
    expect(checkCaller('TLS', plain, true)).toBe('CALL_SRTP_REQUIRED');
    expect(checkCaller('UDP', plain, true)).toBe('CALL_SRTP_REQUIRED');
    expect(checkCaller('TLS', sdes, true)).toBeUndefined();
  });

  it('lets a caller without an offer (late offer) through, except under the SRTP policy off TLS: it will answer our SDES offer', () => {
    expect(checkCaller('UDP', undefined, false)).toBeUndefined();
    expect(checkCaller('TLS', undefined, false)).toBeUndefined();
    expect(checkCaller('TLS', undefined, true)).toBeUndefined();
    expect(checkCaller('UDP', undefined, true)).toBe('CALL_SRTP_REQUIRED');
  });

  it('offers SDES to the callee only when every phone rung is on TLS; policy keeps only TLS phones', () => {
    expect(planCallee(['TLS', 'TLS'], false)).toEqual({ towardCallee: 'sdes', targets: [0, 1] });
    expect(planCallee(['TLS', 'UDP'], false)).toEqual({ towardCallee: 'plain', targets: [0, 1] });
    expect(planCallee(['TLS', 'UDP', 'TCP'], true)).toEqual({ towardCallee: 'sdes', targets: [0] });
    expect(planCallee(['UDP'], true)).toEqual({ towardCallee: 'plain', targets: [] });
    expect(srtpToward('TLS')).toBe('sdes');
    expect(srtpToward('UDP')).toBe('plain');
  });
});
