// The harness's readers, on trace text as sipp 3.6 and baresip 1.0 print it
// (copied from real runs against Kamailio, addresses and nonces kept).
import { describe, expect, it } from 'vitest';
import { parseBaresipTrace } from './baresip.ts';
import { contactBindings, digestChallenges, flowSummary, headerValue, headerValues, parseSippTrace } from './sipp-trace.ts';
import { injectionFile } from './sipp.ts';

const SIPP_TRACE = [
  '----------------------------------------------- 2026-11-28 02:38:59.867598',
  'UDP message sent (358 bytes):',
  '',
  'REGISTER sip:sotto.test SIP/2.0',
  'Via: SIP/2.0/UDP 127.0.0.1:25070;branch=z9hG4bK-28636-1-0;rport',
  'Call-ID: 1-28636@127.0.0.1',
  'CSeq: 1 REGISTER',
  'Contact: <sip:alice@127.0.0.1:25070;transport=UDP>',
  'Content-Length: 0',
  '',
  '',
  '----------------------------------------------- 2026-11-28 02:38:59.868856',
  'UDP message received [433] bytes :',
  '',
  'SIP/2.0 401 Unauthorized',
  'Via: SIP/2.0/UDP 127.0.0.1:25070;branch=z9hG4bK-28636-1-0;rport=25070;received=127.0.0.1',
  'CSeq: 1 REGISTER',
  'WWW-Authenticate: Digest realm="sotto.test", nonce="awo/72sKPsP0fkjPhEWdZMDuj+UnAMa2", qop="auth"',
  'WWW-Authenticate: Digest realm="sotto.test", nonce="x,y", algorithm=SHA-256, qop="auth"',
  'Content-Length: 0',
  '',
  '',
  '-----------------------------------------------',
  'Unexpected UDP message received:',
  '',
  'SIP/2.0 401 Unauthorized',
  'CSeq: 2 REGISTER',
  '',
].join('\r\n');

describe('sipp message trace reader', () => {
  const trace = parseSippTrace(SIPP_TRACE);

  it('reads each message with its direction, first line and headers in wire order', () => {
    expect(flowSummary(trace.messages)).toEqual(['> REGISTER', '< 401']);
    const [reg, challenge] = trace.messages;
    expect(reg).toMatchObject({ direction: 'sent', transport: 'UDP', method: 'REGISTER', status: undefined, firstLine: 'REGISTER sip:sotto.test SIP/2.0' });
    expect(reg?.headers.map((h) => h.name)).toEqual(['Via', 'Call-ID', 'CSeq', 'Contact', 'Content-Length']);
    expect(challenge).toMatchObject({ direction: 'received', status: 401, method: undefined });
  });

  it('keeps the "unexpected" copy apart from the traffic', () => {
    expect(trace.unexpected).toEqual(['SIP/2.0 401 Unauthorized']);
  });

  it('finds headers by any case and by compact form (RFC 3261 7.3.3)', () => {
    const reg = trace.messages[0]!;
    expect(headerValue(reg, 'call-id')).toBe('1-28636@127.0.0.1');
    expect(headerValue({ ...reg, headers: [{ name: 'i', value: 'compact' }] }, 'Call-ID')).toBe('compact');
    expect(headerValues(trace.messages[1]!, 'www-authenticate')).toHaveLength(2);
  });

  it('reads every Digest challenge in order, quoted commas included', () => {
    expect(digestChallenges(trace.messages[1]!)).toEqual([
      { realm: 'sotto.test', nonce: 'awo/72sKPsP0fkjPhEWdZMDuj+UnAMa2', qop: 'auth' },
      { realm: 'sotto.test', nonce: 'x,y', algorithm: 'SHA-256', qop: 'auth' },
    ]);
  });
});

describe('Contact bindings of a REGISTER response', () => {
  const msg = (...contacts: string[]) => ({
    direction: 'received' as const,
    transport: 'UDP',
    firstLine: 'SIP/2.0 200 OK',
    method: undefined,
    status: 200,
    headers: contacts.map((value) => ({ name: 'Contact', value })),
    body: '',
  });

  it('splits comma-separated bindings outside <> and quotes, with their expires', () => {
    expect(contactBindings(msg('"Desk, front" <sip:101@10.0.0.5:5060;transport=UDP>;expires=3599, <sip:101@10.0.0.6>;q=0.5;expires=60'))).toEqual([
      { uri: 'sip:101@10.0.0.5:5060;transport=UDP', expires: 3599 },
      { uri: 'sip:101@10.0.0.6', expires: 60 },
    ]);
  });

  it('reads bare URIs and several Contact headers, and lists nothing when there is none', () => {
    expect(contactBindings(msg('sip:101@10.0.0.7;expires=30', '<sip:101@10.0.0.8>'))).toEqual([
      { uri: 'sip:101@10.0.0.7', expires: 30 },
      { uri: 'sip:101@10.0.0.8', expires: undefined },
    ]);
    expect(contactBindings(msg())).toEqual([]);
  });
});

describe('baresip SIP trace reader', () => {
  it('reads messages printed by baresip -s, sent being those towards the server', () => {
    const text = [
      '#',
      'TCP 127.0.0.1:59764 -> 127.0.0.1:25060',
      'REGISTER sip:sotto.test;transport=tcp SIP/2.0',
      'Contact: <sip:alice-0x55@127.0.0.1:35555;transport=tcp>;expires=600',
      'CSeq: 28539 REGISTER',
      '',
      '#',
      'TCP 127.0.0.1:25060 -> 127.0.0.1:59764',
      'SIP/2.0 200 OK',
      'CSeq: 28539 REGISTER',
      '',
      'alice@sotto.test: {0/TCP/v4} 200 OK (kamailio) [1 binding]',
    ].join('\n');
    const msgs = parseBaresipTrace(text, '127.0.0.1:25060');
    expect(flowSummary(msgs)).toEqual(['> REGISTER', '< 200']);
    expect(msgs[0]?.transport).toBe('TCP');
    expect(contactBindings(msgs[0]!)).toEqual([{ uri: 'sip:alice-0x55@127.0.0.1:35555;transport=tcp', expires: 600 }]);
  });
});

describe('sipp injection file', () => {
  it('carries username, password, domain and a ready-made [authentication] keyword per line', () => {
    expect(injectionFile([{ username: '101', password: 'pw1', domain: 'example.test' }])).toBe(
      'SEQUENTIAL\n101;pw1;example.test;[authentication username=101 password=pw1]\n',
    );
  });

  it('refuses values that would break the file or the keyword', () => {
    expect(() => injectionFile([{ username: '101', password: 'a;b', domain: 'example.test' }])).toThrow();
    expect(() => injectionFile([{ username: '101', password: 'a]b', domain: 'example.test' }])).toThrow();
  });
});
