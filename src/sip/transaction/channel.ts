/**
 * What a transaction sends through: the transport and destination were
 * fixed when the transaction was created (RFC 3261 17.1: a client
 * transaction sends to one address; 17.2 / 18.2.2: a server transaction
 * answers along the request's Via).
 */

import type { SipMessage } from '../message/index.ts';

export interface TransactionChannel {
  /** True for TCP/TLS: no retransmissions, zero wait timers. */
  readonly reliable: boolean;
  /** Resolves false when the transport could not send (RFC 3261 17.1.4, 17.2.4). Never rejects. */
  send(message: SipMessage): Promise<boolean>;
  /**
   * Sends the last message again as the same bytes to the same place (a
   * retransmission). Optional; with it a completed transaction can let go
   * of the parsed request and response and keep only those bytes while it
   * waits out Timer J, which is most of what a busy registrar holds.
   */
  resend?(): Promise<boolean>;
  /**
   * The transaction will neither send its request again (a client
   * transaction once its final response has been passed up, or once it
   * ended; never in Proceeding, where CANCEL and Timer E still need it) nor
   * ask for resend() (an INVITE server transaction in Accepted): the channel may let go of the message and
   * bytes it keeps for that. A client transaction that got its 2xx waits
   * 64*T1 in Accepted (RFC 6026 7.2) and needs nothing of its INVITE; held
   * there, the INVITE was most of what every call left behind for 32 s,
   * copied by each young-generation collection. Later send() calls (the
   * ACK of a non-2xx, a 2xx retransmitted by the TU) still work.
   */
  release?(): void;
}
