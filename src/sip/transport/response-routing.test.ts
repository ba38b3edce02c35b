import { describe, expect, it } from 'vitest';
import { parseMessage, type SipMessage, type SipRequest, type SipResponse } from '../message/index.ts';
import { stampReceived } from './received-stamp.ts';
import { responseDestination } from './response-routing.ts';

function msg(text: string): SipMessage {
  const r = parseMessage(Buffer.from(text.replace(/\n/g, '\r\n')));
  if (!r.ok) throw new Error(r.error.code);
  return r.value;
}

const withVia = (via: string, start = 'SIP/2.0 200 OK'): string =>
  `${start}\nVia: ${via}\nVia: SIP/2.0/UDP 10.9.9.9\nFrom: <sip:a@b>;tag=1\nTo: <sip:a@b>;tag=2\nCall-ID: c\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n`;

describe('received/rport stamping (RFC 3261 18.2.1, RFC 3581 4)', () => {
  const req = (via: string): SipRequest => msg(withVia(via, 'OPTIONS sip:b@c SIP/2.0').replace('CSeq: 1 OPTIONS', 'CSeq: 1 OPTIONS')) as SipRequest;
  const topVia = (r: SipRequest): string => r.headers.find((h) => h.name === 'Via')?.value ?? '';

  it('adds received when sent-by differs, and fills rport with the source port', () => {
    expect(topVia(stampReceived(req('SIP/2.0/UDP phone.example.com:5062;branch=z9hG4bK1;rport'), '203.0.113.5', 40000))).toBe(
      'SIP/2.0/UDP phone.example.com:5062;branch=z9hG4bK1;rport=40000;received=203.0.113.5',
    );
  });

  it('leaves the Via alone when the sent-by is the source and rport was not asked', () => {
    const r = req('SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK1');
    expect(stampReceived(r, '203.0.113.5', 5060)).toBe(r);
  });

  it('stamps only the first value of a comma-joined Via', () => {
    const r = req('SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK0');
    expect(topVia(stampReceived(r, '203.0.113.5', 5060))).toBe('SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1;received=203.0.113.5, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK0');
  });
});

describe('response routing (RFC 3261 18.2.2)', () => {
  const res = (via: string): SipResponse => msg(withVia(via)) as SipResponse;

  it('UDP: received and rport', () => {
    expect(responseDestination(res('SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK1;rport=40000;received=203.0.113.5'))).toEqual({ protocol: 'UDP', address: '203.0.113.5', port: 40000 });
  });

  it('UDP: received and the sent-by port without rport; 5060 when no port', () => {
    expect(responseDestination(res('SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK1;received=203.0.113.5'))).toEqual({ protocol: 'UDP', address: '203.0.113.5', port: 5062 });
    expect(responseDestination(res('SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1'))).toEqual({ protocol: 'UDP', address: '10.0.0.1', port: 5060 });
  });

  it('UDP: maddr wins', () => {
    expect(responseDestination(res('SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK1;maddr=10.0.0.99;received=203.0.113.5'))).toEqual({ protocol: 'UDP', address: '10.0.0.99', port: 5062 });
  });

  it('TCP/TLS: the original connection, falling back to received at the sent-by port (5061 for TLS)', () => {
    expect(responseDestination(res('SIP/2.0/TCP 10.0.0.1:5070;branch=z9hG4bK1;rport=40000;received=203.0.113.5'), 'tcp-7')).toEqual({ protocol: 'TCP', address: '203.0.113.5', port: 5070, connectionId: 'tcp-7' });
    expect(responseDestination(res('SIP/2.0/TLS 10.0.0.1;branch=z9hG4bK1;received=203.0.113.5'))).toEqual({ protocol: 'TLS', address: '203.0.113.5', port: 5061 });
  });
});
