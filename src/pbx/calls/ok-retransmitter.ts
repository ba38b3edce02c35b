// RFC 3261 13.3.1.4: the UAS core, not the transaction, resends a 2xx to an
// INVITE: at T1, doubling up to T2, until the ACK arrives; after 64*T1
// without one the dialog is given up (the caller sends BYE).
import type { SipRequest, SipResponse } from '../../sip/message/index.ts';
import type { InviteServerTransaction, ServerTransactionUser } from '../../sip/transaction/index.ts';

const NO_USER = Object.freeze({});

/** Also the transaction's user while it waits: its ACK (onAck) stops the retransmissions. */
export class OkRetransmitter implements ServerTransactionUser {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly tx: InviteServerTransaction,
    private readonly ok: SipResponse,
    private readonly t1Ms: number,
    private readonly onNoAck: () => void,
    /** An ACK that matched the INVITE's own transaction (a phone reusing its branch, as RFC 2543 did) goes here too. */
    private readonly onAcked?: (ack: SipRequest) => void,
  ) {}

  /** Sends the 2xx and arms the retransmissions; the transaction's ACK stops them. */
  start(): void {
    this.tx.user = this;
    this.tx.respond(this.ok);
    this.arm(this.t1Ms, 0);
  }

  onAck(ack: SipRequest): void {
    this.stop();
    this.onAcked?.(ack);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // The transaction stays in Accepted for 64*T1 (RFC 6026 7.1); later ACKs need nothing from us, and it must not keep the call alive.
    this.tx.user = NO_USER;
  }

  private arm(interval: number, waited: number): void {
    if (waited >= 64 * this.t1Ms) return this.onNoAck();
    this.timer = setTimeout(() => {
      this.tx.respond(this.ok);
      // T2 = 4 s with the default T1 of 500 ms (RFC 3261 17.1.2.2).
      this.arm(Math.min(2 * interval, 8 * this.t1Ms), waited + interval);
    }, interval);
    this.timer.unref?.();
  }
}
