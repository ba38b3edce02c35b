import { describe, expect, it } from 'vitest';
import { serializeSdp } from '../sdp/session-description.ts';
import { bridgeAnswer, bridgeOffer, parseOfferSdp } from './sdp-bridge.ts';
import { SdpOrigins } from './sdp-origins.ts';

const A_KEY = 'WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz';
const offerFromA = [
  'v=0',
  'o=alice 1 1 IN IP4 10.0.0.5',
  's=-',
  'c=IN IP4 10.0.0.5',
  't=0 0',
  'm=audio 30000 RTP/SAVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${A_KEY}`,
  'a=sendrecv',
  '',
].join('\r\n');

describe('SDP bridge (offer/answer on both sides of the relay)', () => {
  it('offers the answerer our address and port, our own key, and never the offerer key', () => {
    const ex = bridgeOffer('a', parseOfferSdp(offerFromA), { address: '203.0.113.1', port: 20002 }, new SdpOrigins().draft(), {
      telephoneEventPayloadType: 96,
    });
    const m = ex.offerToPeer.media[0]!;
    expect(ex.offerToPeer.connection?.address).toBe('203.0.113.1');
    expect(m.port).toBe(20002);
    expect(m.protocol).toBe('RTP/SAVP');
    expect(m.formats).toEqual(['0', '8', '96']);
    const crypto = m.attributes.filter((a) => a.name === 'crypto');
    expect(crypto).toHaveLength(1);
    expect(crypto[0]!.value).not.toContain(A_KEY);
    expect(ex.keysToPeer).toHaveLength(1);
  });

  it('answers the offerer with the answerer codec and SRTP on that leg only', () => {
    const identity = new SdpOrigins().draft();
    const ex = bridgeOffer('a', parseOfferSdp(offerFromA), { address: '203.0.113.1', port: 20002 }, identity, { srtp: 'plain', codecs: ['PCMA'] });
    expect(ex.offerToPeer.media[0]!.protocol).toBe('RTP/AVP');
    const answerFromB = ['v=0', 'o=bob 2 1 IN IP4 10.0.0.9', 's=-', 'c=IN IP4 10.0.0.9', 't=0 0', 'm=audio 40000 RTP/AVP 8 101', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=recvonly', ''].join('\r\n');
    const bridged = bridgeAnswer(ex, answerFromB, { address: '203.0.113.1', port: 20000 }, identity, () => Buffer.alloc(30, 7), {});
    expect(bridged.answererLeg).toMatchObject({ remoteAddress: '10.0.0.9', remotePort: 40000, codec: 'PCMA', payloadType: 8, direction: 'sendonly' });
    expect(bridged.answererLeg.srtp).toBeUndefined();
    // B only receives, so the relay only receives from A.
    expect(bridged.offererLeg).toMatchObject({ remoteAddress: '10.0.0.5', remotePort: 30000, codec: 'PCMA', telephoneEventPayloadType: 101, direction: 'recvonly' });
    expect(Buffer.from(bridged.offererLeg.srtp!.localKeySalt)).toEqual(Buffer.alloc(30, 7));
    expect(serializeSdp(bridged.answerToOfferer)).toContain('m=audio 20000 RTP/SAVP 8 101');
    expect(serializeSdp(bridged.answerToOfferer)).toContain('c=IN IP4 203.0.113.1');
    expect(serializeSdp(bridged.answerToOfferer)).toContain('a=recvonly');
  });

  it("with transcode, offers the offerer's laws first, then the one it lacks", () => {
    const plainA = offerFromA.replace(/a=crypto.*\r\n/, '').replace('RTP/SAVP', 'RTP/AVP');
    const only = (law: string) => plainA.replace('m=audio 30000 RTP/AVP 0 8 101', `m=audio 30000 RTP/AVP ${law} 101`);
    const formats = (sdp: string, o: { transcode?: boolean }) => bridgeOffer('a', parseOfferSdp(sdp), { address: '203.0.113.1', port: 20002 }, new SdpOrigins().draft(), o).offerToPeer.media[0]!.formats;
    expect(formats(only('0'), { transcode: true })).toEqual(['0', '8', '101']);
    expect(formats(only('8'), { transcode: true })).toEqual(['8', '0', '101']);
    expect(formats(plainA.replace('RTP/AVP 0 8 101', 'RTP/AVP 8 0 101'), { transcode: true })).toEqual(['8', '0', '101']);
    expect(formats(only('0'), {})).toEqual(['0', '101']);
  });

  it('passes a legacy hold (c=0.0.0.0, RFC 3264 8.4) on as sendonly, and its answer back as recvonly', () => {
    const identity = new SdpOrigins().draft();
    const held = offerFromA.replace(/a=crypto.*\r\n/, '').replace('RTP/SAVP', 'RTP/AVP').replace('c=IN IP4 10.0.0.5', 'c=IN IP4 0.0.0.0');
    const ex = bridgeOffer('a', parseOfferSdp(held), { address: '203.0.113.1', port: 20002 }, identity, {});
    expect(ex.offerToPeer.media[0]!.attributes.map((a) => a.name)).toContain('sendonly');
    const answerFromB = ['v=0', 'o=bob 2 1 IN IP4 10.0.0.9', 's=-', 'c=IN IP4 10.0.0.9', 't=0 0', 'm=audio 40000 RTP/AVP 0', 'a=recvonly', ''].join('\r\n');
    const bridged = bridgeAnswer(ex, answerFromB, { address: '203.0.113.1', port: 20000 }, identity, () => Buffer.alloc(30), {});
    expect(serializeSdp(bridged.answerToOfferer)).toContain('a=recvonly');
    expect(bridged.offererLeg.direction).toBe('recvonly');
    expect(bridged.answererLeg.direction).toBe('sendonly');
  });

  it('refuses an offer without G.711 with a typed error', () => {
    const video = offerFromA.replace('m=audio 30000 RTP/SAVP 0 8 101', 'm=audio 30000 RTP/AVP 9').replace(/a=crypto.*\r\n/, '');
    expect(() => bridgeOffer('a', parseOfferSdp(video), { address: '203.0.113.1', port: 20002 }, new SdpOrigins().draft(), {})).toThrow(
      expect.objectContaining({ code: 'RELAY_NEGOTIATION_FAILED' }),
    );
    expect(() => parseOfferSdp('garbage')).toThrow(expect.objectContaining({ code: 'RELAY_BAD_SDP' }));
  });
});
