import { describe, expect, it } from 'vitest';
import { createResponse } from '../message/index.ts';
import { FakeClock } from './clock.ts';
import { InviteServerTransaction } from './invite-server-transaction.ts';
import { checkTransition, IllegalTransitionError } from './state-table.ts';
import { recordingChannel, request, response, settle } from './test-support.ts';
import { TransactionLayer } from './transaction-layer.ts';

describe('transaction matching (RFC 3261 17.1.3, 17.2.3)', () => {
  it('matches retransmissions and the non-2xx ACK to the INVITE server transaction, CANCEL to its own', () => {
    const clock = new FakeClock();
    const layer = new TransactionLayer({ clock });
    const invite = request('INVITE', 'z9hG4bKabc');
    const tx = layer.startServer(invite, recordingChannel(clock, false));
    expect(tx).toBeInstanceOf(InviteServerTransaction);
    expect(layer.receiveRequest(invite)).toBe(true);
    expect(layer.receiveRequest(request('INVITE', 'z9hG4bKother'))).toBe(false);
    const cancel = request('CANCEL', 'z9hG4bKabc');
    expect(layer.receiveRequest(cancel)).toBe(false);
    expect(layer.findInviteForCancel(cancel)).toBe(tx);
    tx?.respond(createResponse(invite, 486));
    expect(layer.receiveRequest(request('ACK', 'z9hG4bKabc'))).toBe(true);
    // A 2xx ACK has its own branch and matches nothing: it belongs to the TU.
    expect(layer.receiveRequest(request('ACK', 'z9hG4bKnew'))).toBe(false);
  });

  it('keys on sent-by as well as branch', () => {
    const clock = new FakeClock();
    const layer = new TransactionLayer({ clock });
    layer.startServer(request('OPTIONS', 'z9hG4bKsame'), recordingChannel(clock, false));
    const other = request('OPTIONS', 'z9hG4bKsame');
    const moved = { ...other, headers: other.headers.map((h) => (h.name === 'Via' ? { name: 'Via', value: 'SIP/2.0/UDP 192.0.2.99:5060;branch=z9hG4bKsame' } : h)) };
    expect(layer.receiveRequest(moved)).toBe(false);
  });

  it('falls back to RFC 2543 matching for branches without the magic cookie, ACK included', () => {
    const clock = new FakeClock();
    const layer = new TransactionLayer({ clock });
    const invite = request('INVITE', 'oldstyle1');
    const tx = layer.startServer(invite, recordingChannel(clock, false));
    expect(layer.receiveRequest(invite)).toBe(true);
    tx?.respond(createResponse(invite, 480));
    const ack = request('ACK', 'oldstyle1');
    expect(layer.receiveRequest(ack)).toBe(true);
    expect(layer.findInviteForCancel(request('CANCEL', 'oldstyle1'))).toBe(tx);
    const later = { ...invite, headers: invite.headers.map((h) => (h.name === 'CSeq' ? { name: 'CSeq', value: '2 INVITE' } : h)) };
    expect(layer.receiveRequest(later)).toBe(false);
  });

  it('matches responses by branch and CSeq method, and forgets terminated transactions', () => {
    const clock = new FakeClock();
    const layer = new TransactionLayer({ clock });
    const seen: number[] = [];
    layer.startClient(request('OPTIONS', 'z9hG4bKc1'), recordingChannel(clock, true), {
      onResponse: (r) => seen.push(r.status),
      onTimeout: () => undefined,
      onTransportError: () => undefined,
    });
    expect(layer.receiveResponse(response(200, 'INVITE', 'z9hG4bKc1'))).toBe(false);
    expect(layer.receiveResponse(response(200, 'OPTIONS', 'z9hG4bKc2'))).toBe(false);
    expect(layer.receiveResponse(response(200, 'OPTIONS', 'z9hG4bKc1'))).toBe(true);
    expect(seen).toEqual([200]);
    clock.advance(0);
    expect(layer.clientCount).toBe(0);
  });

  it('refuses illegal transitions', () => {
    expect(() => checkTransition('T', { A: ['B'], B: [] }, 'B', 'A')).toThrow(IllegalTransitionError);
  });
});

describe('stateless answers (RFC 3261 8.2.7)', () => {
  it('sends the final, keeps no transaction and no timer, and hands a retransmission to the TU again', () => {
    const clock = new FakeClock();
    const layer = new TransactionLayer({ clock });
    const options = request('OPTIONS', 'z9hG4bKping');
    const channel = recordingChannel(clock, false);
    const tx = layer.startServer(options, channel);
    expect(tx && 'respondStateless' in tx).toBe(true);
    const nist = tx as import('./non-invite-server-transaction.ts').NonInviteServerTransaction;
    expect(nist.respondStateless(createResponse(options, 100))).toBe(false);
    expect(nist.respondStateless(createResponse(options, 200, undefined, { toTag: 'fixed' }))).toBe(true);
    expect(nist.state).toBe('Terminated');
    expect(nist.respond(createResponse(options, 500))).toBe(false);
    expect(layer.serverCount).toBe(0);
    expect(clock.pending).toBe(0);
    // Not absorbed: the TU answers the retransmission itself.
    expect(layer.receiveRequest(options)).toBe(false);
  });
});

describe('Completed non-INVITE server transactions held by the layer (RFC 3261 17.2.2)', () => {
  /** A UDP-like channel that can resend its last bytes, as the stack's ResponseChannel does. */
  function resendingChannel(clock: FakeClock) {
    const channel = recordingChannel(clock, false);
    let resent = 0;
    channel.resend = () => {
      resent++;
      channel.sent.push({ at: clock.now(), message: channel.sent[channel.sent.length - 1]!.message });
      return Promise.resolve(!channel.fail);
    };
    return { channel, resent: () => resent };
  }

  it('answers each retransmission with the final until Timer J (64*T1), then forgets the transaction', () => {
    const clock = new FakeClock();
    const layer = new TransactionLayer({ clock });
    const register = request('REGISTER', 'z9hG4bKreg1');
    const { channel, resent } = resendingChannel(clock);
    const tx = layer.startServer(register, channel)!;
    expect(layer.receiveRequest(register)).toBe(true);
    expect(channel.lines()).toEqual([]);
    tx.respond(createResponse(register, 401));
    expect(tx.answered).toBe(true);
    expect(tx.respond(createResponse(register, 200))).toBe(false);
    expect(layer.serverCount).toBe(1);
    clock.advance(500);
    expect(layer.receiveRequest(register)).toBe(true);
    clock.advance(31_499);
    expect(layer.receiveRequest(register)).toBe(true);
    expect(channel.lines()).toEqual(['401', '401', '401']);
    expect(resent()).toBe(2);
    clock.advance(1);
    expect(layer.serverCount).toBe(0);
    expect(clock.pending).toBe(0);
    // After Timer J the request is new again: the TU gets it.
    expect(layer.receiveRequest(register)).toBe(false);
  });

  it('ends a Completed transaction whose final cannot be sent again (RFC 3261 17.2.4)', async () => {
    const clock = new FakeClock();
    const layer = new TransactionLayer({ clock });
    const register = request('REGISTER', 'z9hG4bKreg2');
    const { channel } = resendingChannel(clock);
    layer.startServer(register, channel)!.respond(createResponse(register, 200));
    channel.fail = true;
    expect(layer.receiveRequest(register)).toBe(true);
    await settle();
    expect(layer.serverCount).toBe(0);
    expect(layer.receiveRequest(register)).toBe(false);
  });

  it('expires transactions in the order they completed, each no earlier than its own Timer J', () => {
    const clock = new FakeClock();
    const layer = new TransactionLayer({ clock });
    const first = request('REGISTER', 'z9hG4bKfirst');
    const second = request('REGISTER', 'z9hG4bKsecond');
    layer.startServer(first, resendingChannel(clock).channel)!.respond(createResponse(first, 200));
    clock.advance(10_000);
    layer.startServer(second, resendingChannel(clock).channel)!.respond(createResponse(second, 200));
    clock.advance(22_000);
    expect(layer.receiveRequest(first)).toBe(false);
    expect(layer.receiveRequest(second)).toBe(true);
    clock.advance(10_000);
    expect(layer.receiveRequest(second)).toBe(false);
    expect(layer.serverCount).toBe(0);
  });

  it('over a reliable transport keeps nothing (Timer J = 0)', () => {
    const clock = new FakeClock();
    const layer = new TransactionLayer({ clock });
    const register = request('REGISTER', 'z9hG4bKtcp');
    const channel = recordingChannel(clock, true);
    channel.resend = () => Promise.resolve(true);
    layer.startServer(register, channel)!.respond(createResponse(register, 200));
    clock.advance(0);
    expect(layer.serverCount).toBe(0);
    expect(layer.receiveRequest(register)).toBe(false);
  });
});
