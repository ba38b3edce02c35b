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
  private lastBytes: Buffer | undefined;
  private lastTo: Destination | undefined;

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
    const to = this.source ? this.route(message, this.source) : this.lastTo;
    if (!to) return Promise.resolve(false);
    // After a final response only resend() is used: the source need not outlive it (Timer J is 32 s over UDP).
    if (message.status >= 200) this.source = undefined;
    if (this.keep) this.lastBytes = bytes;
    this.lastTo = to;
    return this.transport.send(bytes, to).then(sent);
  }

  /** An INVITE transaction in Accepted (RFC 6026 7.2) never resends: its 2xx bytes need not live 64*T1. */
  release(): void {
    this.keep = false;
    this.lastBytes = undefined;
  }

  resend(): Promise<boolean> {
    if (!this.lastBytes || !this.lastTo) return Promise.resolve(false);
    return this.transport.send(this.lastBytes, this.lastTo).then(sent);
  }
}

/** A transport's send result as a channel reports it. */
export function sent(r: { ok: boolean }): boolean {
  return r.ok;
}
