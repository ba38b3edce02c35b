/**
 * How transactions talk to the transaction user (RFC 3261 17: the TU is
 * the UAC/UAS core, a proxy core or a B2BUA leg). Typed callbacks, no events.
 */

import type { SipRequest, SipResponse } from '../message/index.ts';

export interface ClientTransactionUser {
  /** Every response the transaction passes up (1xx, the final, and 2xx retransmissions in Accepted). */
  onResponse(response: SipResponse): void;
  /** Timer B or F fired (RFC 3261 17.1.1.2, 17.1.2.2); the TU treats it as a 408 (8.1.3.1). */
  onTimeout(): void;
  /** The transport refused to send (RFC 3261 17.1.4); treated as a 503 (8.1.3.1). */
  onTransportError(): void;
}

/** The user of a transaction that has nothing more to tell its TU (it only absorbs retransmissions). */
export const NO_CLIENT_USER: ClientTransactionUser = Object.freeze({ onResponse: () => {}, onTimeout: () => {}, onTransportError: () => {} });

/** Optional hooks for a TU that cares what happens after it answered. */
export interface ServerTransactionUser {
  /** Timer H fired: no ACK for a non-2xx final (RFC 3261 17.2.1). */
  onTimeout?(): void;
  /** A response could not be sent (RFC 3261 17.2.4). */
  onTransportError?(): void;
  /** An ACK matched this INVITE transaction in the RFC 6026 Accepted state: the ACK of our 2xx. */
  onAck?(ack: SipRequest): void;
}

/** Told by every transaction when it reaches Terminated, so the layer can forget it. */
export type TerminationListener = (tx: { readonly id: string }) => void;
