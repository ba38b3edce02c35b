/**
 * RFC 5118 IPv6 torture messages (test/fixtures/sip/rfc5118/, written from
 * the RFC's section 4 text).
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { getContacts, getTo, getVias, parseMessage, parseUri, serializeMessage, uriEquals, withReceived, formatVia, type SipRequest, type SipUri } from './index.ts';
import { semanticView } from './test-support.ts';

const DIR = fileURLToPath(new URL('../../../test/fixtures/sip/rfc5118/', import.meta.url));

function parse(name: string) {
  return parseMessage(readFileSync(DIR + name + '.dat'));
}

function request(name: string): SipRequest {
  const r = parse(name);
  if (!r.ok || r.value.kind !== 'request') throw new Error(`${name} did not parse`);
  // Every accepted message also round-trips.
  const again = parseMessage(serializeMessage(r.value));
  expect(again.ok && semanticView(again.value)).toEqual(semanticView(r.value));
  return r.value;
}

const ruri = (m: SipRequest) => m.uri as SipUri;

describe('RFC 5118 IPv6 torture messages', () => {
  it('4.1 valid IPv6 references in Request-URI, Via and Contact', () => {
    const m = request('ipv6-good');
    expect(ruri(m)).toMatchObject({ host: '2001:db8::10', hostKind: 'ipv6' });
    expect(getVias(m)[0]).toMatchObject({ host: '2001:db8::9:1', hostKind: 'ipv6', branch: 'z9hG4bKas3-111' });
    const [c] = getContacts(m);
    expect(c && !c.star && c.uri).toMatchObject({ user: 'caller', host: '2001:db8::1', hostKind: 'ipv6' });
  });

  it('4.2 an IPv6 address without brackets in the Request-URI is a 400', () => {
    const r = parse('ipv6-bad');
    expect(!r.ok && [r.error.code, r.error.status]).toEqual(['SIP_BAD_REQUEST_URI', 400]);
  });

  it('4.3 a port inside the brackets is part of the address', () => {
    const m = request('port-ambiguous');
    expect(ruri(m).host).toBe('2001:db8::10:5070');
    expect(ruri(m).port).toBeUndefined();
  });

  it('4.4 a port after the brackets is a port', () => {
    const m = request('port-unambiguous');
    expect(ruri(m)).toMatchObject({ host: '2001:db8::10', port: 5070 });
  });

  it('4.5 received is accepted with and without brackets, and written without', () => {
    expect(getVias(request('via-received-param-with-delim'))[0]?.received).toBe('2001:db8::9:255');
    expect(getVias(request('via-received-param-no-delim'))[0]?.received).toBe('2001:db8::9:255');
    const via = getVias(request('ipv6-good'))[0];
    if (!via) throw new Error('no via');
    expect(formatVia(withReceived(via, '2001:db8::9:255', 5060))).toBe(
      'SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-111;received=2001:db8::9:255',
    );
  });

  it('4.6 / 4.8 IPv6 in the SDP body is carried untouched', () => {
    expect(request('ipv6-in-sdp').body.toString()).toContain('c=IN IP6 2001:db8::20\r\n');
    const m = request('mult-ip-in-sdp');
    expect(m.body.toString()).toContain('c=IN IP4 192.0.2.1\r\n');
    expect(m.body.toString()).toContain('c=IN IP6 2001:db8::1\r\n');
  });

  it('4.7 IPv6 and IPv4 Vias in one message', () => {
    const vias = getVias(request('mult-ip-in-header'));
    expect(vias.map((v) => [v.hostKind, v.host, v.port, v.received])).toEqual([
      ['ipv6', '2001:db8::9:1', 6050, undefined],
      ['ipv4', '192.0.2.1', undefined, undefined],
      ['ipv6', '2001:db8::9:255', undefined, '192.0.2.200'],
    ]);
  });

  it('4.9 IPv4-mapped IPv6 addresses', () => {
    const m = request('ipv4-mapped-ipv6');
    expect(getVias(m).map((v) => [v.host, v.port])).toEqual([
      ['::ffff:192.0.2.10', 19823],
      ['::ffff:192.0.2.2', undefined],
    ]);
    const [c] = getContacts(m);
    expect(c && !c.star && c.displayName).toBe('T. desk phone');
  });

  it('4.10 three colons before an embedded IPv4 part is refused, two are fine', () => {
    const bad = parse('ipv6-bug-abnf-3-colons');
    expect(!bad.ok && bad.error.status).toBe(400);
    const good = request('ipv6-correct-abnf-2-colons');
    expect(ruri(good).host).toBe('2001:db8::192.0.2.1');
    expect((getTo(good)?.uri as SipUri).host).toBe('2001:db8::192.0.2.1');
  });

  it('compares IPv6 hosts by address, not by spelling', () => {
    const a = parseUri('sip:user@[2001:db8::10]');
    const b = parseUri('sip:user@[2001:0DB8:0:0:0:0:0:0010]');
    const c = parseUri('sip:user@[2001:db8::11]');
    expect(a.ok && b.ok && uriEquals(a.value, b.value)).toBe(true);
    expect(a.ok && c.ok && uriEquals(a.value, c.value)).toBe(false);
  });
});
