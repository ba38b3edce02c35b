import { describe, expect, it } from 'vitest';
import { getHeader, headerField } from './headers/header-list.ts';
import { parseMessage } from './parse.ts';
import { parseUri } from './uri.ts';
import { serializeMessage } from './serialize.ts';
import type { SipRequest, SipResponse } from './types.ts';

const uri = (text: string) => {
  const u = parseUri(text);
  if (!u.ok) throw new Error('bad uri');
  return u.value;
};

describe('serializeMessage', () => {
  it('writes the exact octets: UTF-8 values, the body length as Content-Length, a repeated one dropped', () => {
    const body = Buffer.from('v=0\r\n', 'utf8');
    const msg: SipRequest = {
      kind: 'request',
      method: 'MESSAGE',
      uri: uri('sip:bob@clinic.example'),
      version: 'SIP/2.0',
      headers: [
        headerField('Via', 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1'),
        headerField('From', '"Zoë Łukasz 😀" <sip:a@clinic.example>;tag=1'),
        headerField('Content-Length', '99'),
        headerField('Subject', 'ascii then é'),
        headerField('l', '7'),
      ],
      body,
    };
    expect(serializeMessage(msg).toString('utf8')).toBe(
      'MESSAGE sip:bob@clinic.example SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n' +
        'From: "Zoë Łukasz 😀" <sip:a@clinic.example>;tag=1\r\nContent-Length: 5\r\nSubject: ascii then é\r\n\r\nv=0\r\n',
    );
  });

  it('adds Content-Length when there is none, and writes one after another without overlap', () => {
    const res = (n: number): SipResponse => ({ kind: 'response', status: 200, reason: 'OK', version: 'SIP/2.0', headers: [headerField('Call-ID', `c${n}`)], body: Buffer.alloc(0) });
    const outs = Array.from({ length: 2000 }, (_, n) => serializeMessage(res(n)));
    outs.forEach((b, n) => expect(b.toString('latin1')).toBe(`SIP/2.0 200 OK\r\nCall-ID: c${n}\r\nContent-Length: 0\r\n\r\n`));
  });

  it('writes an empty value (a 469\'s Recv-Info naming no package, RFC 6086 4.2.2) as the name, colon and one SP (RFC 3261 7.3.1), which reads back empty', () => {
    const dialog = ['Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1', 'From: <sip:a@clinic.example>;tag=1', 'To: <sip:b@clinic.example>;tag=2', 'Call-ID: c', 'CSeq: 2 INFO'];
    const headers = [...dialog.map((line) => headerField(line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2))), headerField('Recv-Info', '')];
    const bytes = serializeMessage({ kind: 'response', status: 469, reason: 'Bad Info Package', version: 'SIP/2.0', headers, body: Buffer.alloc(0) });
    expect(bytes.toString('latin1')).toBe(`SIP/2.0 469 Bad Info Package\r\n${dialog.join('\r\n')}\r\nRecv-Info: \r\nContent-Length: 0\r\n\r\n`);
    const back = parseMessage(bytes);
    expect(back.ok && [getHeader(back.value.headers, 'recv-info'), getHeader(back.value.headers, 'cseq')]).toEqual(['', '2 INFO']);
  });

  it('writes a message larger than a slab whole', () => {
    const big = 'x'.repeat(20_000);
    const body = Buffer.from('y'.repeat(30_000));
    const res: SipResponse = { kind: 'response', status: 200, reason: 'OK', version: 'SIP/2.0', headers: [headerField('X-Big', big), headerField('X-Ü', 'ü')], body };
    expect(serializeMessage(res).toString('utf8')).toBe(`SIP/2.0 200 OK\r\nX-Big: ${big}\r\nX-Ü: ü\r\nContent-Length: 30000\r\n\r\n${'y'.repeat(30_000)}`);
  });
});
