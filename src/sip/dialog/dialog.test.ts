import { describe, expect, it } from 'vitest';
import { parseMessage, serializeMessage, type SipRequest, type SipResponse } from '../message/index.ts';
import { Dialog, dialogKey } from './dialog.ts';

const crlf = (lines: string[]): Buffer => Buffer.from(lines.join('\r\n'));
const dest = { protocol: 'UDP' as const, address: '192.0.2.10', port: 5062 };

const invite = parseMessage(
  crlf([
    'INVITE sip:bob@example.test SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bKabc',
    'Max-Forwards: 70',
    'From: "Alice" <sip:alice@example.test>;tag=a1',
    'To: <sip:bob@example.test>',
    'Call-ID: call-1',
    'CSeq: 7 INVITE',
    'Contact: <sip:alice@192.0.2.20:5060>',
    'Record-Route: <sip:p1.example.test;lr>, <sip:p2.example.test;lr>',
    'Content-Length: 0',
    '',
    '',
  ]),
);
const ok = parseMessage(
  crlf([
    'SIP/2.0 200 OK',
    'Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bKabc',
    'From: "Alice" <sip:alice@example.test>;tag=a1',
    'To: <sip:bob@example.test>;tag=b2',
    'Call-ID: call-1',
    'CSeq: 7 INVITE',
    'Contact: <sip:bob@192.0.2.10:5062>',
    'Record-Route: <sip:p1.example.test;lr>, <sip:p2.example.test;lr>',
    'Content-Length: 0',
    '',
    '',
  ]),
);

describe('Dialog (RFC 3261 12)', () => {
  const req = invite.ok ? (invite.value as SipRequest) : undefined;
  const res = ok.ok ? (ok.value as SipResponse) : undefined;

  it('builds the UAC side from an INVITE and its 2xx: reversed route set, remote target from Contact', () => {
    const d = Dialog.asUac(req!, res!, '<sip:sotto@192.0.2.1>', dest)!;
    expect(d.key).toBe(dialogKey('call-1', 'a1'));
    const bye = d.createRequest('BYE');
    expect(serializeMessage(bye).toString()).toBe(
      [
        'BYE sip:bob@192.0.2.10:5062 SIP/2.0',
        'Max-Forwards: 70',
        'From: Alice <sip:alice@example.test>;tag=a1',
        'To: <sip:bob@example.test>;tag=b2',
        'Call-ID: call-1',
        'CSeq: 8 BYE',
        'Route: <sip:p2.example.test;lr>',
        'Route: <sip:p1.example.test;lr>',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    // RFC 3261 13.2.2.4: the ACK of the 2xx keeps the INVITE's sequence number.
    expect(serializeMessage(d.createAck(7)).toString()).toContain('CSeq: 7 ACK\r\n');
  });

  it('builds the UAS side: tags swapped, route set in order, remote CSeq remembered and checked', () => {
    const d = Dialog.asUas(req!, 'b2', '<sip:sotto@192.0.2.1>', dest)!;
    expect(d.key).toBe(dialogKey('call-1', 'b2'));
    const bye = serializeMessage(d.createRequest('BYE')).toString();
    expect(bye).toContain('From: <sip:bob@example.test>;tag=b2\r\nTo: Alice <sip:alice@example.test>;tag=a1\r\n');
    expect(bye).toContain('CSeq: 1 BYE\r\nRoute: <sip:p1.example.test;lr>\r\nRoute: <sip:p2.example.test;lr>\r\n');
    expect(bye.startsWith('BYE sip:alice@192.0.2.20:5060 SIP/2.0')).toBe(true);
    const older = { ...req!, method: 'BYE', headers: req!.headers.map((h) => (h.name === 'CSeq' ? { name: 'CSeq', value: '6 BYE' } : h)) };
    expect(d.receiveRequest(older)).toBe('out-of-order');
    const newer = { ...req!, method: 'BYE', headers: req!.headers.map((h) => (h.name === 'CSeq' ? { name: 'CSeq', value: '8 BYE' } : h)) };
    expect(d.receiveRequest(newer)).toBe('ok');
    expect(d.remoteSeq).toBe(8);
  });

  it('gives a request another one caused that one\'s Max-Forwards less one, as asked (a B2BUA passing a BYE or INFO on)', () => {
    const d = Dialog.asUas(req!, 'b2', '<sip:sotto@192.0.2.1>', dest)!;
    const info = serializeMessage(d.createRequest('INFO', { body: Buffer.from('5'), headers: [{ name: 'Content-Type', value: 'application/dtmf' }], maxForwards: 9 })).toString();
    expect(info).toMatch(/^INFO [^\r]+\r\nMax-Forwards: 9\r\n/);
    expect(info).toContain('CSeq: 1 INFO\r\nRoute: <sip:p1.example.test;lr>\r\nRoute: <sip:p2.example.test;lr>\r\nContent-Type: application/dtmf\r\nContent-Length: 1\r\n\r\n5');
  });

  it('refuses to make a dialog without a Contact or tags', () => {
    const noTag = { ...res!, headers: res!.headers.map((h) => (h.name === 'To' ? { name: 'To', value: '<sip:bob@example.test>' } : h)) };
    expect(Dialog.asUac(req!, noTag, '<sip:x@y>', dest)).toBeUndefined();
  });
});
