import { describe, expect, it } from 'vitest';
import { serializeSdp } from '../sdp/session-description.ts';
import type { LegMediaConfig } from './control-messages.ts';
import { createOwnOffer, readOwnAnswer } from './own-offer.ts';
import { SdpOrigins } from './sdp-origins.ts';

const endpoint = { address: '203.0.113.1', port: 20000 };
const leg = (o: Partial<LegMediaConfig>): LegMediaConfig => ({
  remoteAddress: '10.0.0.9',
  remotePort: 40000,
  remoteRtcpPort: 40001,
  codec: 'PCMU',
  payloadType: 0,
  ptimeMs: 20,
  direction: 'sendrecv',
  latch: 'latch-once',
  ...o,
});
const offerText = (o: Parameters<typeof createOwnOffer>[0]) => serializeSdp(createOwnOffer(o).offer);
const base = { identity: new SdpOrigins().draft(), endpoint, srtp: 'plain' as const, newKey: () => Buffer.alloc(30, 1) };

describe("Sotto's own offer to a phone that sent none (RFC 3261 14.2, RFC 3264 4)", () => {
  it('offers a new leg both laws and telephone-event, sendrecv, plain RTP', () => {
    const sdp = offerText(base);
    expect(sdp).toContain('m=audio 20000 RTP/AVP 0 8 101\r\n');
    expect(sdp).toContain('a=sendrecv\r\n');
    expect(sdp).not.toContain('a=crypto');
  });

  it("puts the other leg's law first, and only what the other leg allows: sendonly toward a phone whose peer holds", () => {
    const sdp = offerText({ ...base, peer: leg({ codec: 'PCMA', payloadType: 8, telephoneEventPayloadType: 96, direction: 'recvonly' }) });
    expect(sdp).toContain('m=audio 20000 RTP/AVP 8 0 101\r\n');
    expect(sdp).toContain('a=sendonly\r\n');
  });

  it("offers no telephone-event when the other leg has none, and keeps a leg's own codec, events and SRTP key", () => {
    expect(offerText({ ...base, peer: leg({}) })).toContain('m=audio 20000 RTP/AVP 0 8\r\n');
    const key = Buffer.alloc(30, 9);
    const current = leg({ codec: 'PCMA', payloadType: 8, telephoneEventPayloadType: 96, srtp: { suite: 'AES_CM_128_HMAC_SHA1_32', localKeySalt: key, remoteKeySalt: Buffer.alloc(30, 2) } });
    const own = createOwnOffer({ ...base, srtp: 'sdes', current, peer: leg({}) });
    const sdp = serializeSdp(own.offer);
    expect(sdp).toContain('m=audio 20000 RTP/SAVP 8 0 96\r\n');
    expect(sdp).toContain(`a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:${key.toString('base64')}`);
    expect(own.keys).toEqual([{ suite: 'AES_CM_128_HMAC_SHA1_32', keySalt: key }]);
  });

  it('reads the answer into the leg settings, and refuses one that names nothing offered', () => {
    const own = createOwnOffer(base);
    const pending = { offer: own.offer, keys: own.keys, latch: 'latch-once' as const };
    const answer = (m: string) => ['v=0', 'o=- 1 1 IN IP4 10.0.0.9', 's=-', 'c=IN IP4 10.0.0.9', 't=0 0', m, ''].join('\r\n');
    expect(readOwnAnswer(pending, answer('m=audio 40000 RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000'))).toMatchObject({
      remoteAddress: '10.0.0.9',
      remotePort: 40000,
      codec: 'PCMA',
      payloadType: 8,
      telephoneEventPayloadType: 101,
      direction: 'sendrecv',
    });
    expect(() => readOwnAnswer(pending, answer('m=audio 40000 RTP/AVP 18'))).toThrow(expect.objectContaining({ code: 'RELAY_NEGOTIATION_FAILED' }));
    expect(() => readOwnAnswer(pending, '')).toThrow(expect.objectContaining({ code: 'RELAY_BAD_SDP' }));
  });
});
