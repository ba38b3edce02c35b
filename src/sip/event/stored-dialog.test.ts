import { describe, expect, it } from 'vitest';
import { Dialog } from '../dialog/index.ts';
import { serializeMessage, type SipRequest } from '../message/index.ts';
import { parse } from '../transaction/test-support.ts';
import { restoreDialog, storeDialog } from './stored-dialog.ts';

const subscribe = parse(
  `SUBSCRIBE sip:101@example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-s1
Max-Forwards: 70
From: "Front Desk" <sip:101@example.com>;tag=phone1
To: <sip:101@example.com>
Call-ID: sub-1@192.0.2.10
CSeq: 7 SUBSCRIBE
Record-Route: <sip:edge.example;lr>
Record-Route: <sip:core.example;lr>
Contact: <sip:101@192.0.2.10:5062;transport=udp>
Event: message-summary
Content-Length: 0

`,
) as SipRequest;

/** The dialog's next NOTIFY as it goes on the wire (the transaction layer adds the Via). */
const wire = (d: Dialog) => serializeMessage(d.createRequest('NOTIFY')).toString('latin1');

describe('a stored notifier dialog', () => {
  it('comes back as the same dialog: the next NOTIFY is the one the original would have sent', () => {
    const destination = { protocol: 'UDP' as const, address: '192.0.2.10', port: 5062 };
    const original = Dialog.asUas(subscribe, 'ours1', '<sip:192.0.2.1:5060>', destination)!;
    original.createRequest('NOTIFY');
    original.createRequest('NOTIFY');
    const stored = storeDialog(original);
    expect(stored).toEqual({
      callId: 'sub-1@192.0.2.10',
      localTag: 'ours1',
      remoteTag: 'phone1',
      localUri: '<sip:101@example.com>',
      remoteUri: 'Front Desk <sip:101@example.com>',
      remoteTarget: 'sip:101@192.0.2.10:5062;transport=udp',
      routeSet: ['<sip:edge.example;lr>', '<sip:core.example;lr>'],
      remoteSeq: 7,
      localSeq: 2,
      destination,
    });
    // JSON and back, as the database holds it.
    const back = restoreDialog(JSON.parse(JSON.stringify(stored)), '<sip:192.0.2.1:5060>')!;
    expect(back.key).toBe(original.key);
    expect(back.remoteSeq).toBe(7);
    expect(back.destination).toEqual(destination);
    const next = wire(back);
    expect(next).toBe(wire(original));
    expect(next).toBe(
      [
        'NOTIFY sip:101@192.0.2.10:5062;transport=udp SIP/2.0',
        'Max-Forwards: 70',
        'From: <sip:101@example.com>;tag=ours1',
        'To: Front Desk <sip:101@example.com>;tag=phone1',
        'Call-ID: sub-1@192.0.2.10',
        'CSeq: 3 NOTIFY',
        'Route: <sip:edge.example;lr>',
        'Route: <sip:core.example;lr>',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
  });

  it('a CSeq restored ahead (a reserved block) continues from there', () => {
    const original = Dialog.asUas(subscribe, 'ours1', '<sip:192.0.2.1:5060>', { protocol: 'UDP', address: '192.0.2.10', port: 5062 })!;
    const back = restoreDialog({ ...storeDialog(original), localSeq: 100 }, '<sip:192.0.2.1:5060>')!;
    expect(back.createRequest('NOTIFY').headers.find((h) => h.name === 'CSeq')!.value).toBe('101 NOTIFY');
  });

  it('stored text that no longer parses gives nothing rather than a throw', () => {
    const original = Dialog.asUas(subscribe, 'ours1', '<sip:192.0.2.1:5060>', { protocol: 'UDP', address: '192.0.2.10', port: 5062 })!;
    expect(restoreDialog({ ...storeDialog(original), remoteTarget: 'not a uri' }, '<sip:192.0.2.1:5060>')).toBeUndefined();
    expect(restoreDialog({ ...storeDialog(original), remoteUri: '<<<' }, '<sip:192.0.2.1:5060>')).toBeUndefined();
  });
});
