/**
 * How a server transaction answers: along the request's Via (RFC 3261
 * 18.2.2), over the transport the request came on. The channel keeps the
 * bytes and destination of the last response it sent, so a retransmitted
 * request is answered again (17.2.2 Completed, 17.2.1 for 2xx-less INVITE
 * finals) without the transaction holding on to parsed messages.
 *
 * A class of its own, not closures in the stack's receive path: closures
 * made there would share their scope with the parsed request and keep it
 * alive for as long as the transaction (32 s of Timer J over UDP).
 */

import { serializeMessage, type SipMessage, type SipResponse } from '../message/index.ts';
import type { TransactionChannel } from '../transaction/index.ts';
import type { Destination, MessageSource, Transport } from '../transport/index.ts';

export type ResponseRouter = (response: SipResponse, source: MessageSource) => Destination;

export class ResponseChannel implements TransactionChannel {
  readonly reliable: boolean;
  // The last response's octets, as a range of the (shared) memory they were
  // serialized into, and where they went, as plain fields: not a Buffer view
  // and a Destination object. A UDP transaction keeps these for the 32 s of
  // Timer J (Completed, RFC 3261 17.2.2), and two objects per answered
  // request were a third of what those transactions kept alive.
  private lastMemory: ArrayBufferLike | undefined;
  private lastOffset = 0;
  private lastLength = 0;
  private lastProtocol: Destination['protocol'] | undefined;
  private lastAddress = '';
  private lastPort = 0;
  private lastConnectionId: string | undefined;

  private source: MessageSource | undefined;
  /** False once the transaction said it will not ask for resend() (release). */
  private keep = true;

  constructor(
    private readonly transport: Transport,
    source: MessageSource,
    private readonly route: ResponseRouter,
  ) {
    this.reliable = transport.reliable;
    this.source = source;
  }

  send(message: SipMessage): Promise<boolean> {
    // A server transaction only ever answers; anything else is a bug upstream.
    if (message.kind !== 'response') return Promise.resolve(false);
    const bytes = serializeMessage(message);
    const to = this.source ? this.route(message, this.source) : this.lastDestination();
    if (!to) return Promise.resolve(false);
    // After a final response only resend() is used: the source need not outlive it (Timer J is 32 s over UDP).
    if (message.status >= 200) this.source = undefined;
    if (this.keep) {
      this.lastMemory = bytes.buffer;
      this.lastOffset = bytes.byteOffset;
      this.lastLength = bytes.length;
    }
    this.lastProtocol = to.protocol;
    this.lastAddress = to.address;
    this.lastPort = to.port;
    this.lastConnectionId = to.connectionId;
    return this.transport.send(bytes, to).then(sent);
  }

  /** An INVITE transaction in Accepted (RFC 6026 7.2) never resends: its 2xx bytes need not live 64*T1. */
  release(): void {
    this.keep = false;
    this.lastMemory = undefined;
  }

  resend(): Promise<boolean> {
    const to = this.lastDestination();
    if (!this.lastMemory || !to) return Promise.resolve(false);
    return this.transport.send(Buffer.from(this.lastMemory, this.lastOffset, this.lastLength), to).then(sent);
  }

  private lastDestination(): Destination | undefined {
    if (this.lastProtocol === undefined) return undefined;
    return this.lastConnectionId === undefined
      ? { protocol: this.lastProtocol, address: this.lastAddress, port: this.lastPort }
      : { protocol: this.lastProtocol, address: this.lastAddress, port: this.lastPort, connectionId: this.lastConnectionId };
  }
}

/** A transport's send result as a channel reports it. */
export function sent(r: { ok: boolean }): boolean {
  return r.ok;
}
