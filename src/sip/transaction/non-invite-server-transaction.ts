/**
 * Non-INVITE server transaction (RFC 3261 17.2.2, Figure 8).
 *
 *                      |Request received; pass to TU
 *                      v
 *                +-----------+  1xx from TU: send
 *                |  Trying   |-------------+
 *                +-----------+             v
 *    200-699 from TU |           +-----------+  Request: resend 1xx
 *    send            |           |Proceeding |--+  1xx from TU: send
 *                    |           +-----------+<-+
 *                    v   200-699 from TU | send
 *                +-----------+<----------+
 *  Request: send |           |
 *  final again   | Completed |  Timer J (64*T1 UDP, 0 reliable)
 *                +-----------+------------> Terminated
 */

import type { SipRequest, SipResponse } from '../message/index.ts';
import type { TransactionChannel } from './channel.ts';
import type { Clock, TimerHandle } from './clock.ts';
import type { CompletedTransactions } from './completed-transactions.ts';
import { releasedRequest } from './released-request.ts';
import { checkTransition, type TransitionTable } from './state-table.ts';
import { timerJ, type TimerConfig } from './timers.ts';
import type { ServerTransactionUser, TerminationListener } from './user.ts';

export enum NonInviteServerState {
  Trying = 'Trying',
  Proceeding = 'Proceeding',
  Completed = 'Completed',
  Terminated = 'Terminated',
}

const S = NonInviteServerState;
const MOVES: TransitionTable<NonInviteServerState> = {
  [S.Trying]: [S.Proceeding, S.Completed, S.Terminated],
  [S.Proceeding]: [S.Completed, S.Terminated],
  [S.Completed]: [S.Terminated],
  [S.Terminated]: [],
};

export type NonInviteServerEvent =
  | { readonly kind: 'request'; readonly request: SipRequest }
  | { readonly kind: 'respond'; readonly response: SipResponse }
  | { readonly kind: 'timerJ' }
  | { readonly kind: 'transportError' };

/** No hooks: shared by every transaction whose TU sets none, rather than an empty object each. */
const NO_USER: ServerTransactionUser = Object.freeze({});

export class NonInviteServerTransaction {
  private current = S.Trying;
  private held: SipRequest;
  private lastResponse: SipResponse | undefined;
  private timer: TimerHandle | undefined;
  /** Optional TU hooks (RFC 3261 17.2.4 transport errors). */
  user: ServerTransactionUser = NO_USER;

  constructor(
    readonly id: string,
    request: SipRequest,
    private readonly channel: TransactionChannel,
    private readonly clock: Clock,
    private readonly timers: TimerConfig,
    private readonly onTerminated: TerminationListener,
    /** The layer's table of Completed transactions, which can hold this one's Completed state (see completed-transactions.ts). */
    private readonly completed?: CompletedTransactions,
  ) {
    this.held = request;
  }

  /**
   * The request. Once the final response is sent over a channel that can
   * resend it, only its method is kept (no Request-URI, header fields or body):
   * RFC 3261 17.2.2 needs nothing else for the 32 s of Timer J, and at
   * thousands of REGISTERs a second those parsed messages were what the
   * garbage collector spent its time copying.
   */
  get request(): SipRequest {
    return this.held;
  }

  get state(): NonInviteServerState {
    return this.current;
  }

  /** True once a final response was sent: the TU may not answer again. */
  get answered(): boolean {
    return this.current === S.Completed || this.current === S.Terminated;
  }

  /** The TU's response. Returns false when the state forbids it (already answered). */
  respond(response: SipResponse): boolean {
    if (this.answered) return false;
    this.handle({ kind: 'respond', response });
    return true;
  }

  /**
   * Answers as a stateless UAS (RFC 3261 8.2.7) and ends the transaction at
   * once: no Completed state, no Timer J, nothing kept for 32 s. A
   * retransmitted request then reaches the TU again and is answered anew.
   * 8.2.7 allows this only where "the same response" would always be given
   * to the same request: an OPTIONS 200, and the challenge to a request
   * without credentials, the use 8.2.7 names. The response's To tag must be
   * derived from the request (statelessToTag), not random. False when
   * already answered, or for a provisional.
   */
  respondStateless(response: SipResponse): boolean {
    if (this.answered || response.status < 200) return false;
    this.moveTo(S.Terminated);
    void this.channel.send(response);
    return true;
  }

  /** A retransmission of the request matched this transaction (17.2.3). */
  receiveRequest(request: SipRequest): void {
    this.handle({ kind: 'request', request });
  }

  handle(event: NonInviteServerEvent): void {
    switch (this.current) {
      case S.Trying:
      case S.Proceeding:
        if (event.kind === 'request') {
          // RFC 3261 17.2.2: in Trying a retransmission is discarded; in
          // Proceeding the last provisional is sent again.
          if (this.current === S.Proceeding && this.lastResponse) this.send(this.lastResponse);
          return;
        }
        if (event.kind === 'transportError') {
          this.moveTo(S.Terminated);
          this.user.onTransportError?.();
          return;
        }
        if (event.kind !== 'respond') return;
        this.lastResponse = event.response;
        if (event.response.status < 200) {
          // RFC 3261 17.2.2: a provisional from the TU: send it, Proceeding.
          if (this.current === S.Trying) this.moveTo(S.Proceeding);
          this.send(event.response);
          return;
        }
        // RFC 3261 17.2.2: a final from the TU: send, Completed, Timer J.
        this.moveTo(S.Completed);
        this.send(event.response);
        if (this.channel.resend) {
          this.lastResponse = undefined;
          this.held = releasedRequest(this.held.method, this.held.version);
          const wait = timerJ(this.timers, this.channel.reliable);
          if (this.completed && wait > 0) {
            // The layer answers retransmissions and runs Timer J from here
            // on; this object, which the TU may still hold, is done.
            this.completed.add(this.id, this.channel, wait);
            this.moveTo(S.Terminated);
            return;
          }
        }
        this.timer = this.clock.setTimer(timerJ(this.timers, this.channel.reliable), () => this.handle({ kind: 'timerJ' }));
        return;
      case S.Completed:
        // RFC 3261 17.2.2: a retransmitted request gets the final again.
        if (event.kind === 'request') this.sendFinalAgain();
        else if (event.kind === 'timerJ' || event.kind === 'transportError') {
          // RFC 3261 17.2.2: Timer J, or a transport error while Completed, terminates.
          this.timer = undefined;
          this.moveTo(S.Terminated);
        }
        return;
      case S.Terminated:
        return;
    }
  }

  terminate(): void {
    if (this.current !== S.Terminated) this.moveTo(S.Terminated);
  }

  private moveTo(next: NonInviteServerState): void {
    checkTransition('NonInviteServerTransaction', MOVES, this.current, next);
    this.current = next;
    if (next === S.Terminated) {
      if (this.timer) this.clock.clearTimer(this.timer);
      this.timer = undefined;
      this.onTerminated(this);
    }
  }

  private sendFinalAgain(): void {
    if (this.lastResponse) return this.send(this.lastResponse);
    void this.channel.resend?.().then((sent) => {
      if (!sent) this.handle({ kind: 'transportError' });
    });
  }

  private send(response: SipResponse): void {
    void this.channel.send(response).then((sent) => {
      if (!sent) this.handle({ kind: 'transportError' });
    });
  }
}
