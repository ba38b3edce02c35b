/**
 * The one interface every SIP transport implements (RFC 3261 18), and the
 * addresses it speaks in.
 */

import type { Result, SipMessage } from '../message/index.ts';

export type TransportProtocol = 'UDP' | 'TCP' | 'TLS';

export interface TransportAddress {
  /** IP address; IPv4-mapped IPv6 addresses are reported as plain IPv4. */
  readonly address: string;
  readonly port: number;
}

/** Where to send. For stream transports `connectionId` names a connection to reuse when it is still open. */
export interface Destination extends TransportAddress {
  readonly protocol: TransportProtocol;
  readonly connectionId?: string;
  /**
   * Stream transports only: where to open a new connection when none to
   * this flow is open (RFC 3261 18.1.1: the phone's Contact, in the same
   * transport), instead of dialling the flow's address, which for a phone
   * is an ephemeral port nobody listens on once its connection is gone (a
   * restart). See contact-fallback.ts. UDP ignores it: the flow stays the
   * target there (NAT).
   */
  readonly fallback?: TransportAddress;
}

/** Where a message came from: enough to answer it (RFC 3261 18.2.2). */
export interface MessageSource extends TransportAddress {
  readonly protocol: TransportProtocol;
  /** The connection it arrived on (TCP/TLS only). */
  readonly connectionId?: string;
  /** The local address and port it arrived on. */
  readonly local: TransportAddress;
}

export type TransportErrorCode =
  | 'TRANSPORT_NOT_STARTED'
  | 'TRANSPORT_CLOSED'
  | 'TRANSPORT_ADDRESS_IN_USE'
  | 'TRANSPORT_BIND_FAILED'
  | 'TRANSPORT_ADDRESS_FAMILY'
  | 'TRANSPORT_SEND_FAILED'
  | 'TRANSPORT_CONNECT_FAILED'
  | 'TRANSPORT_MESSAGE_TOO_LARGE';

export interface TransportError {
  readonly code: TransportErrorCode;
  /** Our words only: never peer bytes. */
  readonly message: string;
}

/** Thrown by start() (a port in use must be a clear error, not a hang). */
export class TransportStartError extends Error {
  constructor(
    readonly code: TransportErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** What a transport hands up: parsed, well-formed messages only. */
export interface TransportHandler {
  onMessage(message: SipMessage, source: MessageSource): void;
}

export interface Transport {
  readonly protocol: TransportProtocol;
  /** TCP and TLS: the transaction layer runs no retransmission timers (RFC 3261 17). */
  readonly reliable: boolean;
  /** Binds and starts delivering; resolves with the bound address. */
  start(handler: TransportHandler): Promise<TransportAddress>;
  /** The bound address; throws before start(). */
  readonly local: TransportAddress;
  /** Sends a message or raw bytes. Never rejects. */
  send(data: SipMessage | Buffer, destination: Destination): Promise<Result<void, TransportError>>;
  close(): Promise<void>;
}
