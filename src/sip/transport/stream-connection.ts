/**
 * One TCP or TLS connection carrying SIP (RFC 3261 18.3): frames the byte
 * stream into messages, answers keep-alive pings (RFC 5626 3.5.1: a CRLFCRLF
 * ping gets a CRLF pong), closes itself when idle, and refuses to buffer
 * without bound in either direction.
 */

import type net from 'node:net';
import { err, ok, StreamFramer, type ParseLimits, type Result } from '../message/index.ts';
import { unmapIpv4 } from './address.ts';
import { malformedAnswer, receiveBytes } from './inbound.ts';
import type { SipLogger } from './log.ts';
import type { MessageSource, TransportAddress, TransportError, TransportHandler, TransportProtocol } from './types.ts';

export interface StreamConnectionOptions {
  readonly idleTimeoutMs: number;
  readonly limits: ParseLimits;
  readonly logger: SipLogger;
  /** Unsent octets we hold for a slow reader before giving up on it. */
  readonly maxPendingWriteBytes: number;
}

const PONG = Buffer.from('\r\n');

export class StreamConnection {
  readonly remote: TransportAddress;
  readonly local: TransportAddress;
  private readonly framer: StreamFramer;
  private open = true;

  constructor(
    readonly id: string,
    readonly protocol: TransportProtocol,
    private readonly socket: net.Socket,
    private readonly options: StreamConnectionOptions,
    handler: TransportHandler,
    onClose: (connection: StreamConnection) => void,
  ) {
    this.remote = { address: unmapIpv4(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0 };
    this.local = { address: unmapIpv4(socket.localAddress ?? ''), port: socket.localPort ?? 0 };
    this.framer = new StreamFramer(options.limits);
    const source: MessageSource = { protocol, address: this.remote.address, port: this.remote.port, connectionId: id, local: this.local };
    const ctx = { limits: options.limits, logger: options.logger, handler, reply: (bytes: Buffer) => void this.write(bytes) };

    socket.setNoDelay(true);
    socket.setTimeout(options.idleTimeoutMs);
    socket.on('timeout', () => {
      options.logger.debug({ connection: id, code: 'SIP_CONNECTION_IDLE' }, 'sip: idle connection closed');
      this.destroy();
    });
    socket.on('data', (chunk: Buffer) => {
      const result = this.framer.push(chunk);
      for (const event of result.events) {
        if (!this.open) return;
        if (event.kind === 'keepalive') void this.write(PONG);
        else receiveBytes(event.bytes, source, ctx);
      }
      if (result.error) {
        // RFC 3261 18.3: a stream that cannot be framed cannot be resynchronised.
        const e = result.error;
        socket.pause();
        options.logger.debug({ connection: id, code: e.code }, 'sip: unframeable stream closed');
        const answer = malformedAnswer(e, source);
        if (answer) {
          // Answer what we can, then close once the answer is written.
          void this.write(answer).then(() => this.destroy());
        } else {
          this.destroy();
        }
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) => options.logger.debug({ connection: id, code: e.code }, 'sip: connection error'));
    socket.on('close', () => {
      this.open = false;
      onClose(this);
    });
  }

  get isOpen(): boolean {
    return this.open && !this.socket.destroyed;
  }

  write(bytes: Buffer): Promise<Result<void, TransportError>> {
    if (!this.isOpen) return Promise.resolve(err({ code: 'TRANSPORT_CLOSED', message: 'connection closed' }));
    if (this.socket.writableLength + bytes.length > this.options.maxPendingWriteBytes) {
      // A peer that stopped reading must not make us hold its responses forever.
      this.options.logger.warn({ connection: this.id, code: 'SIP_CONNECTION_STALLED' }, 'sip: peer not reading, connection closed');
      this.destroy();
      return Promise.resolve(err({ code: 'TRANSPORT_SEND_FAILED', message: 'peer not reading' }));
    }
    return new Promise((resolve) => {
      this.socket.write(bytes, (e) => resolve(e ? err({ code: 'TRANSPORT_SEND_FAILED', message: 'write failed' }) : ok(undefined)));
    });
  }

  destroy(): void {
    this.open = false;
    this.socket.destroy();
  }
}
