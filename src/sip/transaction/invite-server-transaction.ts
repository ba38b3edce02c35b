/**
 * INVITE server transaction (RFC 3261 17.2.1, Figure 7, as updated by
 * RFC 6026 7.1 with the Accepted state).
 *
 *                       |INVITE; pass to TU; 100 Trying unless the TU
 *                       |answers within 200 ms
 *                       v
 *   INVITE: resend  +-----------+  1xx from TU: send
 *   last 1xx     +--| Proceeding|--+
 *                +->|           |<-+
 *                   +-----------+
 *   300-699 from TU  |         | 2xx from TU: send (RFC 6026)
 *   send, G, H       v         v
 *               +-----------+ +-----------+  2xx from TU: send
 *   INVITE,  +--| Completed | | Accepted  |--+ INVITE: absorb
 *   Timer G: +->|           | |           |<-+ ACK: to TU
 *   resend      +-----------+ +-----------+
 *          ACK |   | Timer H       | Timer L
 *              v   +-----------+   |
 *        +-----------+         v   v
 *        | Confirmed |------> Terminated
 *        +-----------+ Timer I
 */

import { createResponse, type SipRequest, type SipResponse } from '../message/index.ts';
import type { TransactionChannel } from './channel.ts';
import type { Clock, TimerHandle } from './clock.ts';
import { releasedRequest } from './released-request.ts';
import { checkTransition, type TransitionTable } from './state-table.ts';
import { timerT4, transactionTimeout, TRYING_DELAY_MS, type TimerConfig } from './timers.ts';
import type { ServerTransactionUser, TerminationListener } from './user.ts';

export enum InviteServerState {
  Proceeding = 'Proceeding',
  Completed = 'Completed',
  Confirmed = 'Confirmed',
  Accepted = 'Accepted',
  Terminated = 'Terminated',
}

const S = InviteServerState;
const MOVES: TransitionTable<InviteServerState> = {
  [S.Proceeding]: [S.Completed, S.Accepted, S.Terminated],
  [S.Completed]: [S.Confirmed, S.Terminated],
  [S.Confirmed]: [S.Terminated],
  [S.Accepted]: [S.Terminated],
  [S.Terminated]: [],
};

export type InviteServerEvent =
  | { readonly kind: 'request'; readonly request: SipRequest }
  | { readonly kind: 'respond'; readonly response: SipResponse }
  | { readonly kind: 'timer100' }
  | { readonly kind: 'timerG' }
  | { readonly kind: 'timerH' }
  | { readonly kind: 'timerI' }
  | { readonly kind: 'timerL' }
  | { readonly kind: 'transportError' };

/** `Trying`: the 200 ms wait before a 100 (start()). Names, not '100': an index-like key would give the record an elements store. */
type TimerName = 'Trying' | 'G' | 'H' | 'I' | 'L';

/** One event object per timer, shared: a template string made per arm was a rope kept as long as the timer. */
const TIMER_EVENTS: Readonly<Record<TimerName, InviteServerEvent>> = Object.freeze({
  Trying: Object.freeze({ kind: 'timer100' }),
  G: Object.freeze({ kind: 'timerG' }),
  H: Object.freeze({ kind: 'timerH' }),
  I: Object.freeze({ kind: 'timerI' }),
  L: Object.freeze({ kind: 'timerL' }),
});

export class InviteServerTransaction {
  private current = S.Proceeding;
  private held: SipRequest;
  /** The last response, while the transaction may have to send it again and the channel cannot. */
  private lastResponse: SipResponse | undefined;
  /**
   * The timers running, by name: a plain record, not a Map, which with its
   * table cost a few hundred bytes per transaction for the 64*T1 it lingers.
   */
  private readonly armed: Record<TimerName, TimerHandle | undefined> = { Trying: undefined, G: undefined, H: undefined, I: undefined, L: undefined };
  private intervalG: number;
  user: ServerTransactionUser = {};

  constructor(
    readonly id: string,
    request: SipRequest,
    private readonly channel: TransactionChannel,
    private readonly clock: Clock,
    private readonly timers: TimerConfig,
    private readonly onTerminated: TerminationListener,
  ) {
    this.intervalG = timers.T1;
    this.held = request;
  }

  /**
   * The INVITE. Once a final response is sent, only its method is kept
   * (released-request.ts): nothing in 17.2.1 or RFC 6026 7.1 reads it again,
   * and Accepted lasts 64*T1.
   */
  get request(): SipRequest {
    return this.held;
  }

  get state(): InviteServerState {
    return this.current;
  }

  /**
   * RFC 3261 17.2.1: the transaction "MUST generate a 100 (Trying) response
   * unless it knows that the TU will generate a provisional or final
   * response within 200 ms". It cannot know, so it waits 200 ms and sends
   * the 100 only if the TU has said nothing by then. Most INVITEs are
   * answered sooner (the 407 challenge at once, a phone's 180 on a LAN), and
   * each 100 not sent is a datagram not serialized and sent. The client's
   * first retransmission (Timer A, T1 = 500 ms) comes after the 100 would
   * have; an earlier one gets the 100 at once.
   */
  start(): void {
    this.arm('Trying', TRYING_DELAY_MS);
  }

  /** True once a non-2xx final was sent; in Accepted the TU may still send 2xx retransmissions. */
  get answered(): boolean {
    return this.current !== S.Proceeding && this.current !== S.Accepted;
  }

  respond(response: SipResponse): boolean {
    if (this.current === S.Accepted ? response.status < 200 || response.status >= 300 : this.answered) return false;
    this.handle({ kind: 'respond', response });
    return true;
  }

  /** An INVITE retransmission or an ACK matched this transaction (17.2.3). */
  receiveRequest(request: SipRequest): void {
    this.handle({ kind: 'request', request });
  }

  handle(event: InviteServerEvent): void {
    switch (this.current) {
      case S.Proceeding:
        if (event.kind === 'request') {
          // RFC 3261 17.2.1: a retransmitted INVITE gets the latest provisional
          // again; before any, the 100 now (the client is already retransmitting).
          if (event.request.method !== 'INVITE') return;
          if (this.lastResponse) this.send(this.lastResponse);
          else this.sendTrying();
          return;
        }
        if (event.kind === 'timer100') {
          if (!this.lastResponse) this.sendTrying();
          return;
        }
        if (event.kind === 'transportError') {
          this.moveTo(S.Terminated);
          this.user.onTransportError?.();
          return;
        }
        if (event.kind !== 'respond') return;
        this.disarm('Trying');
        if (event.response.status < 200) {
          this.lastResponse = event.response;
          this.send(event.response);
          return;
        }
        this.held = releasedRequest(this.held.method, this.held.version);
        if (event.response.status < 300) {
          // RFC 6026 7.1: a 2xx moves to Accepted and starts Timer L = 64*T1;
          // the TU (not the transaction) retransmits the 2xx until its ACK.
          this.lastResponse = undefined;
          this.moveTo(S.Accepted);
          this.send(event.response);
          // Accepted never resends (the TU retransmits its 2xx): the channel need not keep these bytes for 64*T1.
          this.channel.release?.();
          this.arm('L', transactionTimeout(this.timers));
          return;
        }
        // RFC 3261 17.2.1: 300-699: Completed, Timer G (unreliable) and Timer H.
        // A channel that can resend its last bytes does the retransmissions.
        this.lastResponse = this.channel.resend ? undefined : event.response;
        this.moveTo(S.Completed);
        this.send(event.response);
        if (!this.channel.reliable) this.arm('G', this.intervalG);
        this.arm('H', transactionTimeout(this.timers));
        return;
      case S.Completed:
        if (event.kind === 'request') {
          if (event.request.method === 'INVITE') {
            // RFC 3261 17.2.1: retransmitted INVITE: send the final again.
            this.sendFinalAgain();
          } else if (event.request.method === 'ACK') {
            // RFC 3261 17.2.1: ACK: Confirmed, Timer I = T4 (UDP) or 0; G stops.
            this.lastResponse = undefined;
            this.moveTo(S.Confirmed);
            this.arm('I', timerT4(this.timers, this.channel.reliable));
          }
          return;
        }
        if (event.kind === 'timerG') {
          // RFC 3261 17.2.1: resend the final; G doubles up to T2.
          this.sendFinalAgain();
          this.intervalG = Math.min(2 * this.intervalG, this.timers.T2);
          this.arm('G', this.intervalG);
          return;
        }
        if (event.kind === 'timerH' || event.kind === 'transportError') {
          // RFC 3261 17.2.1: Timer H: the ACK never came; tell the TU.
          this.moveTo(S.Terminated);
          if (event.kind === 'timerH') this.user.onTimeout?.();
          else this.user.onTransportError?.();
        }
        return;
      case S.Confirmed:
        // RFC 3261 17.2.1: Confirmed absorbs further ACKs until Timer I fires.
        if (event.kind === 'timerI') this.moveTo(S.Terminated);
        return;
      case S.Accepted:
        if (event.kind === 'request') {
          // RFC 6026 7.1: INVITE retransmissions are absorbed; an ACK goes to the TU.
          if (event.request.method === 'ACK') this.user.onAck?.(event.request);
          return;
        }
        if (event.kind === 'respond') {
          // RFC 6026 7.1: 2xx retransmissions from the TU are sent.
          this.send(event.response);
          return;
        }
        if (event.kind === 'timerL') this.moveTo(S.Terminated);
        // RFC 6026 7.1: a transport error in Accepted does not end the state; the TU is told.
        else if (event.kind === 'transportError') this.user.onTransportError?.();
        return;
      case S.Terminated:
        return;
    }
  }

  terminate(): void {
    if (this.current !== S.Terminated) this.moveTo(S.Terminated);
  }

  private moveTo(next: InviteServerState): void {
    checkTransition('InviteServerTransaction', MOVES, this.current, next);
    this.current = next;
    if (next === S.Confirmed) {
      this.disarm('G');
      this.disarm('H');
    }
    if (next === S.Terminated) {
      for (const n of ['Trying', 'G', 'H', 'I', 'L'] as const) this.disarm(n);
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

  private sendTrying(): void {
    this.disarm('Trying');
    this.lastResponse = createResponse(this.held, 100);
    this.send(this.lastResponse);
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
