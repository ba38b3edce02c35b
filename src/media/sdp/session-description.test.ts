import { describe, expect, it } from 'vitest';
import { parseCryptoAttribute, serializeCryptoAttribute } from './crypto-attribute.ts';
import { fmtp, isHeld, mediaDirection, ptimeMs, rtcpPort, rtpMaps } from './media-format.ts';
import { parseSdp, serializeSdp } from './session-description.ts';

// An offer in the shape desk phones send (fields invented; no real numbers).
const phoneOffer = [
  'v=0',
  'o=- 20518 0 IN IP4 192.0.2.10',
  's=SDP data',
  'c=IN IP4 192.0.2.10',
  'b=AS:84',
  't=0 0',
  'a=tool:test phone',
  'm=audio 11780 RTP/SAVP 0 8 18 9 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:18 G729/8000',
  'a=fmtp:18 annexb=no',
  'a=rtpmap:9 G722/8000',
  'a=fmtp:101 0-15',
  'a=rtpmap:101 telephone-event/8000',
  'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^31',
  'a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:4',
  'a=ptime:20',
  'a=sendrecv',
  'm=video 0 RTP/AVP 96',
  '',
].join('\r\n');

describe('SDP parse/serialize (RFC 8866)', () => {
  it('round-trips a phone offer to the same text', () => {
    const r = parseSdp(phoneOffer);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(serializeSdp(r.value)).toBe(phoneOffer);
    expect(r.value.origin).toEqual({ username: '-', sessionId: '20518', sessionVersion: '0', netType: 'IN', addrType: 'IP4', address: '192.0.2.10' });
    expect(r.value.media.map((m) => [m.type, m.port, m.protocol])).toEqual([
      ['audio', 11780, 'RTP/SAVP'],
      ['video', 0, 'RTP/AVP'],
    ]);
  });

  it('reads rtpmap (with static types), fmtp, ptime and direction', () => {
    const r = parseSdp(phoneOffer);
    if (!r.ok) throw new Error(r.error.code);
    const audio = r.value.media[0]!;
    expect(rtpMaps(audio).map((m) => `${m.payloadType} ${m.encoding}/${m.clockRate}`)).toEqual([
      '0 PCMU/8000', '8 PCMA/8000', '18 G729/8000', '9 G722/8000', '101 telephone-event/8000',
    ]);
    expect(fmtp(audio, 101)).toBe('0-15');
    expect(ptimeMs(audio)).toBe(20);
    expect(mediaDirection(r.value, audio)).toBe('sendrecv');
    expect(isHeld(r.value, audio)).toBe(false);
  });

  it('accepts bare LF line ends, and a static type with no rtpmap', () => {
    const r = parseSdp('v=0\no=a 1 1 IN IP4 198.51.100.1\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 8\nc=IN IP4 198.51.100.2\na=inactive\n');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const m = r.value.media[0]!;
    expect(m.connection?.address).toBe('198.51.100.2');
    expect(rtpMaps(m)).toEqual([{ payloadType: 8, encoding: 'PCMA', clockRate: 8000 }]);
    expect(isHeld(r.value, m)).toBe(true);
  });

  it('finds the RTCP port from a=rtcp, a=rtcp-mux, or RTP + 1', () => {
    const base = 'v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
    const port = (extra: string) => {
      const r = parseSdp(base + extra);
      if (!r.ok) throw new Error(r.error.code);
      return rtcpPort(r.value.media[0]!);
    };
    expect(port('')).toBe(4001);
    expect(port('a=rtcp:5555 IN IP4 1.2.3.5\r\n')).toBe(5555);
    expect(port('a=rtcp-mux\r\n')).toBe(4000);
  });

  it('sees RFC 2543 hold (c=0.0.0.0) and a session-level direction', () => {
    const r = parseSdp('v=0\r\no=a 1 2 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\na=sendonly\r\nm=audio 4000 RTP/AVP 0\r\n');
    if (!r.ok) throw new Error(r.error.code);
    expect(mediaDirection(r.value, r.value.media[0]!)).toBe('sendonly');
    expect(isHeld(r.value, r.value.media[0]!)).toBe(true);
  });

  it.each([
    ['no version', 'o=a 1 1 IN IP4 1.2.3.4\r\n', 'SDP_BAD_VERSION'],
    ['a garbage line', 'v=0\r\nhello\r\n', 'SDP_BAD_LINE'],
    ['short origin', 'v=0\r\no=a 1 IN IP4 1.2.3.4\r\ns=-\r\n', 'SDP_BAD_ORIGIN'],
    ['no origin', 'v=0\r\ns=-\r\n', 'SDP_BAD_ORIGIN'],
    ['no session name', 'v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\n', 'SDP_MISSING_SESSION_NAME'],
    ['bad connection', 'v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4\r\n', 'SDP_BAD_CONNECTION'],
    ['bad port', 'v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nm=audio 99999 RTP/AVP 0\r\n', 'SDP_BAD_MEDIA'],
    ['short m= line', 'v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nm=audio 4000\r\n', 'SDP_BAD_MEDIA'],
  ])('refuses %s', (_n, text, code) => {
    const r = parseSdp(text);
    expect(!r.ok && r.error.code).toBe(code);
  });
});

describe('SDES a=crypto (RFC 4568)', () => {
  it('keeps a key and salt in memory of their own (posted to a media worker, a slice of the shared pool would carry its whole slab along)', () => {
    const r = parseCryptoAttribute('1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^31');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const keySalt = r.value.keyParams[0]!.keySalt;
    expect(keySalt.buffer.byteLength).toBe(keySalt.length);
  });

  it('parses key, salt, lifetime and MKI', () => {
    const r = parseCryptoAttribute('2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:4');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.tag).toBe(2);
    expect(r.value.suite).toBe('AES_CM_128_HMAC_SHA1_32');
    expect(r.value.keyParams[0]!.keySalt.length).toBe(30);
    expect(r.value.keyParams[0]!.lifetime).toBe(2 ** 20);
    expect(r.value.keyParams[0]!.mki).toEqual({ value: 1, length: 4 });
    expect(serializeCryptoAttribute(r.value)).toBe('2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:4');
  });

  it('keeps session parameters and unknown suites', () => {
    const r = parseCryptoAttribute('5 F8_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20|1:4;inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:4 FEC_ORDER=FEC_SRTP');
    expect(r.ok && r.value.keyParams.length).toBe(2);
    expect(r.ok && r.value.sessionParams).toEqual(['FEC_ORDER=FEC_SRTP']);
  });

  it.each([
    ['missing key', '1 AES_CM_128_HMAC_SHA1_80', 'SDES_BAD_SYNTAX'],
    ['bad tag', 'x AES_CM_128_HMAC_SHA1_80 inline:AAAA', 'SDES_BAD_SYNTAX'],
    ['another key method', '1 AES_CM_128_HMAC_SHA1_80 uri:https://x', 'SDES_BAD_SYNTAX'],
    ['a short key', '1 AES_CM_128_HMAC_SHA1_80 inline:AAAA', 'SDES_BAD_KEY'],
    ['not base64', '1 AES_CM_128_HMAC_SHA1_80 inline:!!!!', 'SDES_BAD_KEY'],
    ['bad lifetime', '1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^x', 'SDES_BAD_LIFETIME'],
    ['bad MKI', '1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|1:0', 'SDES_BAD_MKI'],
  ])('refuses %s', (_n, value, code) => {
    const r = parseCryptoAttribute(value);
    expect(!r.ok && r.error.code).toBe(code);
  });
});

describe('SDP from a peer', () => {
  it('never throws on mangled descriptions', () => {
    let seed = 3;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const pieces = ['v=0', 'o=- 1 1 IN IP4 1.2.3.4', 's=-', 'c=IN IP4 1.2.3.4', 't=0 0', 'm=audio 4000 RTP/AVP 0 101', 'a=rtpmap:101', 'a=fmtp:', 'a=crypto:1 X inline:', 'a=ptime:x', 'm=', 'c=', 'b=AS', '\u0000', '=', 'a=rtpmap:0 PCMU/abc'];
    for (let i = 0; i < 3000; i++) {
      const lines = Array.from({ length: rand(12) }, () => pieces[rand(pieces.length)]!);
      const text = lines.join(rand(2) ? '\r\n' : '\n');
      expect(() => {
        const r = parseSdp(text);
        if (r.ok) for (const m of r.value.media) rtpMaps(m);
      }).not.toThrow();
      expect(() => parseCryptoAttribute(lines.join(' '))).not.toThrow();
    }
  });
});
