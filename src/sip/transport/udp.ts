/**
 * SIP over UDP (RFC 3261 18), IPv4 or IPv6 (a `::` bind is dual-stack).
 *
 * The receive buffer is raised (4 MiB by default): Node's default is the
 * kernel's ~200 KiB, which overflows and silently drops REGISTER bursts
 * when the event loop is busy. The kernel caps it at net.core.rmem_max;
 * `receiveBufferSize` reports what was granted.
 *
 * Messages over the path MTU (RFC 3261 18.1.1) are the stack's concern: it
 * moves large requests to TCP before they get here. A datagram that cannot
 * be sent at all (over 65,507 octets) is refused with a typed error.
 */

import dgram from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { err, ok, serializeMessage, DEFAULT_PARSE_LIMITS, type ParseLimits, type Result, type SipMessage } from '../message/index.ts';
import { unmapIpv4 } from './address.ts';
import { receiveBytes } from './inbound.ts';
import { silentLogger, type SipLogger } from './log.ts';
import {
  TransportStartError,
  type Destination,
  type MessageSource,
  type Transport,
  type TransportAddress,
  type TransportError,
  type TransportHandler,
} from './types.ts';

export interface UdpTransportOptions {
  /** Bind address: `0.0.0.0`, `::` (dual-stack), or one interface. */
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly receiveBufferSize?: number;
  readonly sendBufferSize?: number;
  readonly limits?: ParseLimits;
  readonly logger?: SipLogger;
}

/**
 * dgram resolves every destination before sending; ours are always address
 * literals (targetAddress() refuses anything else), which dns.lookup would
 * hand back on the next tick. Answering at once saves that tick and its
 * closures on every datagram sent.
 */
function literalAddressLookup(address: string, options: LookupOneOptions | number, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void {
  const family = isIP(address);
  // A bind address given as a name (SOTTO_BIND=localhost) still resolves the usual way.
  // (dgram passes the family as a number.)
  if (family === 0) dnsLookup(address, typeof options === 'number' ? { family: options } : options, callback);
  else callback(null, address, family);
}

/** IPv4/UDP limit: 65,535 - 20 (IP) - 8 (UDP). */
const MAX_DATAGRAM = 65_507;
const DEFAULT_BUFFER = 4 * 1024 * 1024;

export class UdpTransport implements Transport {
  readonly protocol = 'UDP' as const;
  readonly reliable = false;
  private socket: dgram.Socket | undefined;
  private bound: TransportAddress | undefined;
  private ipv6 = false;
  private closed = false;
  private readonly limits: ParseLimits;
  private readonly logger: SipLogger;

  constructor(private readonly options: UdpTransportOptions) {
    this.limits = options.limits ?? DEFAULT_PARSE_LIMITS;
    this.logger = options.logger ?? silentLogger;
  }

  get local(): TransportAddress {
    if (!this.bound) throw new Error('UdpTransport not started');
    return this.bound;
  }

  /** The kernel's actual receive buffer, for figures and diagnostics. */
  get receiveBufferSize(): number {
    return this.socket?.getRecvBufferSize() ?? 0;
  }

  start(handler: TransportHandler): Promise<TransportAddress> {
    this.ipv6 = isIPv6(this.options.host);
    const socket = dgram.createSocket({
      type: this.ipv6 ? 'udp6' : 'udp4',
      ipv6Only: false,
      reuseAddr: false,
      recvBufferSize: this.options.receiveBufferSize ?? DEFAULT_BUFFER,
      sendBufferSize: this.options.sendBufferSize ?? DEFAULT_BUFFER,
      lookup: literalAddressLookup,
    });
    this.socket = socket;
    return new Promise((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException): void => {
        socket.close();
        const code = e.code === 'EADDRINUSE' ? 'TRANSPORT_ADDRESS_IN_USE' : 'TRANSPORT_BIND_FAILED';
        reject(new TransportStartError(code, `UDP ${this.options.host}:${this.options.port}: ${e.code ?? 'bind failed'}`));
      };
      socket.once('error', onError);
      socket.bind(this.options.port, this.options.host, () => {
        socket.off('error', onError);
        // After bind, socket errors (ICMP unreachable on some systems) are not fatal.
        socket.on('error', (e: NodeJS.ErrnoException) => this.logger.debug({ code: e.code }, 'sip: udp socket error'));
        const a = socket.address();
        this.bound = { address: a.address, port: a.port };
        const local = this.bound;
        socket.on('message', (bytes, rinfo) => {
          const source: MessageSource = { protocol: 'UDP', address: unmapIpv4(rinfo.address), port: rinfo.port, local };
          receiveBytes(bytes, source, {
            limits: this.limits,
            logger: this.logger,
            handler,
            reply: (out) => this.sendRaw(out, rinfo.address, rinfo.port),
          });
        });
        resolve(this.bound);
      });
    });
  }

  send(data: SipMessage | Buffer, destination: Destination): Promise<Result<void, TransportError>> {
    const socket = this.socket;
    if (!socket || this.closed) return Promise.resolve(err({ code: 'TRANSPORT_CLOSED', message: 'UDP transport is closed' }));
    const bytes = Buffer.isBuffer(data) ? data : serializeMessage(data);
    if (bytes.length > MAX_DATAGRAM) {
      return Promise.resolve(err({ code: 'TRANSPORT_MESSAGE_TOO_LARGE', message: `datagram of ${bytes.length} octets` }));
    }
    const address = this.targetAddress(destination.address);
    if (!address) return Promise.resolve(err({ code: 'TRANSPORT_ADDRESS_FAMILY', message: 'destination family not served by this socket' }));
    return new Promise((resolve) => {
      socket.send(bytes, destination.port, address, (e) => {
        resolve(e ? err({ code: 'TRANSPORT_SEND_FAILED', message: (e as NodeJS.ErrnoException).code ?? 'send failed' }) : ok(undefined));
      });
    });
  }

  close(): Promise<void> {
    if (this.closed || !this.socket) return Promise.resolve();
    this.closed = true;
    const socket = this.socket;
    return new Promise((resolve) => socket.close(() => resolve()));
  }

  private sendRaw(bytes: Buffer, address: string, port: number): void {
    if (this.closed) return;
    this.socket?.send(bytes, port, address);
  }

  /** A dual-stack socket reaches IPv4 peers through IPv4-mapped addresses. */
  private targetAddress(address: string): string | undefined {
    if (this.ipv6) return isIPv4(address) ? `::ffff:${address}` : isIPv6(address) ? address : undefined;
    return isIPv4(address) ? address : undefined;
  }
}
