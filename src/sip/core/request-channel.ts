/**
 * How a client transaction sends: its request, to the one destination
 * fixed when it was created (RFC 3261 17.1), as the bytes prepareRequest
 * already made (its retransmissions too), and any other message it sends
 * (the ACK of a non-2xx) serialized as it goes.
 *
 * A class, not a closure over the request: the transaction tells it when
 * the request will not be sent again (release), and from then on neither
 * the parsed request nor its bytes are kept. An INVITE's transaction waits
 * 64*T1 in Accepted after its 2xx (RFC 6026 7.2); the INVITE held all that
 * time was most of what each call left in memory.
 */

import type { SipMessage, SipRequest } from '../message/index.ts';
import type { TransactionChannel } from '../transaction/index.ts';
import type { Destination, Transport } from '../transport/index.ts';
import { sent } from './response-channel.ts';

export class RequestChannel implements TransactionChannel {
  readonly reliable: boolean;

  constructor(
    private readonly transport: Transport,
    private readonly to: Destination,
    private request: SipRequest | undefined,
    private bytes: Buffer | undefined,
  ) {
    this.reliable = transport.reliable;
  }

  send(message: SipMessage): Promise<boolean> {
    const data = this.bytes !== undefined && message === this.request ? this.bytes : message;
    return this.transport.send(data, this.to).then(sent);
  }

  release(): void {
    this.request = undefined;
    this.bytes = undefined;
  }
}
