// One branch of a call's parallel fork: the B-leg INVITE to one registered
// contact of the callee (RFC 3261 16.7-style forking done by a B2BUA: each
// branch is its own UAC transaction with its own dialog-to-be).
//
//   Calling --1xx--> Proceeding --2xx--> Answered
//      |                 |  \--CANCEL sent--> Cancelling --487--> Ended
//      \---- 3xx-6xx, timeout, transport error -------------------> Ended
import { Dialog } from '../../sip/dialog/index.ts';
import { getCSeq, type SipRequest, type SipResponse } from '../../sip/message/index.ts';
import type { ClientTransaction, InviteClientTransaction } from '../../sip/transaction/index.ts';
import type { SipStack } from '../../sip/core/index.ts';
import type { Destination } from '../../sip/transport/index.ts';

export enum ForkState {
  Calling = 'calling',
  Proceeding = 'proceeding',
  Cancelling = 'cancelling',
  Answered = 'answered',
  Ended = 'ended',
}

export interface ForkEvents {
  /** A provisional response (180/183 …) from this branch. */
  onProvisional(fork: Fork, response: SipResponse): void;
  /**
   * The branch's first 2xx, its dialog made and ACKed. True when the call
   * takes the dialog; false hangs that phone up (it lost the race, or the
   * call is over).
   */
  onAnswer(fork: Fork, dialog: Dialog, response: SipResponse): boolean;
  /** The branch failed or was cancelled: a final status (408 for a timeout, 503 for a transport error). */
  onFailure(fork: Fork, status: number): void;
}

export class Fork {
  private current = ForkState.Calling;
  /** CANCEL asked for before any provisional: sent once one arrives (RFC 3261 9.1). */
  private cancelPending = false;
  private tx: ClientTransaction | undefined;
  /** The ACK of this branch's 2xx, sent again for each retransmission of it. */
  private ack: SipRequest | undefined;
  /** Undefined once the call let go of the branch (detach). */
  private events: ForkEvents | undefined;

  constructor(
    readonly index: number,
    private readonly stack: SipStack,
    readonly destination: Destination,
    /** Our Contact toward this phone, for the dialog its 2xx makes. */
    private readonly contact: string,
    events: ForkEvents,
  ) {
    this.events = events;
  }

  get state(): ForkState {
    return this.current;
  }

  /** The INVITE as sent (with the stack's Via), once started. */
  get request(): SipRequest | undefined {
    return this.tx?.request;
  }

  get inviteSeq(): number {
    return (this.request && getCSeq(this.request)?.seq) ?? 1;
  }

  start(invite: SipRequest): void {
    this.tx = this.stack.sendRequest(invite, this.destination, {
      onResponse: (r) => this.receive(r),
      onTimeout: () => this.fail(408),
      onTransportError: () => this.fail(503),
    });
  }

  /**
   * The call is over and hears nothing more from this branch. The branch's
   * transaction may wait 64*T1 more for 2xx retransmissions (RFC 6026 7.2):
   * they are still ACKed here, and a late answer is ACKed and hung up, but
   * the call (its messages, dialogs, relay state) is no longer kept alive
   * by it.
   */
  detach(): void {
    this.events = undefined;
  }

  /** RFC 3261 9.1: cancel the branch; deferred until a provisional arrived. */
  cancel(): void {
    if (this.current === ForkState.Proceeding) this.sendCancel();
    else if (this.current === ForkState.Calling) this.cancelPending = true;
  }

  private receive(response: SipResponse): void {
    if (this.current === ForkState.Ended) return;
    if (response.status < 200) {
      if (this.current === ForkState.Calling) {
        this.current = ForkState.Proceeding;
        if (this.cancelPending) return void this.sendCancel();
      }
      if (this.current === ForkState.Proceeding) this.events?.onProvisional(this, response);
      return;
    }
    if (response.status < 300) {
      // A 2xx can still arrive after our CANCEL crossed it (9.1); the call decides.
      this.current = ForkState.Answered;
      this.answered(response);
      return;
    }
    this.fail(response.status);
  }

  /** RFC 3261 13.2.2.4: every 2xx is ACKed, a retransmission with the same ACK again. */
  private answered(response: SipResponse): void {
    if (this.ack) return void this.stack.sendStateless(this.ack, this.destination);
    const request = this.request;
    const dialog = request ? Dialog.asUac(request, response, this.contact, this.destination) : undefined;
    if (!dialog) return;
    this.ack = dialog.createAck(this.inviteSeq);
    void this.stack.sendStateless(this.ack, this.destination);
    if (this.events?.onAnswer(this, dialog, response) !== true) void this.stack.request(dialog.createRequest('BYE'), this.destination);
  }

  private sendCancel(): void {
    if (!this.tx) return;
    this.current = ForkState.Cancelling;
    this.stack.sendCancel(this.tx as InviteClientTransaction, this.destination, { onResponse: () => {}, onTimeout: () => {}, onTransportError: () => {} });
  }

  private fail(status: number): void {
    if (this.current === ForkState.Ended || this.current === ForkState.Answered) return;
    this.current = ForkState.Ended;
    this.events?.onFailure(this, status);
  }
}
