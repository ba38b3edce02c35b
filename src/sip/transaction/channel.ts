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
}
