import { describe, expect, it } from 'vitest';
import { createResponse } from '../message/index.ts';
import { FakeClock } from './clock.ts';
import { NonInviteServerState, NonInviteServerTransaction } from './non-invite-server-transaction.ts';
import { recordingChannel, request, settle } from './test-support.ts';
import { DEFAULT_TIMERS } from './timers.ts';

function setup(reliable = false) {
  const clock = new FakeClock();
  const channel = recordingChannel(clock, reliable);
  const req = request('REGISTER');
  let terminated = 0;
  const tx = new NonInviteServerTransaction('k', req, channel, clock, DEFAULT_TIMERS, () => terminated++);
  return { clock, channel, req, tx, terminated: () => terminated };
}

describe('non-INVITE server transaction (RFC 3261 17.2.2)', () => {
  it('absorbs retransmissions in Trying, repeats the provisional in Proceeding and the final in Completed', () => {
    const { clock, channel, req, tx, terminated } = setup();
    tx.receiveRequest(req);
    expect(channel.lines()).toEqual([]);
    tx.respond(createResponse(req, 100));
    expect(tx.state).toBe(NonInviteServerState.Proceeding);
    tx.receiveRequest(req);
    expect(channel.lines()).toEqual(['100', '100']);
    expect(tx.respond(createResponse(req, 200))).toBe(true);
    expect(tx.state).toBe(NonInviteServerState.Completed);
    tx.receiveRequest(req);
    expect(channel.lines()).toEqual(['100', '100', '200', '200']);
    expect(tx.respond(createResponse(req, 500))).toBe(false);
    clock.advance(31_999);
    expect(tx.state).toBe(NonInviteServerState.Completed);
    clock.advance(1);
    expect(tx.state).toBe(NonInviteServerState.Terminated);
    expect(terminated()).toBe(1);
  });

  it('over TCP leaves Completed at once (Timer J = 0)', () => {
    const { clock, req, tx } = setup(true);
    tx.respond(createResponse(req, 401));
    clock.advance(0);
    expect(tx.state).toBe(NonInviteServerState.Terminated);
  });

  it('a transport error on the final terminates without waiting for Timer J', async () => {
    const { channel, req, tx } = setup();
    channel.fail = true;
    tx.respond(createResponse(req, 200));
    await settle();
    expect(tx.state).toBe(NonInviteServerState.Terminated);
  });

  it('with a channel that can resend, answers a retransmission in Completed with the same response and keeps only the method', () => {
    const { clock, channel, req, tx } = setup();
    let resent = 0;
    channel.resend = () => {
      resent++;
      channel.sent.push({ at: clock.now(), message: channel.sent[channel.sent.length - 1]!.message });
      return Promise.resolve(true);
    };
    tx.respond(createResponse(req, 200));
    tx.receiveRequest(req);
    tx.receiveRequest(req);
    expect(channel.lines()).toEqual(['200', '200', '200']);
    expect(resent).toBe(2);
    expect(tx.request.method).toBe('REGISTER');
    expect(tx.request.headers).toEqual([]);
  });
});
