import { describe, expect, it } from 'vitest';
import { createResponse } from '../message/index.ts';
import { FakeClock } from './clock.ts';
import { InviteServerState, InviteServerTransaction } from './invite-server-transaction.ts';
import { recordingChannel, request } from './test-support.ts';
import { DEFAULT_TIMERS } from './timers.ts';

function setup(reliable = false) {
  const clock = new FakeClock();
  const channel = recordingChannel(clock, reliable);
  const invite = request('INVITE');
  const seen: string[] = [];
  const tx = new InviteServerTransaction('k', invite, channel, clock, DEFAULT_TIMERS, () => seen.push('terminated'));
  tx.user = { onTimeout: () => seen.push('timeout'), onAck: () => seen.push('ack') };
  tx.start();
  return { clock, channel, invite, tx, seen };
}

const ack = (): ReturnType<typeof request> => request('ACK');

describe('INVITE server transaction (RFC 3261 17.2.1, RFC 6026)', () => {
  it('sends 100 Trying at once and repeats the latest provisional on INVITE retransmission', () => {
    const { channel, invite, tx } = setup();
    expect(channel.lines()).toEqual(['100']);
    tx.receiveRequest(invite);
    tx.respond(createResponse(invite, 180, undefined, { toTag: 't1' }));
    tx.receiveRequest(invite);
    expect(channel.lines()).toEqual(['100', '100', '180', '180']);
  });

  it('retransmits a non-2xx on Timer G up to T2 and gives up on Timer H', () => {
    const { clock, channel, invite, tx, seen } = setup();
    tx.respond(createResponse(invite, 486));
    clock.advance(40_000);
    const finals = channel.sent.filter((s) => s.message.kind === 'response' && s.message.status === 486).map((s) => s.at);
    expect(finals).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(seen).toEqual(['terminated', 'timeout']);
    expect(tx.state).toBe(InviteServerState.Terminated);
  });

  it('an ACK confirms, stops Timer G, absorbs further ACKs, and Timer I (T4) ends it', () => {
    const { clock, channel, invite, tx, seen } = setup();
    tx.respond(createResponse(invite, 486));
    clock.advance(700);
    tx.receiveRequest(ack());
    expect(tx.state).toBe(InviteServerState.Confirmed);
    tx.receiveRequest(ack());
    clock.advance(4999);
    expect(tx.state).toBe(InviteServerState.Confirmed);
    clock.advance(1);
    expect(tx.state).toBe(InviteServerState.Terminated);
    expect(channel.lines()).toEqual(['100', '486', '486']);
    expect(seen).toEqual(['terminated']);
  });

  it('a retransmitted INVITE in Completed gets the final again', () => {
    const { channel, invite, tx } = setup(true);
    tx.respond(createResponse(invite, 404));
    tx.receiveRequest(invite);
    expect(channel.lines()).toEqual(['100', '404', '404']);
  });

  it('a 2xx moves to Accepted: INVITE retransmissions absorbed, TU 2xx retransmissions sent, ACK to the TU, Timer L ends it', () => {
    const { clock, channel, invite, tx, seen } = setup();
    const ok = createResponse(invite, 200, undefined, { toTag: 't1' });
    tx.respond(ok);
    expect(tx.state).toBe(InviteServerState.Accepted);
    tx.receiveRequest(invite);
    expect(tx.respond(ok)).toBe(true);
    expect(tx.respond(createResponse(invite, 486))).toBe(false);
    tx.receiveRequest(ack());
    expect(channel.lines()).toEqual(['100', '200', '200']);
    expect(seen).toEqual(['ack']);
    clock.advance(32_000);
    expect(tx.state).toBe(InviteServerState.Terminated);
  });

  it('over TCP never retransmits the final, and the ACK ends it at once (Timer I = 0)', () => {
    const { clock, channel, invite, tx } = setup(true);
    tx.respond(createResponse(invite, 486));
    clock.advance(10_000);
    tx.receiveRequest(ack());
    clock.advance(0);
    expect(channel.lines()).toEqual(['100', '486']);
    expect(tx.state).toBe(InviteServerState.Terminated);
  });
});
