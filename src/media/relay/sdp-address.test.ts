// The relay's address in SDP per phone: the choice (one advertised address,
// or the one facing each phone) and the rewrite that gives each branch of a
// forked call its own, everything else in the offer kept byte for byte.
import { describe, expect, it } from 'vitest';
import { parseSdp, serializeSdp, type SessionDescription } from '../sdp/session-description.ts';
import { advertisedToward, readdressed } from './sdp-address.ts';

const OFFER = [
  'v=0',
  'o=sotto 7 9 IN IP4 192.168.1.1',
  's=Sotto',
  'c=IN IP4 192.168.1.1',
  't=0 0',
  'm=audio 20000 RTP/AVP 0 101',
  'c=IN IP4 192.168.1.1',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=sendrecv',
  '',
].join('\r\n');

function sdp(text: string): SessionDescription {
  const r = parseSdp(text);
  if (!r.ok) throw new Error('test SDP does not parse');
  return r.value;
}

/** Facing: the office LAN's card for phones on it, the VPN's for the others. */
const facing = (peer: string): string => (peer.startsWith('10.8.') ? '10.8.0.1' : '192.168.1.1');

describe('advertisedToward', () => {
  it('chooses per phone: the address facing each branch, so two branches of one call may differ', () => {
    expect(advertisedToward(facing, '0.0.0.0', '192.168.1.30', sdp(OFFER))).toBe('192.168.1.1');
    expect(advertisedToward(facing, '0.0.0.0', '10.8.0.7', sdp(OFFER))).toBe('10.8.0.1');
  });

  it('gives every phone the advertised address when the operator named one', () => {
    expect(advertisedToward('203.0.113.7', '0.0.0.0', '192.168.1.30', sdp(OFFER))).toBe('203.0.113.7');
    expect(advertisedToward('203.0.113.7', '0.0.0.0', '10.8.0.7', sdp(OFFER))).toBe('203.0.113.7');
  });

  it("falls back on the SDP's own address when the phone's is not known", () => {
    expect(advertisedToward(facing, '0.0.0.0', undefined, sdp(OFFER.replace(/192\.168\.1\.1/g, '10.8.0.9')))).toBe('10.8.0.1');
  });
});

describe('readdressed', () => {
  it('rewrites o= and every c= and nothing else', () => {
    expect(serializeSdp(readdressed(sdp(OFFER), '10.8.0.1'))).toBe(OFFER.replace(/192\.168\.1\.1/g, '10.8.0.1'));
  });

  it('names the address family of the new address (IP6 for an IPv6 interface)', () => {
    const text = serializeSdp(readdressed(sdp(OFFER), 'fd00::1'));
    expect(text.split('\r\n').filter((l) => /^[oc]=/.test(l))).toEqual(['o=sotto 7 9 IN IP6 fd00::1', 'c=IN IP6 fd00::1', 'c=IN IP6 fd00::1']);
  });

  it('leaves the original description as it was (the first branch keeps it)', () => {
    const original = sdp(OFFER);
    readdressed(original, '10.8.0.1');
    expect(serializeSdp(original)).toBe(OFFER);
  });
});
