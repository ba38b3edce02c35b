/**
 * An in-memory transport pair for tests of the layers above: what one end
 * sends, the other receives, through the same parse-and-stamp path a real
 * socket uses. Delivery is synchronous and can be switched off to lose
 * packets. Every sent message is recorded with its wire bytes.
 */

import { ok, err, serializeMessage, DEFAULT_PARSE_LIMITS, type Result, type SipMessage } from '../message/index.ts';
import { receiveBytes } from './inbound.ts';
import { silentLogger } from './log.ts';
import type { Destination, Transport, TransportAddress, TransportError, TransportHandler, TransportProtocol } from './types.ts';

export interface SentRecord {
  readonly bytes: Buffer;
  readonly destination: Destination;
}

export class FakeTransport implements Transport {
  readonly reliable: boolean;
  peer: FakeTransport | undefined;
  /** When false, sent messages are recorded but never arrive (packet loss). */
  deliver = true;
  readonly sent: SentRecord[] = [];
  private handler: TransportHandler | undefined;

  constructor(
    readonly protocol: TransportProtocol,
    readonly local: TransportAddress,
  ) {
    this.reliable = protocol !== 'UDP';
  }

  start(handler: TransportHandler): Promise<TransportAddress> {
    this.handler = handler;
    return Promise.resolve(this.local);
  }

  /** Feeds raw bytes in as if `from` had sent them. */
  inject(bytes: Buffer, from: TransportAddress): void {
    if (!this.handler) return;
    receiveBytes(bytes, { protocol: this.protocol, address: from.address, port: from.port, local: this.local }, {
      limits: DEFAULT_PARSE_LIMITS,
      logger: silentLogger,
      handler: this.handler,
      reply: (out) => this.sent.push({ bytes: out, destination: { protocol: this.protocol, ...from } }),
    });
  }

  send(data: SipMessage | Buffer, destination: Destination): Promise<Result<void, TransportError>> {
    if (!this.handler) return Promise.resolve(err({ code: 'TRANSPORT_CLOSED', message: 'not started' }));
    const bytes = Buffer.isBuffer(data) ? data : serializeMessage(data);
    this.sent.push({ bytes, destination });
    if (this.deliver && this.peer && this.peer.local.address === destination.address && this.peer.local.port === destination.port) {
      this.peer.inject(bytes, this.local);
    }
    return Promise.resolve(ok(undefined));
  }

  close(): Promise<void> {
    this.handler = undefined;
    return Promise.resolve();
  }

  /** Start lines of what was sent, in order: the easiest thing to assert on. */
  get sentLines(): string[] {
    return this.sent.map((s) => s.bytes.toString('utf8').split('\r\n')[0] ?? '');
  }
}

/** Two fake transports that reach each other: A at 192.0.2.1:5060, B at 192.0.2.2:5060. */
export function fakeTransportPair(protocol: TransportProtocol = 'UDP'): [FakeTransport, FakeTransport] {
  const a = new FakeTransport(protocol, { address: '192.0.2.1', port: 5060 });
  const b = new FakeTransport(protocol, { address: '192.0.2.2', port: 5060 });
  a.peer = b;
  b.peer = a;
  return [a, b];
}
