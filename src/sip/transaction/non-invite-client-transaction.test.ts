import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.ts';
import { NonInviteClientState, NonInviteClientTransaction } from './non-invite-client-transaction.ts';
import { recordingChannel, request, response, settle } from './test-support.ts';
import { DEFAULT_TIMERS } from './timers.ts';
import type { SipResponse } from '../message/index.ts';

function setup(reliable = false) {
  const clock = new FakeClock();
  const channel = recordingChannel(clock, reliable);
  const seen: string[] = [];
  let terminated = 0;
  const tx = new NonInviteClientTransaction('k', request('OPTIONS'), channel, clock, DEFAULT_TIMERS, {
    onResponse: (r: SipResponse) => seen.push(`${r.status}`),
    onTimeout: () => seen.push('timeout'),
    onTransportError: () => seen.push('transport-error'),
  }, () => terminated++);
  tx.start();
  return { clock, channel, seen, tx, terminated: () => terminated };
}

describe('non-INVITE client transaction (RFC 3261 17.1.2)', () => {
  it('over UDP retransmits on Timer E doubling to T2, then Timer F times out at 64*T1', () => {
    const { clock, channel, seen, tx, terminated } = setup();
    clock.advance(40_000);
    expect(channel.times()).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(seen).toEqual(['timeout']);
    expect(tx.state).toBe(NonInviteClientState.Terminated);
    expect(terminated()).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it('in Proceeding retransmits every T2', () => {
    const { clock, channel, seen, tx } = setup();
    tx.receiveResponse(response(100, 'OPTIONS'));
    expect(tx.state).toBe(NonInviteClientState.Proceeding);
    clock.advance(9000);
    expect(channel.times()).toEqual([0, 500, 4500, 8500]);
    expect(seen).toEqual(['100']);
  });

  it('a final moves to Completed, absorbs retransmitted finals, and Timer K (T4) terminates', () => {
    const { clock, channel, seen, tx, terminated } = setup();
    clock.advance(600);
    tx.receiveResponse(response(200, 'OPTIONS'));
    tx.receiveResponse(response(200, 'OPTIONS'));
    expect(seen).toEqual(['200']);
    expect(tx.state).toBe(NonInviteClientState.Completed);
    clock.advance(4999);
    expect(tx.state).toBe(NonInviteClientState.Completed);
    clock.advance(1);
    expect(tx.state).toBe(NonInviteClientState.Terminated);
    expect(terminated()).toBe(1);
    expect(channel.times()).toEqual([0, 500]);
  });

  it('over TCP never retransmits and terminates at once after the final (Timer K = 0)', () => {
    const { clock, channel, seen, tx } = setup(true);
    clock.advance(10_000);
    expect(channel.times()).toEqual([0]);
    tx.receiveResponse(response(404, 'OPTIONS'));
    clock.advance(0);
    expect(tx.state).toBe(NonInviteClientState.Terminated);
    expect(seen).toEqual(['404']);
  });

  it('over TCP still times out on Timer F', () => {
    const { clock, seen } = setup(true);
    clock.advance(31_999);
    expect(seen).toEqual([]);
    clock.advance(1);
    expect(seen).toEqual(['timeout']);
  });

  it('a transport error terminates and tells the TU', async () => {
    const clock = new FakeClock();
    const channel = recordingChannel(clock, false);
    channel.fail = true;
    const seen: string[] = [];
    const tx = new NonInviteClientTransaction('k', request('OPTIONS'), channel, clock, DEFAULT_TIMERS, {
      onResponse: () => seen.push('response'),
      onTimeout: () => seen.push('timeout'),
      onTransportError: () => seen.push('transport-error'),
    }, () => undefined);
    tx.start();
    await settle();
    expect(seen).toEqual(['transport-error']);
    expect(tx.state).toBe(NonInviteClientState.Terminated);
    expect(clock.pending).toBe(0);
  });
});
