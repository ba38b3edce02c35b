import { describe, expect, it } from 'vitest';
import {
  appendHeader,
  createVia,
  formatAuthField,
  formatContact,
  formatNameAddr,
  formatVia,
  getHeader,
  headerField,
  parseAuthField,
  parseContact,
  parseFromTo,
  parseMessage,
  parseUri,
  parseVia,
  prependHeader,
  removeFirstListElement,
  removeHeader,
  serializeMessage,
  setHeader,
  withReceived,
  type SipRequest,
} from '../index.ts';

describe('Via (RFC 3261 20.42, RFC 3581)', () => {
  it('reads sent-by, branch, received and rport', () => {
    expect(parseVia('SIP/2.0/udp 192.0.2.1:5070;branch=z9hG4bK77;received=198.51.100.9;rport=40001')).toMatchObject({
      protocol: 'SIP/2.0',
      transport: 'UDP',
      host: '192.0.2.1',
      port: 5070,
      branch: 'z9hG4bK77',
      received: '198.51.100.9',
      rport: 40001,
    });
    expect(parseVia('SIP/2.0/TCP phone.example.com;branch=z9hG4bK1;rport')?.rport).toBe(true);
  });

  it.each(['SIP/2.0 192.0.2.1', 'SIP/2.0/UDP', 'SIP/2.0/UDP 192.0.2.1;;', 'SIP/2.0/UDP 192.0.2.1;received=not-an-ip', 'SIP/2.0/UDP 192.0.2.1:70000'])(
    'refuses %s',
    (v) => expect(parseVia(v)).toBeUndefined(),
  );

  it('stamps received and rport from the packet source (RFC 3581 4)', () => {
    const via = parseVia('SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKnat;rport');
    if (!via) throw new Error('via');
    expect(formatVia(withReceived(via, '203.0.113.7', 61000))).toBe('SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKnat;rport=61000;received=203.0.113.7');
    expect(formatVia(createVia({ transport: 'tcp', host: '2001:db8::5', port: 5060, branch: 'z9hG4bKx', rport: true }))).toBe(
      'SIP/2.0/TCP [2001:db8::5]:5060;branch=z9hG4bKx;rport',
    );
  });
});

describe('name-addr headers', () => {
  it('reads From/To with display names in both forms', () => {
    expect(parseFromTo('"Dr. Smith" <sip:200@pbx.example.com>;tag=abc')).toMatchObject({ displayName: 'Dr. Smith', tag: 'abc' });
    expect(parseFromTo('Reception <sip:100@pbx.example.com>')?.displayName).toBe('Reception');
    expect(parseFromTo('sip:100@pbx.example.com;tag=x')?.tag).toBe('x');
    expect(parseFromTo('<sip:100@pbx.example.com>;tag')).toBeUndefined();
  });

  it('reads Contact expires and q, and writes contacts back', () => {
    const c = parseContact('<sip:101@192.0.2.10:5060;transport=tcp>;q=0.5;expires=120;+sip.instance="<urn:uuid:1>"');
    expect(c).toMatchObject({ star: false, q: 0.5, expires: 120 });
    if (!c) throw new Error('contact');
    expect(formatContact(c)).toBe('<sip:101@192.0.2.10:5060;transport=tcp>;q=0.5;expires=120;+sip.instance="<urn:uuid:1>"');
    expect(parseContact('<sip:a@b>;expires=99999999999')).toMatchObject({ expires: 4294967295 });
    const uri = parseUri('sip:a@b');
    if (!uri.ok) throw new Error('uri');
    expect(formatNameAddr({ displayName: 'Smith, Dr.', uri: uri.value, params: [] })).toBe('"Smith, Dr." <sip:a@b>');
  });
});

describe('auth fields (RFC 3261 20.7, 20.44)', () => {
  it('reads Digest credentials, unquoting values and lower-casing names', () => {
    const f = parseAuthField('Digest username="101", Realm="pbx", nonce="n1", uri="sip:pbx", response="abc", algorithm=SHA-256, qop=auth, nc=00000001, cnonce="c,1"');
    expect(f?.scheme).toBe('Digest');
    expect(Object.fromEntries(f?.params ?? [])).toEqual({
      username: '101', realm: 'pbx', nonce: 'n1', uri: 'sip:pbx', response: 'abc', algorithm: 'SHA-256', qop: 'auth', nc: '00000001', cnonce: 'c,1',
    });
  });

  it('unescapes quoted-pairs and refuses unclosed or broken quoted values', () => {
    expect(parseAuthField('Digest realm="pbx \\"main\\"", USERNAME="a\\\\b", nonce=""')?.params).toEqual(
      new Map([['realm', 'pbx "main"'], ['username', 'a\\b'], ['nonce', '']]),
    );
    expect(parseAuthField('Digest realm="pbx, nonce=n1')?.params.size).toBe(0);
    expect(parseAuthField('Digest realm="p\rbx", nonce=n1')?.params.size).toBe(0);
    expect(parseAuthField('Digest realm="pbx" nonce=n1')?.params.size).toBe(0);
    expect(parseAuthField('Digest realm=, nonce=n1')?.params.size).toBe(0);
  });

  it('keeps an unknown scheme whose parameters are not auth-params', () => {
    expect(parseAuthField('NoOneKnowsThisScheme opaque-data=here')).toMatchObject({ scheme: 'NoOneKnowsThisScheme', raw: 'NoOneKnowsThisScheme opaque-data=here' });
    expect(parseAuthField('Digest realm="a", realm="b"')?.params.size).toBe(0);
  });

  it('writes challenges with quoted strings and bare tokens', () => {
    expect(formatAuthField('Digest', [['realm', 'pbx "main"'], ['algorithm', 'MD5'], ['qop', 'auth'], ['stale', 'true']])).toBe(
      'Digest realm="pbx \\"main\\"", algorithm=MD5, qop="auth", stale=true',
    );
  });
});

describe('editing the header list', () => {
  const base = [headerField('Via', 'SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2'), headerField('To', '<sip:a@b>'), headerField('v', 'SIP/2.0/UDP c;branch=z9hG4bK3')];

  it('prepends a Via above the others and pops the top one (RFC 3261 16.6, 18.1.2)', () => {
    const added = prependHeader(base, 'via', 'SIP/2.0/TCP me;branch=z9hG4bKme');
    expect(added.map((h) => h.name)).toEqual(['Via', 'Via', 'To', 'v']);
    const popped = removeFirstListElement(base, 'Via');
    expect(popped.map((h) => h.value)).toEqual(['SIP/2.0/UDP b;branch=z9hG4bK2', '<sip:a@b>', 'SIP/2.0/UDP c;branch=z9hG4bK3']);
  });

  it('sets, removes and appends by any spelling of the name', () => {
    expect(setHeader(base, 'TO', '<sip:c@d>').map((h) => [h.name, h.value])[1]).toEqual(['To', '<sip:c@d>']);
    expect(removeHeader(base, 'via').map((h) => h.name)).toEqual(['To']);
    expect(getHeader(appendHeader(base, 'call-id', 'x'), 'i')).toBe('x');
    // Untouched fields keep their identity.
    expect(setHeader(base, 'Call-ID', 'y')[0]).toBe(base[0]);
  });
});

describe('serializeMessage', () => {
  it('writes Content-Length as the body length, whatever the field said', () => {
    const r = parseMessage(Buffer.from('MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:a@b>\r\nFrom: <sip:c@d>;tag=1\r\nCall-ID: x\r\nCSeq: 1 MESSAGE\r\nl: 2\r\n\r\nhi'));
    if (!r.ok || r.value.kind !== 'request') throw new Error('parse');
    const msg: SipRequest = { ...r.value, body: Buffer.from('hello') };
    expect(serializeMessage(msg).toString()).toBe('MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:a@b>\r\nFrom: <sip:c@d>;tag=1\r\nCall-ID: x\r\nCSeq: 1 MESSAGE\r\nl: 5\r\n\r\nhello');
    const bare: SipRequest = { ...msg, headers: removeHeader(msg.headers, 'content-length') };
    expect(serializeMessage(bare).toString()).toContain('\r\nContent-Length: 5\r\n\r\nhello');
  });
});
