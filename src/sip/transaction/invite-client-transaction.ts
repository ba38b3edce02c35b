/**
 * INVITE client transaction (RFC 3261 17.1.1, Figure 5, as updated by
 * RFC 6026 7.2 with the Accepted state).
 *
 *                     |INVITE from TU; Timer A fires: reset A, send INVITE
 *                     v
 *   Timer B fires  +-----------+
 *   inform TU  +---|  Calling  |---------------+ 2xx to TU (6026)
 *              |   +-----------+               |
 *              |  1xx  |      | 300-699: ACK   |
 *              |       v      |                v
 *              |   +-----------+   2xx     +-----------+  2xx to TU
 *              |   |Proceeding |---------->| Accepted  |--+
 *              |   +-----------+           +-----------+<-+
 *              |   300-699 | send ACK            | Timer M
 *              |           v                     |
 *              |   +-----------+ 300-699: ACK    |
 *              |   | Completed |--+              |
 *              |   +-----------+<-+              |
 *              |           | Timer D             |
 *              +---------> Terminated <----------+
 */

import type { SipRequest, SipResponse } from '../message/index.ts';
import { ackForNon2xx } from './ack-for-non-2xx.ts';
import { releasedRequest } from './released-request.ts';
import type { TransactionChannel } from './channel.ts';
import type { Clock, TimerHandle } from './clock.ts';
import { checkTransition, type TransitionTable } from './state-table.ts';
import { timerD, transactionTimeout, type TimerConfig } from './timers.ts';
import { NO_CLIENT_USER, type ClientTransactionUser, type TerminationListener } from './user.ts';

export enum InviteClientState {
  Calling = 'Calling',
  Proceeding = 'Proceeding',
  Completed = 'Completed',
  Accepted = 'Accepted',
  Terminated = 'Terminated',
}

const S = InviteClientState;
const MOVES: TransitionTable<InviteClientState> = {
  [S.Calling]: [S.Proceeding, S.Completed, S.Accepted, S.Terminated],
  [S.Proceeding]: [S.Completed, S.Accepted, S.Terminated],
  [S.Completed]: [S.Terminated],
  [S.Accepted]: [S.Terminated],
  [S.Terminated]: [],
};

export type InviteClientEvent =
  | { readonly kind: 'response'; readonly response: SipResponse }
  | { readonly kind: 'timerA' }
  | { readonly kind: 'timerB' }
  | { readonly kind: 'timerD' }
  | { readonly kind: 'timerM' }
  | { readonly kind: 'transportError' };

type TimerName = 'A' | 'B' | 'D' | 'M';

/** One event object per timer, shared: a template string made per arm was a rope kept as long as the timer. */
const TIMER_EVENTS: Readonly<Record<TimerName, InviteClientEvent>> = Object.freeze({
  A: Object.freeze({ kind: 'timerA' }),
  B: Object.freeze({ kind: 'timerB' }),
  D: Object.freeze({ kind: 'timerD' }),
  M: Object.freeze({ kind: 'timerM' }),
});

export class InviteClientTransaction {
  private current = S.Calling;
  /**
   * The timers running, by name: a plain record, not a Map, which with its
   * table cost a few hundred bytes per transaction for the 64*T1 it lingers.
   */
  private readonly armed: Record<TimerName, TimerHandle | undefined> = { A: undefined, B: undefined, D: undefined, M: undefined };
  private intervalA: number;
  private ack: SipRequest | undefined;
  private held: SipRequest;

  constructor(
    readonly id: string,
    request: SipRequest,
    private readonly channel: TransactionChannel,
    private readonly clock: Clock,
    private readonly timers: TimerConfig,
    private user: ClientTransactionUser,
    private readonly onTerminated: TerminationListener,
  ) {
    this.intervalA = timers.T1;
    this.held = request;
  }

  /**
   * The INVITE as sent. After the first 2xx has been passed to the TU, only
   * its method is kept (released-request.ts): Accepted lasts 64*T1 and
   * needs nothing of it; the TU made its dialog (and ACK) from that first 2xx.
   */
  get request(): SipRequest {
    return this.held;
  }

  get state(): InviteClientState {
    return this.current;
  }

  /** RFC 3261 17.1.1.2: send the INVITE, start Timer A (unreliable only) and Timer B. */
  start(): void {
    this.send(this.request);
    if (!this.channel.reliable) this.arm('A', this.intervalA);
    this.arm('B', transactionTimeout(this.timers));
  }

  receiveResponse(response: SipResponse): void {
    this.handle({ kind: 'response', response });
  }

  handle(event: InviteClientEvent): void {
    switch (this.current) {
      case S.Calling:
      case S.Proceeding:
        if (event.kind === 'timerA' && this.current === S.Calling) {
          // RFC 3261 17.1.1.2: retransmit and double Timer A (no T2 cap for INVITE).
          this.send(this.request);
          this.intervalA *= 2;
          this.arm('A', this.intervalA);
          return;
        }
        if (event.kind === 'timerB' && this.current === S.Calling) {
          // RFC 3261 17.1.1.2: Timer B fires in Calling: inform the TU of the timeout.
          this.moveTo(S.Terminated);
          this.user.onTimeout();
          return;
        }
        if (event.kind === 'transportError') {
          // RFC 3261 17.1.4.
          this.moveTo(S.Terminated);
          this.user.onTransportError();
          return;
        }
        if (event.kind !== 'response') return;
        if (event.response.status < 200) {
          // RFC 3261 17.1.1.2: a provisional moves to Proceeding and stops retransmission.
          if (this.current === S.Calling) this.moveTo(S.Proceeding);
          this.user.onResponse(event.response);
          return;
        }
        if (event.response.status < 300) {
          // RFC 6026 7.2: a 2xx moves to Accepted (not Terminated), Timer M = 64*T1,
          // so 2xx retransmissions from other forks still reach the TU.
          this.moveTo(S.Accepted);
          this.arm('M', transactionTimeout(this.timers));
          this.user.onResponse(event.response);
          this.held = releasedRequest(this.held.method, this.held.version);
          this.channel.release?.();
          return;
        }
        // RFC 3261 17.1.1.2: 300-699: send ACK, pass up, Completed, Timer D.
        this.ack = ackForNon2xx(this.request, event.response);
        this.moveTo(S.Completed);
        this.send(this.ack);
        this.arm('D', timerD(this.timers, this.channel.reliable));
        this.user.onResponse(event.response);
        // Completed only absorbs retransmitted finals (its ACK is kept): the TU is let go.
        this.held = releasedRequest(this.held.method, this.held.version);
        this.channel.release?.();
        this.user = NO_CLIENT_USER;
        return;
      case S.Completed:
        // RFC 3261 17.1.1.2: a retransmitted final is answered with the same ACK, not passed up.
        if (event.kind === 'response' && event.response.status >= 300 && this.ack) this.send(this.ack);
        else if (event.kind === 'timerD') this.moveTo(S.Terminated);
        // RFC 6026 7.2: a transport error here just ends the wait.
        else if (event.kind === 'transportError') this.moveTo(S.Terminated);
        return;
      case S.Accepted:
        // RFC 6026 7.2: further 2xx go to the TU (it ACKs each); Timer M ends the state.
        if (event.kind === 'response' && event.response.status >= 200 && event.response.status < 300) this.user.onResponse(event.response);
        else if (event.kind === 'timerM') this.moveTo(S.Terminated);
        return;
      case S.Terminated:
        return;
    }
  }

  terminate(): void {
    if (this.current !== S.Terminated) this.moveTo(S.Terminated);
  }

  private moveTo(next: InviteClientState): void {
    checkTransition('InviteClientTransaction', MOVES, this.current, next);
    this.current = next;
    // Leaving Calling stops A and B (17.1.1.2: B only guards Calling).
    this.disarm('A');
    this.disarm('B');
    if (next === S.Terminated) {
      this.disarm('D');
      this.disarm('M');
      // Nothing is sent after Terminated (Timer B, a transport error, terminate()): the channel's copy may go.
      this.channel.release?.();
      this.onTerminated(this);
    }
  }

  private arm(name: TimerName, ms: number): void {
    const event = TIMER_EVENTS[name];
    this.armed[name] = this.clock.setTimer(ms, () => {
      this.armed[name] = undefined;
      this.handle(event);
    });
  }

  private disarm(name: TimerName): void {
    const h = this.armed[name];
    if (h) this.clock.clearTimer(h);
    this.armed[name] = undefined;
  }

  private send(message: SipRequest): void {
    void this.channel.send(message).then((sent) => {
      if (!sent) this.handle({ kind: 'transportError' });
    });
  }
}
