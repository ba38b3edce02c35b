import { describe, expect, it } from 'vitest';
import { createResponse, getTopVia, parseMessage, type SipRequest } from '../message/index.ts';
import { FakeClock, InviteClientTransaction, type ServerTransaction } from '../transaction/index.ts';
import { FakeTransport, fakeTransportPair, type Destination } from '../transport/index.ts';
import { request as buildRequest, settle } from '../transaction/test-support.ts';
import { optionsResponse, statelessOptionsAnswer } from './options-responder.ts';
import { SipStack } from './sip-stack.ts';
import type { TransactionUser } from './transaction-user.ts';

/** A request as a UAC core hands it to the stack: no Via yet. */
function uacRequest(method: string, extra = ''): SipRequest {
  const r = buildRequest(method, 'unused', extra);
  return { ...r, headers: r.headers.filter((h) => h.name !== 'Via') };
}

const toB: Destination = { protocol: 'UDP', address: '192.0.2.2', port: 5060 };

async function pair(serverUser: TransactionUser, protocol: 'UDP' | 'TCP' = 'UDP') {
  const clock = new FakeClock();
  const [ta, tb] = fakeTransportPair(protocol);
  const a = await SipStack.start({ transports: [ta], user: { onRequest: () => undefined }, clock, advertisedHost: '192.0.2.1' });
  const b = await SipStack.start({ transports: [tb], user: serverUser, clock, advertisedHost: '192.0.2.2' });
  return { clock, ta, tb, a, b };
}

describe('SipStack over a fake transport pair', () => {
  it('answers OPTIONS through a server transaction, the response routed back to received/rport', async () => {
    const { a, tb } = await pair({ onRequest: (tx, req) => tx.respond(optionsResponse(req)) });
    const res = await a.request(uacRequest('OPTIONS'), toB);
    expect(res.status).toBe(200);
    const wire = tb.sent[0]?.bytes.toString() ?? '';
    expect(wire).toMatch(/^SIP\/2\.0 200 OK\r\nVia: SIP\/2\.0\/UDP 192\.0\.2\.1:5060;branch=z9hG4bK[0-9a-f]{24};rport=5060;received=192\.0\.2\.1\r\n/);
    expect(wire).toContain('\r\nAllow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER');
    expect(tb.sent[0]?.destination).toEqual({ protocol: 'UDP', address: '192.0.2.1', port: 5060 });
  });

  it('answers statelessly (RFC 3261 8.2.7) when the TU says so: no transaction, the same bytes for a retransmission', async () => {
    const seen: string[] = [];
    const { a, b, clock, ta, tb } = await pair({
      statelessAnswer: (req) => (req.method === 'OPTIONS' ? statelessOptionsAnswer(req) : undefined),
      onRequest: (tx, req) => {
        seen.push(req.method);
        tx.respond(createResponse(req, 486));
      },
    });
    tb.deliver = false;
    const pending = a.request(uacRequest('OPTIONS'), toB);
    clock.advance(500);
    tb.deliver = true;
    clock.advance(1000);
    expect((await pending).status).toBe(200);
    expect(ta.sentLines).toEqual(['OPTIONS sip:101@example.com SIP/2.0', 'OPTIONS sip:101@example.com SIP/2.0', 'OPTIONS sip:101@example.com SIP/2.0']);
    // The first two answers were lost; all three are byte for byte the same.
    expect(tb.sent).toHaveLength(3);
    expect(new Set(tb.sent.map((m) => m.bytes.toString())).size).toBe(1);
    expect(b.transactions.serverCount).toBe(0);
    // Other requests still go to onRequest in a transaction.
    expect((await a.request(uacRequest('INVITE'), toB)).status).toBe(486);
    expect(seen).toEqual(['INVITE']);
  });

  it('answers statelessly through the transport the request arrived on, not the first of its protocol', async () => {
    const first = new FakeTransport('UDP', { address: '192.0.2.1', port: 5060 });
    const second = new FakeTransport('UDP', { address: '192.0.2.1', port: 5080 });
    await SipStack.start({ transports: [first, second], user: { statelessAnswer: (req) => statelessOptionsAnswer(req), onRequest: () => undefined }, clock: new FakeClock() });
    second.inject(Buffer.from('OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.7:5999;branch=z9hG4bKka\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: ka\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n\r\n'), { address: '198.51.100.7', port: 5999 });
    expect(first.sent).toHaveLength(0);
    expect(second.sent[0]?.bytes.toString()).toMatch(/^SIP\/2\.0 200 OK\r\n/);
    expect(second.sent[0]?.destination).toEqual({ protocol: 'UDP', address: '198.51.100.7', port: 5999 });
  });

  it('hands a retransmitted request to the TU once, and the late answer still arrives', async () => {
    const held: ServerTransaction[] = [];
    const { a, clock, ta } = await pair({ onRequest: (tx) => void held.push(tx) });
    const pending = a.request(uacRequest('REGISTER'), toB);
    clock.advance(500);
    clock.advance(1000);
    expect(ta.sentLines).toEqual(['REGISTER sip:101@example.com SIP/2.0', 'REGISTER sip:101@example.com SIP/2.0', 'REGISTER sip:101@example.com SIP/2.0']);
    expect(held).toHaveLength(1);
    const tx = held[0] as ServerTransaction;
    tx.respond(createResponse(tx.request, 200));
    expect((await pending).status).toBe(200);
  });

  it('answers a retransmission of an answered request with the same bytes from Completed, without the TU (RFC 3261 17.2.2)', async () => {
    const seen: string[] = [];
    const { a, b, clock, ta, tb } = await pair({
      onRequest: (tx, req) => {
        seen.push(req.method);
        tx.respond(createResponse(req, 401, undefined, { toTag: 'fixed' }));
      },
    });
    tb.deliver = false;
    const pending = a.request(uacRequest('REGISTER'), toB);
    clock.advance(500);
    tb.deliver = true;
    clock.advance(1000);
    expect((await pending).status).toBe(401);
    expect(ta.sentLines).toHaveLength(3);
    expect(seen).toEqual(['REGISTER']);
    expect(tb.sent).toHaveLength(3);
    expect(new Set(tb.sent.map((m) => m.bytes.toString())).size).toBe(1);
    expect(new Set(tb.sent.map((m) => JSON.stringify(m.destination))).size).toBe(1);
    expect(b.transactions.serverCount).toBe(1);
    clock.advance(32_000);
    expect(b.transactions.serverCount).toBe(0);
  });

  it('turns Timer F into a 408 for the UAC (RFC 3261 8.1.3.1)', async () => {
    const { a, clock, ta } = await pair({ onRequest: () => undefined });
    ta.deliver = false;
    const pending = a.request(uacRequest('OPTIONS'), toB);
    clock.advance(32_000);
    const res = await pending;
    expect(res.status).toBe(408);
    expect(ta.sent).toHaveLength(11);
  });

  it('CANCEL of a ringing INVITE: 200 to the CANCEL, 487 to the INVITE, ACKed by the client transaction', async () => {
    const { a, ta, tb } = await pair({ onRequest: (tx, req) => void tx.respond(createResponse(req, 180, undefined, { toTag: 'r1' })) });
    const statuses: number[] = [];
    const user = { onResponse: (r: { status: number }) => statuses.push(r.status), onTimeout: () => undefined, onTransportError: () => undefined };
    const invite = a.sendRequest(uacRequest('INVITE'), toB, user) as InviteClientTransaction;
    await settle();
    const cancel = a.sendCancel(invite, toB, user);
    expect(cancel).toBeDefined();
    await settle();
    // No 100 Trying: the TU rang within 200 ms (RFC 3261 17.2.1).
    expect(statuses).toEqual([180, 200, 487]);
    expect(tb.sentLines).toEqual(['SIP/2.0 180 Ringing', 'SIP/2.0 200 OK', 'SIP/2.0 487 Request Terminated']);
    expect(ta.sentLines).toEqual(['INVITE sip:101@example.com SIP/2.0', 'CANCEL sip:101@example.com SIP/2.0', 'ACK sip:101@example.com SIP/2.0']);
    const parsed = ta.sent.map((s) => parseMessage(s.bytes));
    const branches = parsed.map((p) => (p.ok ? getTopVia(p.value)?.branch : undefined));
    expect(new Set(branches).size).toBe(1);
  });

  it('answers a CANCEL that matches nothing with 481', async () => {
    const { a } = await pair({ onRequest: () => undefined });
    const res = await a.request(uacRequest('CANCEL'), toB);
    expect(res.status).toBe(481);
  });

  it('answers 500 for a TU that throws, and hands 2xx ACKs to onAck', async () => {
    const acks: string[] = [];
    const { a } = await pair({
      onRequest: () => {
        throw new Error('bug');
      },
      onAck: (ack) => acks.push(ack.method),
    });
    expect((await a.request(uacRequest('MESSAGE'), toB)).status).toBe(500);
    await a.sendStateless(uacRequest('ACK'), toB);
    expect(acks).toEqual(['ACK']);
  });

  it('moves a request over 1300 octets from UDP to TCP (RFC 3261 18.1.1)', async () => {
    const udp = new FakeTransport('UDP', { address: '192.0.2.1', port: 5060 });
    const tcp = new FakeTransport('TCP', { address: '192.0.2.1', port: 5060 });
    const stack = await SipStack.start({ transports: [udp, tcp], user: { onRequest: () => undefined }, clock: new FakeClock() });
    const big = { ...uacRequest('MESSAGE', 'Content-Type: text/plain\n'), body: Buffer.alloc(1400, 0x61) };
    stack.sendRequest(big, toB, { onResponse: () => undefined, onTimeout: () => undefined, onTransportError: () => undefined });
    expect(udp.sent).toHaveLength(0);
    expect(tcp.sent[0]?.destination).toEqual({ protocol: 'TCP', address: '192.0.2.2', port: 5060 });
    expect(tcp.sent[0]?.bytes.toString()).toContain('Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK');
  });

  it('answers a malformed request with 400 and keeps answering OPTIONS', async () => {
    const { a, tb } = await pair({ onRequest: (tx, req) => tx.respond(optionsResponse(req)) });
    tb.inject(Buffer.from('OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKx\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: c\r\nCSeq: nope\r\n\r\n'), { address: '198.51.100.7', port: 5999 });
    expect(tb.sent[0]?.bytes.toString()).toMatch(/^SIP\/2\.0 400 /);
    expect(tb.sent[0]?.bytes.toString()).toContain('Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKx;received=198.51.100.7\r\n');
    expect((await a.request(uacRequest('OPTIONS'), toB)).status).toBe(200);
  });
});
