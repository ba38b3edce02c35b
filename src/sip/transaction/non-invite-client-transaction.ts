/**
 * Non-INVITE client transaction (RFC 3261 17.1.2, Figure 6).
 *
 *                          |Request from TU; send request; start E (UDP), F
 *                          v
 *   Timer E: send  +-----------+  Timer F / transport error: inform TU
 *        +---------|  Trying   |-------------+
 *        +-------->|           |             |
 *                  +-----------+             |
 *     200-699 to TU  |       | 1xx to TU     |
 *                    |       v               |
 *                    |  +-----------+        |
 *   Timer E: send    |  |Proceeding |--------+
 *                    |  +-----------+        |
 *                    v       | 200-699 to TU |
 *                  +-----------+             |
 *                  | Completed |  Timer K    |
 *                  +-----------+-----------> Terminated
 */

import type { SipRequest, SipResponse } from '../message/index.ts';
import type { TransactionChannel } from './channel.ts';
import type { Clock, TimerHandle } from './clock.ts';
import { checkTransition, type TransitionTable } from './state-table.ts';
import { timerT4, transactionTimeout, type TimerConfig } from './timers.ts';
import { releasedRequest } from './released-request.ts';
import { NO_CLIENT_USER, type ClientTransactionUser, type TerminationListener } from './user.ts';

export enum NonInviteClientState {
  Trying = 'Trying',
  Proceeding = 'Proceeding',
  Completed = 'Completed',
  Terminated = 'Terminated',
}

const S = NonInviteClientState;
const MOVES: TransitionTable<NonInviteClientState> = {
  [S.Trying]: [S.Proceeding, S.Completed, S.Terminated],
  [S.Proceeding]: [S.Completed, S.Terminated],
  [S.Completed]: [S.Terminated],
  [S.Terminated]: [],
};

export type NonInviteClientEvent =
  | { readonly kind: 'response'; readonly response: SipResponse }
  | { readonly kind: 'timerE' }
  | { readonly kind: 'timerF' }
  | { readonly kind: 'timerK' }
  | { readonly kind: 'transportError' };

export class NonInviteClientTransaction {
  private current = S.Trying;
  private timerE: TimerHandle | undefined;
  private timerF: TimerHandle | undefined;
  private timerK: TimerHandle | undefined;
  private intervalE: number;
  private held: SipRequest;
  private user: ClientTransactionUser;

  constructor(
    readonly id: string,
    request: SipRequest,
    private readonly channel: TransactionChannel,
    private readonly clock: Clock,
    private readonly timers: TimerConfig,
    user: ClientTransactionUser,
    private readonly onTerminated: TerminationListener,
  ) {
    this.intervalE = timers.T1;
    this.held = request;
    this.user = user;
  }

  /**
   * The request as sent. Once the final response has been passed up, only
   * its method is kept, and the TU is let go: Completed (Timer K) only
   * absorbs retransmitted responses (17.1.2.2), and whatever the TU holds
   * (the response it was handed, a whole call) need not live as long.
   */
  get request(): SipRequest {
    return this.held;
  }

  get state(): NonInviteClientState {
    return this.current;
  }

  /** RFC 3261 17.1.2.2: send the request, start Timer E (unreliable only) and Timer F. */
  start(): void {
    this.send(this.request);
    if (!this.channel.reliable) this.timerE = this.clock.setTimer(this.intervalE, () => this.handle({ kind: 'timerE' }));
    this.timerF = this.clock.setTimer(transactionTimeout(this.timers), () => this.handle({ kind: 'timerF' }));
  }

  receiveResponse(response: SipResponse): void {
    this.handle({ kind: 'response', response });
  }

  /** The one place state changes; every branch cites the rule it implements. */
  handle(event: NonInviteClientEvent): void {
    switch (this.current) {
      case S.Trying:
      case S.Proceeding:
        if (event.kind === 'timerE') {
          // RFC 3261 17.1.2.2: retransmit; in Trying the interval doubles up to
          // T2, in Proceeding it is T2.
          this.send(this.request);
          this.intervalE = this.current === S.Trying ? Math.min(2 * this.intervalE, this.timers.T2) : this.timers.T2;
          this.timerE = this.clock.setTimer(this.intervalE, () => this.handle({ kind: 'timerE' }));
          return;
        }
        if (event.kind === 'timerF') {
          // RFC 3261 17.1.2.2: Timer F fires: inform the TU of the timeout.
          this.timerF = undefined;
          this.moveTo(S.Terminated);
          this.user.onTimeout();
          return;
        }
        if (event.kind === 'transportError') {
          // RFC 3261 17.1.4: a transport failure terminates the transaction.
          this.moveTo(S.Terminated);
          this.user.onTransportError();
          return;
        }
        if (event.kind === 'response') {
          if (event.response.status < 200) {
            // RFC 3261 17.1.2.2: a provisional moves Trying to Proceeding.
            if (this.current === S.Trying) this.moveTo(S.Proceeding);
            this.user.onResponse(event.response);
            return;
          }
          // RFC 3261 17.1.2.2: a final response: Completed, Timer K = T4 (UDP) or 0.
          this.moveTo(S.Completed);
          this.user.onResponse(event.response);
          this.held = releasedRequest(this.held.method, this.held.version);
          this.channel.release?.();
          this.user = NO_CLIENT_USER;
          this.timerK = this.clock.setTimer(timerT4(this.timers, this.channel.reliable), () => this.handle({ kind: 'timerK' }));
          return;
        }
        return;
      case S.Completed:
        // RFC 3261 17.1.2.2: Completed absorbs retransmitted responses.
        if (event.kind === 'timerK') {
          this.timerK = undefined;
          this.moveTo(S.Terminated);
        }
        return;
      case S.Terminated:
        return;
    }
  }

  /** Stops every timer and forgets the transaction (stack shutdown). */
  terminate(): void {
    if (this.current !== S.Terminated) this.moveTo(S.Terminated);
  }

  private moveTo(next: NonInviteClientState): void {
    checkTransition('NonInviteClientTransaction', MOVES, this.current, next);
    this.current = next;
    if (next === S.Proceeding) return;
    // Leaving Trying/Proceeding ends retransmission (RFC 3261 17.1.2.2).
    this.stop('E');
    if (next === S.Terminated) {
      this.stop('F');
      this.stop('K');
      // Nothing is sent after Terminated (Timer F, a transport error, terminate()): the channel's copy may go.
      this.channel.release?.();
      this.onTerminated(this);
    } else {
      this.stop('F');
    }
  }

  private stop(which: 'E' | 'F' | 'K'): void {
    const key = `timer${which}` as const;
    const h = this[key];
    if (h) this.clock.clearTimer(h);
    this[key] = undefined;
  }

  private send(message: SipRequest): void {
    void this.channel.send(message).then((sent) => {
      if (!sent && this.current !== S.Completed) this.handle({ kind: 'transportError' });
    });
  }
}
