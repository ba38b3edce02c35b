import { describe, expect, it } from 'vitest';
import { serializeMessage, type SipResponse } from '../message/index.ts';
import { FakeClock } from './clock.ts';
import { InviteClientState, InviteClientTransaction } from './invite-client-transaction.ts';
import { recordingChannel, request, response } from './test-support.ts';
import { DEFAULT_TIMERS } from './timers.ts';

function setup(reliable = false) {
  const clock = new FakeClock();
  const channel = recordingChannel(clock, reliable);
  const seen: string[] = [];
  const invite = request('INVITE', 'z9hG4bK-tx1', 'Route: <sip:proxy.example.com;lr>\n');
  const tx = new InviteClientTransaction('k', invite, channel, clock, DEFAULT_TIMERS, {
    onResponse: (r: SipResponse) => seen.push(`${r.status}`),
    onTimeout: () => seen.push('timeout'),
    onTransportError: () => seen.push('transport-error'),
  }, () => seen.push('terminated'));
  tx.start();
  return { clock, channel, seen, tx };
}

describe('INVITE client transaction (RFC 3261 17.1.1, RFC 6026)', () => {
  it('over UDP doubles Timer A without cap and Timer B times out at 64*T1', () => {
    const { clock, channel, seen, tx } = setup();
    clock.advance(40_000);
    expect(channel.times()).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(seen).toEqual(['terminated', 'timeout']);
    expect(tx.state).toBe(InviteClientState.Terminated);
  });

  it('keeps its INVITE while CANCEL may need it and lets the channel drop it once a final response or the end comes', () => {
    const answered = setup();
    answered.tx.receiveResponse(response(180));
    expect(answered.channel.released).toBe(0);
    answered.tx.receiveResponse(response(486));
    expect(answered.channel.released).toBeGreaterThan(0);

    const timedOut = setup();
    timedOut.clock.advance(31_999);
    expect(timedOut.channel.released).toBe(0);
    timedOut.clock.advance(1);
    expect(timedOut.seen).toEqual(['terminated', 'timeout']);
    expect(timedOut.channel.released).toBe(1);
  });

  it('a provisional stops retransmission and Timer B', () => {
    const { clock, channel, seen, tx } = setup();
    clock.advance(600);
    tx.receiveResponse(response(180));
    clock.advance(60_000);
    expect(channel.times()).toEqual([0, 500]);
    expect(tx.state).toBe(InviteClientState.Proceeding);
    expect(seen).toEqual(['180']);
  });

  it('a 486 is ACKed with the exact ACK of 17.1.1.3, retransmitted 486s are re-ACKed but not passed up, Timer D ends it', () => {
    const { clock, channel, seen, tx } = setup();
    tx.receiveResponse(response(486));
    expect(tx.state).toBe(InviteClientState.Completed);
    const ack = channel.sent[1]?.message;
    expect(ack && serializeMessage(ack).toString()).toBe(
      'ACK sip:101@example.com SIP/2.0\r\n' +
        'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-tx1\r\n' +
        'Max-Forwards: 70\r\n' +
        'From: <sip:200@example.com>;tag=caller1\r\n' +
        'To: <sip:101@example.com>;tag=callee1\r\n' +
        'Call-ID: call-1@192.0.2.10\r\n' +
        'CSeq: 1 ACK\r\n' +
        'Route: <sip:proxy.example.com;lr>\r\n' +
        'Content-Length: 0\r\n\r\n',
    );
    tx.receiveResponse(response(486));
    expect(channel.lines()).toEqual(['INVITE', 'ACK', 'ACK']);
    expect(seen).toEqual(['486']);
    clock.advance(31_999);
    expect(tx.state).toBe(InviteClientState.Completed);
    clock.advance(1);
    expect(tx.state).toBe(InviteClientState.Terminated);
  });

  it('a 2xx moves to Accepted; later 2xx still reach the TU; Timer M ends it; no ACK from the transaction', () => {
    const { clock, channel, seen, tx } = setup();
    tx.receiveResponse(response(180));
    tx.receiveResponse(response(200));
    expect(tx.state).toBe(InviteClientState.Accepted);
    tx.receiveResponse(response(200));
    expect(seen).toEqual(['180', '200', '200']);
    expect(channel.lines()).toEqual(['INVITE']);
    clock.advance(32_000);
    expect(tx.state).toBe(InviteClientState.Terminated);
  });

  it('over TCP sends once and ends at once after a non-2xx (Timer D = 0)', () => {
    const { clock, channel, tx } = setup(true);
    clock.advance(10_000);
    tx.receiveResponse(response(603));
    clock.advance(0);
    expect(channel.lines()).toEqual(['INVITE', 'ACK']);
    expect(tx.state).toBe(InviteClientState.Terminated);
  });
});
