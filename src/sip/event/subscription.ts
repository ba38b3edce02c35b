/**
 * One subscription, from the notifier's side (RFC 6665 4.2): the dialog its
 * SUBSCRIBE set up, when it expires, and the NOTIFY requests it owes the
 * subscriber.
 *
 *   active --(expiry timer | unsubscribe | terminate())--> terminated   (final NOTIFY sent)
 *   active --(NOTIFY answered non-2xx, timed out, unsendable)--> terminated   (no NOTIFY)
 *
 * Sotto authorises before it accepts, so a subscription is never "pending"
 * (RFC 6665 4.1.3): it is born active. At most one NOTIFY is in flight per
 * subscription; state changes meanwhile collapse into one NOTIFY of the
 * latest state once it is answered, so a subscriber never sees an older
 * state after a newer one.
 */

import type { Dialog } from '../dialog/index.ts';
import { headerField, type SipRequest, type SipResponse } from '../message/index.ts';
import type { Clock, ClientTransactionUser, TimerHandle } from '../transaction/index.ts';
import { checkTransition, type TransitionTable } from '../transaction/state-table.ts';
import type { Destination } from '../transport/index.ts';
import { formatEventHeader, formatSubscriptionState, type EventHeader, type TerminationReason } from './event-header.ts';

export type SubscriptionState = 'active' | 'terminated';

const TRANSITIONS: TransitionTable<SubscriptionState> = {
  active: ['terminated'],
  terminated: [],
};

/** The body of one NOTIFY: the resource's state at the time it is sent. */
export interface NotifyContent {
  readonly contentType: string;
  readonly body: Buffer;
}

/** Why a subscription ended, for the notifier's bookkeeping and logs. */
export type SubscriptionEnd =
  | { readonly kind: 'terminated'; readonly reason: TerminationReason }
  /** RFC 6665 4.2.2: the NOTIFY failed (status 408 for a timeout, 503 for a transport failure). */
  | { readonly kind: 'notify-failed'; readonly status: number };

export interface SubscriptionDeps {
  readonly clock: Clock;
  /** Sends a request in a client non-INVITE transaction (which retransmits it, RFC 3261 17.1.2). */
  send(request: SipRequest, destination: Destination, user: ClientTransactionUser): void;
  /** The resource's current state, read when a NOTIFY is about to go out. */
  content(resource: string): Promise<NotifyContent>;
  /** Called once, when the subscription reaches terminated. */
  ended(subscription: NotifierSubscription, end: SubscriptionEnd): void;
}

export class NotifierSubscription {
  private stateValue: SubscriptionState = 'active';
  private expiresAt: number;
  private timer: TimerHandle | undefined;
  private inFlight = false;
  /** What is owed once the NOTIFY in flight is answered. */
  private owed: 'nothing' | 'state' | { final: TerminationReason } = 'nothing';
  private finalSent = false;

  constructor(
    readonly dialog: Dialog,
    readonly event: EventHeader,
    /** What the subscription watches, in the notifier user's terms (e.g. a mailbox id). */
    readonly resource: string,
    /** Our Contact, sent in every NOTIFY (RFC 6665 4.1.2.1: NOTIFY is a target refresh request). */
    private readonly contact: string,
    expiresSeconds: number,
    private readonly deps: SubscriptionDeps,
  ) {
    this.expiresAt = deps.clock.now() + expiresSeconds * 1000;
    this.arm(expiresSeconds);
  }

  get state(): SubscriptionState {
    return this.stateValue;
  }

  get key(): string {
    return this.dialog.key;
  }

  /** When the subscription's duration ends, clock milliseconds (what a stored copy keeps). */
  get expiresAtMs(): number {
    return this.expiresAt;
  }

  /** Seconds left, rounded up so the NOTIFY right after a 200 repeats its Expires (what Subscription-State's expires says). */
  get remainingSeconds(): number {
    return Math.max(0, Math.ceil((this.expiresAt - this.deps.clock.now()) / 1000));
  }

  /**
   * RFC 6665 4.2.1.2: a refresh resets the duration; "Expires: 0" is an
   * unsubscription, answered with a final NOTIFY (4.2.1.4 / 4.1.2.3).
   * Either way the current state is sent at once (4.2.1.2: "notifiers MUST
   * send a NOTIFY request immediately").
   */
  refresh(expiresSeconds: number): void {
    if (this.stateValue !== 'active') return;
    if (expiresSeconds === 0) return this.terminate('timeout');
    this.expiresAt = this.deps.clock.now() + expiresSeconds * 1000;
    this.arm(expiresSeconds);
    this.changed();
  }

  /** The resource changed (or the subscription is new): NOTIFY its state. */
  changed(): void {
    if (this.stateValue !== 'active') return;
    if (this.owed === 'nothing') this.owed = 'state';
    this.flush();
  }

  /** Ends the subscription with a final NOTIFY (RFC 6665 4.2.2: Subscription-State terminated). */
  terminate(reason: TerminationReason): void {
    if (this.stateValue !== 'active') return;
    this.disarm();
    this.owed = { final: reason };
    this.flush();
  }

  /** Ends the subscription with no NOTIFY (shutdown, the subscriber gone). */
  drop(reason: TerminationReason): void {
    if (this.stateValue !== 'active') return;
    this.end({ kind: 'terminated', reason });
  }

  private arm(seconds: number): void {
    this.disarm();
    // RFC 6665 4.2.2: when the duration ends without a refresh, the notifier ends it with reason "timeout".
    this.timer = this.deps.clock.setTimer(seconds * 1000, () => {
      this.timer = undefined;
      this.terminate('timeout');
    });
  }

  private disarm(): void {
    if (this.timer) this.deps.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private flush(): void {
    if (this.inFlight || this.owed === 'nothing' || this.finalSent) return;
    const owed = this.owed;
    this.owed = 'nothing';
    this.inFlight = true;
    this.deps.content(this.resource).then(
      (content) => {
        // A throw here would be an unhandled rejection (fatal in Node 20): no transport, a listener's
        // bug. The NOTIFY cannot go out, so the subscription ends as if the phone were unreachable.
        try {
          this.sendNotify(owed, content);
        } catch {
          this.inFlight = false;
          this.fail(503);
        }
      },
      () => {
        // The state cannot be read right now: nothing can be said truthfully; end cleanly.
        this.inFlight = false;
        if (typeof owed === 'object') this.end({ kind: 'terminated', reason: owed.final });
        else this.terminate('giveup');
      },
    );
  }

  private sendNotify(owed: 'state' | { final: TerminationReason }, content: NotifyContent): void {
    if (this.stateValue !== 'active') return;
    // A terminate() that arrived while the body was read wins over the state NOTIFY it replaces.
    if (owed === 'state' && typeof this.owed === 'object') {
      owed = this.owed;
      this.owed = 'nothing';
    }
    const final = typeof owed === 'object' ? owed.final : undefined;
    const subscriptionState = final !== undefined ? formatSubscriptionState({ state: 'terminated', reason: final }) : formatSubscriptionState({ state: 'active', expiresSeconds: this.remainingSeconds });
    const request = this.dialog.createRequest('NOTIFY', {
      headers: [headerField('Event', formatEventHeader(this.event)), headerField('Subscription-State', subscriptionState), headerField('Contact', this.contact)],
      body: content.body,
      contentType: content.contentType,
    });
    if (final !== undefined) {
      this.finalSent = true;
      // RFC 6665 4.2.2: after the final NOTIFY the subscription is gone, whatever its answer.
      this.end({ kind: 'terminated', reason: final });
    }
    this.deps.send(request, this.dialog.destination, {
      onResponse: (r: SipResponse) => {
        if (r.status < 200) return;
        this.inFlight = false;
        // RFC 6665 4.2.2: a NOTIFY that fails with an error response (481 above all:
        // the subscriber forgot the dialog) removes the subscription.
        if (r.status >= 300) return this.fail(r.status);
        this.flush();
      },
      // RFC 6665 4.2.2: "If the NOTIFY request fails due to a timeout condition ... the notifier SHOULD remove the subscription."
      onTimeout: () => {
        this.inFlight = false;
        this.fail(408);
      },
      onTransportError: () => {
        this.inFlight = false;
        this.fail(503);
      },
    });
  }

  private fail(status: number): void {
    if (this.stateValue !== 'active') return;
    this.end({ kind: 'notify-failed', status });
  }

  private end(end: SubscriptionEnd): void {
    checkTransition('NotifierSubscription', TRANSITIONS, this.stateValue, 'terminated');
    this.stateValue = 'terminated';
    this.disarm();
    this.deps.ended(this, end);
  }
}
