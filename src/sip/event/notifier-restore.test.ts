// EventNotifier.restore: a subscription accepted before a restart comes back
// active for the time it had left, NOTIFIES in its dialog above the stored
// CSeq, refreshes in its dialog, and ends on time.
import { describe, expect, it } from 'vitest';
import { createResponse, getTo, serializeMessage, type SipRequest, type SipResponse } from '../message/index.ts';
import { FakeClock, type ClientTransactionUser, type ServerTransaction } from '../transaction/index.ts';
import { parse, settle } from '../transaction/test-support.ts';
import { EventNotifier } from './notifier.ts';
import type { StoredDialog } from './stored-dialog.ts';

const stored: StoredDialog = {
  callId: 'sub-1@192.0.2.10',
  localTag: 'ours1',
  remoteTag: 'phone1',
  localUri: '<sip:101@example.com>',
  remoteUri: '<sip:101@example.com>',
  remoteTarget: 'sip:101@192.0.2.10:5062',
  routeSet: [],
  remoteSeq: 4,
  localSeq: 200,
  destination: { protocol: 'UDP', address: '192.0.2.10', port: 5062 },
};
const event = { package: 'message-summary' };

function harness() {
  const clock = new FakeClock();
  const sent: { request: SipRequest; user: ClientTransactionUser }[] = [];
  const ended: string[] = [];
  const active: string[] = [];
  const notifier = new EventNotifier({
    eventPackage: 'message-summary',
    contact: '<sip:192.0.2.1:5060>',
    clock,
    send: (request, _d, user) => sent.push({ request, user }),
    content: () => Promise.resolve({ contentType: 'application/simple-message-summary', body: Buffer.from('Messages-Waiting: yes\r\n') }),
    defaultExpires: 3600,
    minExpires: 60,
    maxExpires: 3600,
    onEnded: (_r, end, sub) => ended.push(`${sub.key === 'sub-1@192.0.2.10\u0000ours1' ? 'restored' : 'other'}:${end.kind === 'terminated' ? end.reason : end.status}`),
    onActive: (sub) => active.push(String(sub.remainingSeconds)),
  });
  return { clock, sent, ended, active, notifier };
}

function refresh(cseq: number, expires: number): { tx: ServerTransaction & { responses: SipResponse[] }; request: SipRequest } {
  const request = parse(
    `SUBSCRIBE sip:101@192.0.2.1 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-r${cseq}
Max-Forwards: 70
From: <sip:101@example.com>;tag=phone1
To: <sip:101@example.com>;tag=ours1
Call-ID: sub-1@192.0.2.10
CSeq: ${cseq} SUBSCRIBE
Contact: <sip:101@192.0.2.10:5062>
Event: message-summary
Expires: ${expires}
Content-Length: 0

`,
  ) as SipRequest;
  const responses: SipResponse[] = [];
  return { request, tx: { request, responses, respond: (r: SipResponse) => responses.push(r) } as unknown as ServerTransaction & { responses: SipResponse[] } };
}

describe('EventNotifier.restore', () => {
  it('brings a subscription back for the time it had left and NOTIFIES in its dialog above the stored CSeq', async () => {
    const h = harness();
    const sub = h.notifier.restore(stored, event, 'box-1', h.clock.now() + 1_800_000)!;
    expect(sub.state).toBe('active');
    expect(h.sent).toHaveLength(0);
    expect(h.notifier.classify(refresh(5, 600).request)).toBe('refresh');
    expect(h.notifier.notify('box-1')).toBe(1);
    await settle();
    expect(serializeMessage(h.sent[0]!.request).toString()).toBe(
      [
        'NOTIFY sip:101@192.0.2.10:5062 SIP/2.0',
        'Max-Forwards: 70',
        'From: <sip:101@example.com>;tag=ours1',
        'To: <sip:101@example.com>;tag=phone1',
        'Call-ID: sub-1@192.0.2.10',
        'CSeq: 201 NOTIFY',
        'Event: message-summary',
        'Subscription-State: active;expires=1800',
        'Contact: <sip:192.0.2.1:5060>',
        'Content-Type: application/simple-message-summary',
        'Content-Length: 23',
        '',
        'Messages-Waiting: yes\r\n',
      ].join('\r\n'),
    );
    h.sent[0]!.user.onResponse(createResponse(h.sent[0]!.request, 200));

    // The phone's refresh in the old dialog: 200, the new duration, and the owner told (to store it again).
    const r = refresh(5, 600);
    h.notifier.refresh(r.tx, r.request);
    expect(r.tx.responses[0]!.status).toBe(200);
    expect(getTo(r.tx.responses[0]!)!.tag).toBe('ours1');
    expect(h.active).toEqual(['600']);

    // RFC 6665 4.2.2: the duration ends without a refresh: a final NOTIFY, reason timeout.
    h.clock.advance(600_000);
    await settle();
    expect(h.sent.at(-1)!.request.headers.find((x) => x.name === 'Subscription-State')!.value).toBe('terminated;reason=timeout');
    expect(h.ended).toEqual(['restored:timeout']);
  });

  it('does not bring back one whose time is up, of another package, or already here', () => {
    const h = harness();
    expect(h.notifier.restore(stored, event, 'box-1', h.clock.now())).toBeUndefined();
    expect(h.notifier.restore(stored, { package: 'presence' }, 'box-1', h.clock.now() + 60_000)).toBeUndefined();
    expect(h.notifier.restore(stored, event, 'box-1', h.clock.now() + 60_000)).toBeDefined();
    expect(h.notifier.restore(stored, event, 'box-1', h.clock.now() + 60_000)).toBeUndefined();
    expect(h.notifier.size).toBe(1);
  });
});
