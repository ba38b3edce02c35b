import { describe, expect, it } from 'vitest';
import { createAudioOffer } from '../sdp/offer-answer.ts';
import { serializeSdp } from '../sdp/session-description.ts';
import { SdpOrigins } from './sdp-origins.ts';

describe("Sotto's o= line toward each leg (RFC 3264 8)", () => {
  const origins = new SdpOrigins();
  const offer = (direction: 'sendrecv' | 'sendonly', port = 20000) =>
    createAudioOffer({ identity: origins.draft(), endpoint: { address: '203.0.113.1', port }, codecs: ['PCMU'], direction });
  const version = (legId: string, direction: 'sendrecv' | 'sendonly', port?: number) => Number(origins.stamp(legId, offer(direction, port)).origin.sessionVersion);

  it('keeps the version for the same description, and adds exactly one when it changes', () => {
    const v = version('a', 'sendrecv');
    expect(version('a', 'sendrecv')).toBe(v);
    expect(version('a', 'sendonly')).toBe(v + 1);
    expect(version('a', 'sendonly')).toBe(v + 1);
    expect(version('a', 'sendrecv')).toBe(v + 2);
  });

  it('counts each leg on its own, under one session id', () => {
    const a = origins.stamp('a', offer('sendrecv'));
    const b = origins.stamp('b', offer('sendrecv', 20002));
    expect(b.origin.sessionId).toBe(a.origin.sessionId);
    expect(Number(version('b', 'sendonly', 20002))).toBe(Number(b.origin.sessionVersion) + 1);
    expect(serializeSdp(origins.stamp('a', offer('sendrecv')))).toBe(serializeSdp(a));
  });

  it('carries a placeholder leg\'s versions over to its real id', () => {
    const placeholder = origins.stamp('pending', offer('sendrecv', 20004));
    origins.rename('pending', 'c');
    expect(origins.stamp('c', offer('sendrecv', 20004)).origin.sessionVersion).toBe(placeholder.origin.sessionVersion);
    expect(Number(version('c', 'sendonly', 20004))).toBe(Number(placeholder.origin.sessionVersion) + 1);
  });
});
