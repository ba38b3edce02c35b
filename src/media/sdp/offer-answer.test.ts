import { describe, expect, it } from 'vitest';
import { parseSdp, serializeSdp, type SessionDescription } from './session-description.ts';
import { answerAudioOffer, createAudioOffer, holdDirection, readAudioAnswer, resumeDirection, type SdesKey } from './offer-answer.ts';

const key = (fill: number) => Buffer.alloc(30, fill);
const sdp = (text: string): SessionDescription => {
  const r = parseSdp(text.replace(/\n/g, '\r\n'));
  if (!r.ok) throw new Error(r.error.code);
  return r.value;
};

const identity = { username: 'sotto', sessionId: '4242', sessionVersion: '1' };
const endpoint = { address: '203.0.113.5', port: 20000 };

describe('audio offer', () => {
  it('offers PCMU, PCMA and telephone-event as exact SDP', () => {
    const offer = createAudioOffer({ identity, endpoint, codecs: ['PCMU', 'PCMA'], telephoneEventPayloadType: 101 });
    expect(serializeSdp(offer)).toBe(
      [
        'v=0',
        'o=sotto 4242 1 IN IP4 203.0.113.5',
        's=Sotto',
        'c=IN IP4 203.0.113.5',
        't=0 0',
        'm=audio 20000 RTP/AVP 0 8 101',
        'a=rtpmap:0 PCMU/8000',
        'a=rtpmap:8 PCMA/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-16',
        'a=ptime:20',
        'a=sendrecv',
        '',
      ].join('\r\n'),
    );
  });

  it('offers SDES-SRTP on RTP/SAVP with one crypto line per key', () => {
    const keys: SdesKey[] = [
      { suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: key(1) },
      { suite: 'AES_CM_128_HMAC_SHA1_32', keySalt: key(2) },
    ];
    const text = serializeSdp(createAudioOffer({ identity, endpoint, codecs: ['PCMA'], srtpKeys: keys, direction: 'sendonly' }));
    expect(text).toContain('m=audio 20000 RTP/SAVP 8\r\n');
    expect(text).toContain(`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${key(1).toString('base64')}\r\n`);
    expect(text).toContain(`a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:${key(2).toString('base64')}\r\n`);
    expect(text).toContain('a=sendonly\r\n');
  });
});

const phoneOffer = `v=0
o=- 1 1 IN IP4 192.0.2.10
s=-
c=IN IP4 192.0.2.10
t=0 0
m=audio 11780 RTP/AVP 8 0 96
a=rtpmap:96 telephone-event/8000
a=fmtp:96 0-15
a=ptime:30
a=sendrecv
m=video 11782 RTP/AVP 97
a=rtpmap:97 H264/90000
`;

describe('audio answer (RFC 3264 §6)', () => {
  it('picks our preferred common codec, echoes the telephone-event type, refuses video', () => {
    const r = answerAudioOffer(sdp(phoneOffer), { identity, endpoint, codecs: ['PCMU', 'PCMA'], telephoneEvents: true });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(serializeSdp(r.value.answer)).toBe(
      [
        'v=0',
        'o=sotto 4242 1 IN IP4 203.0.113.5',
        's=Sotto',
        'c=IN IP4 203.0.113.5',
        't=0 0',
        'm=audio 20000 RTP/AVP 0 96',
        'a=rtpmap:0 PCMU/8000',
        'a=rtpmap:96 telephone-event/8000',
        'a=fmtp:96 0-15',
        'a=ptime:30',
        'a=sendrecv',
        'm=video 0 RTP/AVP 97',
        '',
      ].join('\r\n'),
    );
    expect(r.value.audio).toEqual({
      remoteAddress: '192.0.2.10',
      remotePort: 11780,
      remoteRtcpPort: 11781,
      codec: 'PCMU',
      payloadType: 0,
      telephoneEventPayloadType: 96,
      ptimeMs: 30,
      direction: 'sendrecv',
      remoteHold: false,
    });
  });

  it('answers a hold (sendonly) with recvonly, and inactive with inactive', () => {
    const held = answerAudioOffer(sdp(phoneOffer.replace('a=sendrecv', 'a=sendonly')), { identity, endpoint, codecs: ['PCMA'] });
    expect(held.ok && [held.value.audio.direction, held.value.audio.remoteHold]).toEqual(['recvonly', true]);
    const inactive = answerAudioOffer(sdp(phoneOffer.replace('a=sendrecv', 'a=inactive')), { identity, endpoint, codecs: ['PCMA'] });
    expect(inactive.ok && inactive.value.audio.direction).toBe('inactive');
    const legacy = answerAudioOffer(sdp(phoneOffer.replace('c=IN IP4 192.0.2.10', 'c=IN IP4 0.0.0.0')), { identity, endpoint, codecs: ['PCMA'] });
    expect(legacy.ok && [legacy.value.audio.direction, legacy.value.audio.remoteHold]).toEqual(['recvonly', true]);
  });

  it('refuses an offer with no common codec', () => {
    const r = answerAudioOffer(sdp(phoneOffer.replace('RTP/AVP 8 0 96', 'RTP/AVP 18 96')), { identity, endpoint, codecs: ['PCMU'] });
    expect(!r.ok && r.error.code).toBe('SDP_NO_COMMON_CODEC');
  });

  it('refuses plain RTP when policy requires SRTP', () => {
    const r = answerAudioOffer(sdp(phoneOffer), {
      identity, endpoint, codecs: ['PCMA'],
      srtp: { required: true, suites: ['AES_CM_128_HMAC_SHA1_80'], newKey: () => key(9) },
    });
    expect(!r.ok && r.error.code).toBe('SDP_SRTP_REQUIRED');
  });

  it('accepts SDES-SRTP with the first acceptable suite and its own fresh key', () => {
    const srtpOffer = phoneOffer
      .replace('RTP/AVP 8 0 96', 'RTP/SAVP 8 0 96')
      .replace('a=ptime:30', `a=ptime:20\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${key(1).toString('base64')}|2^20|1:4\na=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:${key(2).toString('base64')}`);
    const r = answerAudioOffer(sdp(srtpOffer), {
      identity, endpoint, codecs: ['PCMA'],
      srtp: { required: true, suites: ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'], newKey: () => key(9) },
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(serializeSdp(r.value.answer)).toContain(`m=audio 20000 RTP/SAVP 8\r\n`);
    expect(serializeSdp(r.value.answer)).toContain(`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${key(9).toString('base64')}\r\n`);
    expect(r.value.audio.srtp?.suite.name).toBe('AES_CM_128_HMAC_SHA1_80');
    expect(r.value.audio.srtp?.remoteKeySalt).toEqual(key(1));
    expect(r.value.audio.srtp?.remoteMki?.toString('hex')).toBe('00000001');
    expect(r.value.audio.srtp?.localKeySalt).toEqual(key(9));
  });

  it('skips a crypto line whose suite policy does not allow', () => {
    const srtpOffer = phoneOffer
      .replace('RTP/AVP 8 0 96', 'RTP/SAVP 8 0 96')
      .replace('a=ptime:30', `a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:${key(1).toString('base64')}\na=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:${key(2).toString('base64')}`);
    const r = answerAudioOffer(sdp(srtpOffer), {
      identity, endpoint, codecs: ['PCMA'],
      srtp: { required: true, suites: ['AES_CM_128_HMAC_SHA1_80'], newKey: () => key(9) },
    });
    expect(r.ok && r.value.audio.srtp?.remoteKeySalt).toEqual(key(2));
  });

  it('refuses RTP/SAVP when no crypto line is acceptable', () => {
    const srtpOffer = phoneOffer.replace('RTP/AVP 8 0 96', 'RTP/SAVP 8 0 96');
    const r = answerAudioOffer(sdp(srtpOffer), { identity, endpoint, codecs: ['PCMA'] });
    expect(!r.ok && r.error.code).toBe('SDP_NO_COMMON_CRYPTO');
  });
});

describe('reading the answer (offerer side)', () => {
  it('learns the peer address, codec and keys from the answer to our offer', () => {
    const keys: SdesKey[] = [{ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: key(1) }];
    const offer = createAudioOffer({ identity, endpoint, codecs: ['PCMU', 'PCMA'], telephoneEventPayloadType: 101, srtpKeys: keys });
    const answered = answerAudioOffer(offer, {
      identity: { sessionId: '7', sessionVersion: '1' },
      endpoint: { address: '198.51.100.7', port: 30000 },
      codecs: ['PCMA'],
      telephoneEvents: true,
      direction: 'recvonly',
      srtp: { required: false, suites: ['AES_CM_128_HMAC_SHA1_80'], newKey: () => key(5) },
    });
    if (!answered.ok) throw new Error(answered.error.code);
    const r = readAudioAnswer(offer, parseSdpOk(serializeSdp(answered.value.answer)), keys);
    expect(r.ok && { ...r.value, srtp: r.value.srtp && { local: r.value.srtp.localKeySalt[0], remote: r.value.srtp.remoteKeySalt[0] } }).toEqual({
      remoteAddress: '198.51.100.7',
      remotePort: 30000,
      remoteRtcpPort: 30001,
      codec: 'PCMA',
      payloadType: 8,
      telephoneEventPayloadType: 101,
      ptimeMs: 20,
      direction: 'sendonly',
      remoteHold: false,
      srtp: { local: 1, remote: 5 },
    });
  });

  it('fails when the answer refuses the stream', () => {
    const offer = createAudioOffer({ identity, endpoint, codecs: ['PCMU'] });
    const answer = sdp(`v=0\no=- 1 1 IN IP4 198.51.100.7\ns=-\nt=0 0\nm=audio 0 RTP/AVP 0\n`);
    const r = readAudioAnswer(offer, answer);
    expect(!r.ok && r.error.code).toBe('SDP_NO_COMMON_CODEC');
  });
});

describe('hold directions (RFC 3264 §8.4)', () => {
  it('holds and resumes', () => {
    expect(holdDirection('sendrecv')).toBe('sendonly');
    expect(holdDirection('recvonly')).toBe('inactive');
    expect(resumeDirection('sendonly')).toBe('sendrecv');
    expect(resumeDirection('inactive')).toBe('recvonly');
  });
});

function parseSdpOk(text: string): SessionDescription {
  const r = parseSdp(text);
  if (!r.ok) throw new Error(r.error.code);
  return r.value;
}
