/**
 * The transaction user (RFC 3261 17): the element above the transaction
 * layer (registrar, B2BUA, proxy core). SipStack calls these; nothing else
 * reaches the TU.
 */

import type { SipRequest, SipResponse } from '../message/index.ts';
import type { InviteServerTransaction, NonInviteServerTransaction, ServerTransaction } from '../transaction/index.ts';
import type { MessageSource } from '../transport/index.ts';

export interface TransactionUser {
  /**
   * A new request (never ACK, never a retransmission). Answer with
   * `transaction.respond(createResponse(request, status, …))`; for INVITE the
   * transaction sends 100 Trying itself if nothing is sent within 200 ms
   * (RFC 3261 17.2.1). A TU that throws gets a 500 sent for it.
   */
  onRequest(transaction: ServerTransaction, request: SipRequest, source: MessageSource): void;
  /** An ACK that matched no transaction: the ACK of a 2xx (RFC 3261 13.2.2.4, 17.1.1.3). */
  onAck?(ack: SipRequest, source: MessageSource): void;
  /**
   * A CANCEL that matched an INVITE still in a transaction (RFC 3261 9.2).
   * When omitted, the stack answers the CANCEL 200 and the INVITE 487.
   * A CANCEL that matches nothing is answered 481 by the stack.
   */
  onCancel?(cancel: NonInviteServerTransaction, invite: InviteServerTransaction, request: SipRequest, source: MessageSource): void;
  /**
   * Asked first for every new request but ACK and CANCEL: the answer of a
   * stateless UAS (RFC 3261 8.2.7), sent with no transaction made for it,
   * or undefined to go through a transaction as usual. Only for answers
   * that depend on the request alone (a retransmission must get the same
   * bytes: the To tag derives from the request, statelessToTag), such as
   * the 200 to a keep-alive OPTIONS.
   */
  statelessAnswer?(request: SipRequest, source: MessageSource): SipResponse | undefined;
  /** A response no client transaction owns (a 2xx retransmission after the transaction ended). */
  onStrayResponse?(response: SipResponse, source: MessageSource): void;
}
