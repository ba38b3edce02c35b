import { describe, expect, it } from 'vitest';
import { createResponse, getCSeq, getHeader, getTo, serializeMessage, type SipRequest, type SipResponse } from '../message/index.ts';
import { FakeClock, type ClientTransactionUser, type ServerTransaction } from '../transaction/index.ts';
import { parse, settle } from '../transaction/test-support.ts';
import type { MessageSource } from '../transport/index.ts';
import { parseEventHeader } from './event-header.ts';
import { EventNotifier } from './notifier.ts';

const source = { protocol: 'UDP' as const, address: '192.0.2.10', port: 5062, local: { address: '192.0.2.1', port: 5060 } } as MessageSource;

function subscribeRequest(o: { expires?: number | null; toTag?: string; cseq?: number; event?: string } = {}): SipRequest {
  return parse(
    `SUBSCRIBE sip:101@example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-s${o.cseq ?? 1}
Max-Forwards: 70
From: <sip:101@example.com>;tag=phone1
To: <sip:101@example.com>${o.toTag ? `;tag=${o.toTag}` : ''}
Call-ID: sub-1@192.0.2.10
CSeq: ${o.cseq ?? 1} SUBSCRIBE
Contact: <sip:101@192.0.2.10:5062>
Event: ${o.event ?? 'message-summary'}
${o.expires === null ? '' : `Expires: ${o.expires ?? 600}\n`}Content-Length: 0

`,
  ) as SipRequest;
}

function fakeTx(request: SipRequest): ServerTransaction & { responses: SipResponse[] } {
  const responses: SipResponse[] = [];
  return { request, responses, respond: (r: SipResponse) => responses.push(r) } as unknown as ServerTransaction & { responses: SipResponse[] };
}

function harness(body = () => 'Messages-Waiting: no\r\n') {
  const clock = new FakeClock();
  const sent: { request: SipRequest; user: ClientTransactionUser }[] = [];
  const ended: string[] = [];
  const notifier = new EventNotifier({
    eventPackage: 'message-summary',
    contact: '<sip:192.0.2.1:5060>',
    clock,
    send: (request, _d, user) => sent.push({ request, user }),
    content: () => Promise.resolve({ contentType: 'application/simple-message-summary', body: Buffer.from(body()) }),
    defaultExpires: 3600,
    minExpires: 60,
    maxExpires: 3600,
    onEnded: (_r, end) => ended.push(end.kind === 'terminated' ? end.reason : `failed:${end.status}`),
  });
  const ok = (i: number) => sent[i]!.user.onResponse(createResponse(sent[i]!.request, 200));
  return { clock, sent, ended, notifier, ok };
}

describe('EventNotifier (RFC 6665 notifier)', () => {
  it('answers a new SUBSCRIBE 200 with the granted Expires, then NOTIFIES the state at once', async () => {
    const h = harness();
    const tx = fakeTx(subscribeRequest());
    expect(h.notifier.subscribe(tx, tx.request, source, 'box-1')?.state).toBe('active');
    const res = tx.responses[0]!;
    expect(res.status).toBe(200);
    expect(getHeader(res.headers, 'expires')).toBe('600');
    const toTag = getTo(res)!.tag!;
    await settle();
    expect(h.sent).toHaveLength(1);
    expect(serializeMessage(h.sent[0]!.request).toString()).toBe(
      [
        'NOTIFY sip:101@192.0.2.10:5062 SIP/2.0',
        'Max-Forwards: 70',
        `From: <sip:101@example.com>;tag=${toTag}`,
        'To: <sip:101@example.com>;tag=phone1',
        'Call-ID: sub-1@192.0.2.10',
        'CSeq: 1 NOTIFY',
        'Event: message-summary',
        'Subscription-State: active;expires=600',
        'Contact: <sip:192.0.2.1:5060>',
        'Content-Type: application/simple-message-summary',
        'Content-Length: 22',
        '',
        'Messages-Waiting: no\r\n',
      ].join('\r\n'),
    );
  });

  it('shortens long requests, refuses too-brief ones with 423 and other packages with 489', () => {
    const h = harness();
    const long = fakeTx(subscribeRequest({ expires: 86400 }));
    h.notifier.subscribe(long, long.request, source, 'box-1');
    expect(getHeader(long.responses[0]!.headers, 'expires')).toBe('3600');
    const brief = fakeTx(subscribeRequest({ expires: 10 }));
    h.notifier.subscribe(brief, brief.request, source, 'box-1');
    expect([brief.responses[0]!.status, getHeader(brief.responses[0]!.headers, 'min-expires')]).toEqual([423, '60']);
    const presence = fakeTx(subscribeRequest({ event: 'presence' }));
    h.notifier.subscribe(presence, presence.request, source, 'box-1');
    expect([presence.responses[0]!.status, getHeader(presence.responses[0]!.headers, 'allow-events')]).toEqual([489, 'message-summary']);
    const noExpires = fakeTx(subscribeRequest({ expires: null }));
    h.notifier.subscribe(noExpires, noExpires.request, source, 'box-1');
    expect(getHeader(noExpires.responses[0]!.headers, 'expires')).toBe('3600');
  });

  it('refreshes in the dialog, then ends on Expires: 0 with a final NOTIFY', async () => {
    const h = harness();
    const tx = fakeTx(subscribeRequest());
    h.notifier.subscribe(tx, tx.request, source, 'box-1');
    const toTag = getTo(tx.responses[0]!)!.tag!;
    await settle();
    h.ok(0);
    h.clock.advance(300_000);
    const refresh = fakeTx(subscribeRequest({ toTag, cseq: 2 }));
    expect(h.notifier.classify(refresh.request)).toBe('refresh');
    h.notifier.refresh(refresh, refresh.request);
    expect(refresh.responses[0]!.status).toBe(200);
    await settle();
    expect(getHeader(h.sent[1]!.request.headers, 'subscription-state')).toBe('active;expires=600');
    h.ok(1);
    const unsubscribe = fakeTx(subscribeRequest({ toTag, cseq: 3, expires: 0 }));
    h.notifier.refresh(unsubscribe, unsubscribe.request);
    expect(getHeader(unsubscribe.responses[0]!.headers, 'expires')).toBe('0');
    await settle();
    expect(getHeader(h.sent[2]!.request.headers, 'subscription-state')).toBe('terminated;reason=timeout');
    expect(getCSeq(h.sent[2]!.request)!.seq).toBe(3);
    expect(h.notifier.size).toBe(0);
    expect(h.ended).toEqual(['timeout']);
    // The dialog is gone: a late refresh gets 481.
    const late = fakeTx(subscribeRequest({ toTag, cseq: 4 }));
    expect(h.notifier.classify(late.request)).toBe('unknown-dialog');
    h.notifier.refresh(late, late.request);
    expect(late.responses[0]!.status).toBe(481);
  });

  it('ends an unrefreshed subscription when it expires, with reason timeout', async () => {
    const h = harness();
    const tx = fakeTx(subscribeRequest({ expires: 120 }));
    h.notifier.subscribe(tx, tx.request, source, 'box-1');
    await settle();
    h.ok(0);
    h.clock.advance(120_000);
    await settle();
    expect(getHeader(h.sent[1]!.request.headers, 'subscription-state')).toBe('terminated;reason=timeout');
    expect(h.notifier.subscriptionsOf('box-1')).toHaveLength(0);
  });

  it('removes the subscription when a NOTIFY is answered 481', async () => {
    const h = harness();
    const tx = fakeTx(subscribeRequest());
    h.notifier.subscribe(tx, tx.request, source, 'box-1');
    await settle();
    h.sent[0]!.user.onResponse(createResponse(h.sent[0]!.request, 481));
    expect(h.notifier.size).toBe(0);
    expect(h.ended).toEqual(['failed:481']);
    expect(h.notifier.notify('box-1')).toBe(0);
  });

  it('sends one NOTIFY at a time and collapses changes made meanwhile into the latest state', async () => {
    let n = 0;
    const h = harness(() => `Messages-Waiting: ${n > 0 ? 'yes' : 'no'}\r\nVoice-Message: ${n}/0\r\n`);
    const tx = fakeTx(subscribeRequest());
    h.notifier.subscribe(tx, tx.request, source, 'box-1');
    await settle();
    n = 1;
    h.notifier.notify('box-1');
    n = 2;
    h.notifier.notify('box-1');
    await settle();
    expect(h.sent).toHaveLength(1);
    h.ok(0);
    await settle();
    expect(h.sent).toHaveLength(2);
    expect(h.sent[1]!.request.body.toString()).toBe('Messages-Waiting: yes\r\nVoice-Message: 2/0\r\n');
    expect(getCSeq(h.sent[1]!.request)!.seq).toBe(2);
  });

  it('treats an initial SUBSCRIBE with Expires: 0 as a fetch: one terminated NOTIFY carrying the state', async () => {
    const h = harness();
    const tx = fakeTx(subscribeRequest({ expires: 0 }));
    h.notifier.subscribe(tx, tx.request, source, 'box-1');
    await settle();
    expect(getHeader(h.sent[0]!.request.headers, 'subscription-state')).toBe('terminated;reason=timeout');
    expect(h.sent[0]!.request.body.toString()).toBe('Messages-Waiting: no\r\n');
    expect(h.notifier.size).toBe(0);
  });
});

describe('Event header (RFC 6665 8.2.1)', () => {
  it('reads the package and id, refusing what it cannot echo safely', () => {
    expect(parseEventHeader('message-summary')).toEqual({ package: 'message-summary' });
    expect(parseEventHeader('Message-Summary ; id=ab12')).toEqual({ package: 'message-summary', id: 'ab12' });
    expect(parseEventHeader('message-summary;id="a b"')).toBeUndefined();
    expect(parseEventHeader('')).toBeUndefined();
    expect(parseEventHeader('mess age')).toBeUndefined();
  });
});
