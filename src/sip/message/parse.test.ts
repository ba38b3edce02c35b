import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PARSE_LIMITS,
  createResponse,
  getContacts,
  getHeaderList,
  getVias,
  parseMessage,
  serializeMessage,
  type SipRequest,
} from './index.ts';

const crlf = (lines: string[]): Buffer => Buffer.from(lines.join('\r\n'), 'utf8');

const REGISTER = [
  'REGISTER sip:pbx.example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport',
  'Max-Forwards: 70',
  'To: <sip:101@pbx.example.com>',
  'From: "Front Desk" <sip:101@pbx.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@192.0.2.10',
  'CSeq: 1 REGISTER',
  'Contact: <sip:101@192.0.2.10:5060>;expires=3600',
  'Content-Length: 0',
  '',
  '',
];

function request(lines: string[]): SipRequest {
  const r = parseMessage(crlf(lines));
  if (!r.ok) throw new Error(r.error.code);
  if (r.value.kind !== 'request') throw new Error('not a request');
  return r.value;
}

describe('parseMessage', () => {
  it('serializes a parsed REGISTER back to the same bytes', () => {
    const bytes = crlf(REGISTER);
    const r = parseMessage(bytes);
    expect(r.ok && serializeMessage(r.value).equals(bytes)).toBe(true);
  });

  it('reads several values from one line and compact names as their long forms', () => {
    const m = request([
      'OPTIONS sip:pbx.example.com SIP/2.0',
      'v: SIP/2.0/TCP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com:5070;branch=z9hG4bK2',
      'Via: SIP/2.0/UDP c.example.com;branch=z9hG4bK3',
      't: <sip:101@pbx.example.com>',
      'f: <sip:102@pbx.example.com>;tag=x',
      'i: abc',
      'CSeq: 2 OPTIONS',
      'm: <sip:a@192.0.2.1>;q=0.7, "Desk, upstairs" <sip:b@192.0.2.2>;expires=60',
      'l: 0',
      '',
      '',
    ]);
    expect(getVias(m).map((v) => v.host)).toEqual(['a.example.com', 'b.example.com', 'c.example.com']);
    const contacts = getContacts(m);
    expect(contacts.map((c) => (c.star ? '*' : [c.displayName, c.q, c.expires]))).toEqual([
      [undefined, 0.7, undefined],
      ['Desk, upstairs', undefined, 60],
    ]);
    expect(getHeaderList(m.headers, 'via')).toHaveLength(3);
  });

  it('skips CRLFs before the start line (RFC 3261 7.5)', () => {
    const r = parseMessage(crlf(['', '', ...REGISTER]));
    expect(r.ok).toBe(true);
  });

  it('reads a wildcard Contact', () => {
    const m = request(REGISTER.map((l) => (l.startsWith('Contact') ? 'Contact: *' : l)));
    expect(getContacts(m)).toEqual([{ star: true }]);
  });

  it.each([
    ['empty input', Buffer.alloc(0), 'SIP_EMPTY', 'drop'],
    ['only CRLFs', Buffer.from('\r\n\r\n'), 'SIP_EMPTY', 'drop'],
    ['LF line ends', Buffer.from(REGISTER.join('\n')), 'SIP_BAD_START_LINE', 'drop'],
    ['garbage', Buffer.from('hello world\r\n\r\n'), 'SIP_BAD_START_LINE', 'drop'],
    ['invalid UTF-8', Buffer.concat([crlf(REGISTER.slice(0, 3)), Buffer.from([0xff, 0xfe]), crlf(['', ...REGISTER.slice(3)])]), 'SIP_INVALID_UTF8', 'drop'],
    ['bad response', crlf(['SIP/2.0 2000 OK', '', '']), 'SIP_BAD_STATUS', 'drop'],
    ['response missing Via', crlf(['SIP/2.0 200 OK', 'Call-ID: x', '', '']), 'SIP_MISSING_HEADER', 'drop'],
    ['folding before any header', crlf([REGISTER[0] as string, ' folded', ...REGISTER.slice(1)]), 'SIP_BAD_HEADER_LINE', 400],
    ['header without colon', crlf([...REGISTER.slice(0, 3), 'NoColonHere', ...REGISTER.slice(3)]), 'SIP_BAD_HEADER_LINE', 400],
    ['bare control character', crlf([...REGISTER.slice(0, 3), 'Subject: a\x01b', ...REGISTER.slice(3)]), 'SIP_BAD_HEADER_LINE', 400],
    ['Max-Forwards above 255', crlf(REGISTER.map((l) => l.replace('Max-Forwards: 70', 'Max-Forwards: 256'))), 'SIP_BAD_HEADER_VALUE', 400],
    ['CSeq at 2**31', crlf(REGISTER.map((l) => l.replace('CSeq: 1 ', 'CSeq: 2147483648 '))), 'SIP_BAD_HEADER_VALUE', 400],
    ['huge Content-Length', crlf(REGISTER.map((l) => l.replace('Content-Length: 0', 'Content-Length: 99999999999'))), 'SIP_BODY_TOO_LARGE', 413],
  ])('refuses %s with a stable code', (_why, bytes, code, status) => {
    const r = parseMessage(bytes);
    expect(r.ok ? 'ok' : [r.error.code, r.error.status]).toEqual([code, status]);
  });

  it('enforces the header count, header length and message size limits', () => {
    const many = [...REGISTER.slice(0, 8), ...Array.from({ length: 300 }, (_, i) => `X-H${i}: v`), ...REGISTER.slice(8)];
    const r1 = parseMessage(crlf(many));
    expect(!r1.ok && [r1.error.code, r1.error.status]).toEqual(['SIP_TOO_MANY_HEADERS', 400]);

    const long = [...REGISTER.slice(0, 8), `Subject: ${'a'.repeat(DEFAULT_PARSE_LIMITS.maxHeaderBytes)}`, ...REGISTER.slice(8)];
    const r2 = parseMessage(crlf(long));
    expect(!r2.ok && [r2.error.code, r2.error.status]).toEqual(['SIP_HEADER_TOO_LONG', 400]);

    const limits = { ...DEFAULT_PARSE_LIMITS, maxMessageBytes: 1000 };
    const body = 'x'.repeat(900);
    const big = REGISTER.map((l) => (l.startsWith('Content-Length') ? `Content-Length: ${body.length}` : l));
    big[big.length - 1] = body;
    const r3 = parseMessage(crlf(big), { limits });
    expect(!r3.ok && [r3.error.code, r3.error.status]).toEqual(['SIP_MESSAGE_TOO_LARGE', 513]);
    // Too large to even find the end of the header block: nothing to answer.
    const r4 = parseMessage(Buffer.alloc(5000, 0x41), { limits });
    expect(!r4.ok && [r4.error.code, r4.error.status]).toEqual(['SIP_MESSAGE_TOO_LARGE', 'drop']);
  });

  it('answers a datagram full of colon-less header lines with one 400, limits holding', () => {
    // ~21,000 malformed lines in 64 KB (they do not count against maxHeaders):
    // each is refused where it stands, the colon looked for within its own line.
    const lines = [...REGISTER.slice(0, 8), ...Array.from({ length: 21_000 }, () => 'a'), ...REGISTER.slice(8)];
    const r = parseMessage(crlf(lines));
    expect(!r.ok && [r.error.code, r.error.status, r.error.reason]).toEqual(['SIP_BAD_HEADER_LINE', 400, 'Bad Header Line']);
    // A colon on a later line does not make an earlier line a header.
    const r2 = parseMessage(crlf([...REGISTER.slice(0, 8), 'Subject', 'X-A: b', ...REGISTER.slice(8)]));
    expect(!r2.ok && r2.error.code).toBe('SIP_BAD_HEADER_LINE');
  });

  it('gives a refused request back in a form createResponse can answer', () => {
    const r = parseMessage(crlf(REGISTER.map((l) => l.replace('CSeq: 1 REGISTER', 'CSeq: 1 INVITE'))));
    expect(r.ok).toBe(false);
    if (r.ok || !r.error.request) throw new Error('expected a partial request');
    const res = createResponse(r.error.request, r.error.status as number, r.error.reason, { toTag: 'srv1' });
    expect(serializeMessage(res).toString()).toBe(
      [
        'SIP/2.0 400 CSeq Method Mismatch',
        'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport',
        'To: <sip:101@pbx.example.com>;tag=srv1',
        'From: "Front Desk" <sip:101@pbx.example.com>;tag=1928301774',
        'Call-ID: a84b4c76e66710@192.0.2.10',
        'CSeq: 1 INVITE',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
  });
});

describe('createResponse (RFC 3261 8.2.6)', () => {
  it('copies Via/From/To/Call-ID/CSeq, keeps an existing To tag, echoes Timestamp only in 100', () => {
    const m = request([...REGISTER.slice(0, 4), 'Timestamp: 54', ...REGISTER.slice(4)].map((l) => (l.startsWith('To:') ? 'To: <sip:101@pbx.example.com>;tag=abc' : l)));
    const ok = serializeMessage(createResponse(m, 200)).toString();
    expect(ok).toContain('\r\nTo: <sip:101@pbx.example.com>;tag=abc\r\n');
    expect(ok).not.toContain('Timestamp');
    expect(ok.startsWith('SIP/2.0 200 OK\r\n')).toBe(true);
    const trying = serializeMessage(createResponse(m, 100)).toString();
    expect(trying).toContain('\r\nTimestamp: 54\r\n');
  });

  it('adds a random To tag when the request has none, but not to a 100', () => {
    const m = request(REGISTER);
    const a = createResponse(m, 401).headers.find((h) => h.name === 'To')?.value;
    const b = createResponse(m, 401).headers.find((h) => h.name === 'To')?.value;
    expect(a).toMatch(/;tag=[0-9a-f]{16}$/);
    expect(a).not.toBe(b);
    expect(createResponse(m, 100).headers.find((h) => h.name === 'To')?.value).toBe('<sip:101@pbx.example.com>');
  });
});

describe('statelessToTag (RFC 3261 8.2.6.2: a stateless UAS tags consistently)', () => {
  it('gives a retransmission the tag of its original and another request another tag', async () => {
    const { statelessToTag } = await import('./response.ts');
    const text = (branch: string) =>
      `OPTIONS sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=${branch}\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:example.com>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
    const a = parseMessage(Buffer.from(text('z9hG4bK1')));
    const again = parseMessage(Buffer.from(text('z9hG4bK1')));
    const other = parseMessage(Buffer.from(text('z9hG4bK2')));
    if (!a.ok || !again.ok || !other.ok || a.value.kind !== 'request' || again.value.kind !== 'request' || other.value.kind !== 'request') throw new Error('parse');
    expect(statelessToTag(a.value)).toMatch(/^[0-9a-f]{16}$/);
    expect(statelessToTag(again.value)).toBe(statelessToTag(a.value));
    expect(statelessToTag(other.value)).not.toBe(statelessToTag(a.value));
  });
});
