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
  it('sends no 100 Trying when the TU answers within 200 ms (RFC 3261 17.2.1)', () => {
    const { clock, channel, invite, tx } = setup();
    clock.advance(199);
    tx.respond(createResponse(invite, 180, undefined, { toTag: 't1' }));
    clock.advance(1000);
    expect(channel.lines()).toEqual(['180']);
  });

  it('sends 100 Trying at 200 ms when the TU is silent, and repeats the latest provisional on INVITE retransmission', () => {
    const { clock, channel, invite, tx } = setup();
    clock.advance(199);
    expect(channel.lines()).toEqual([]);
    clock.advance(1);
    expect(channel.times()).toEqual([200]);
    tx.receiveRequest(invite);
    tx.respond(createResponse(invite, 180, undefined, { toTag: 't1' }));
    tx.receiveRequest(invite);
    clock.advance(1000);
    expect(channel.lines()).toEqual(['100', '100', '180', '180']);
  });

  it('answers an INVITE retransmitted before 200 ms with the 100 at once, and only once', () => {
    const { clock, channel, invite, tx } = setup();
    clock.advance(50);
    tx.receiveRequest(invite);
    clock.advance(1000);
    expect(channel.lines()).toEqual(['100']);
    expect(channel.times()).toEqual([50]);
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
    expect(channel.lines()).toEqual(['486', '486']);
    expect(seen).toEqual(['terminated']);
  });

  it('a retransmitted INVITE in Completed gets the final again', () => {
    const { channel, invite, tx } = setup(true);
    tx.respond(createResponse(invite, 404));
    tx.receiveRequest(invite);
    expect(channel.lines()).toEqual(['404', '404']);
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
    expect(channel.lines()).toEqual(['200', '200']);
    expect(seen).toEqual(['ack']);
    clock.advance(32_000);
    expect(tx.state).toBe(InviteServerState.Terminated);
  });

  it('lets go of the INVITE once answered, and resends a non-2xx through the channel that kept its bytes', () => {
    const { clock, channel, invite, tx } = setup();
    let resent = 0;
    Object.assign(channel, { resend: () => (resent++, Promise.resolve(true)) });
    tx.respond(createResponse(invite, 486));
    expect(tx.request.method).toBe('INVITE');
    expect(tx.request.headers).toHaveLength(0);
    tx.receiveRequest(invite);
    clock.advance(500);
    expect(channel.lines()).toEqual(['486']);
    expect(resent).toBe(2);
  });

  it('over TCP never retransmits the final, and the ACK ends it at once (Timer I = 0)', () => {
    const { clock, channel, invite, tx } = setup(true);
    tx.respond(createResponse(invite, 486));
    clock.advance(10_000);
    tx.receiveRequest(ack());
    clock.advance(0);
    expect(channel.lines()).toEqual(['486']);
    expect(tx.state).toBe(InviteServerState.Terminated);
  });
});
