/**
 * What TCP and TLS share (RFC 3261 18, RFC 5923, RFC 5626): a listening
 * server, outgoing connections, and one table of open connections reused
 * per peer in both directions.
 *
 * Reuse: a connection a peer opened to us is also the way to reach that
 * peer's source address and port (RFC 5626 flows; phones behind NAT can only
 * be reached that way), and, when its Via carries `alias` (RFC 5923), its
 * sent-by port too. Outgoing connections are keyed by their destination.
 *
 * Abuse limits: a per-IP cap on connections peers open (generous by default,
 * a practice's phones often share one NAT address), a total cap, an idle
 * timeout, and the framer's size limits.
 */

import type net from 'node:net';
import { err, getTopVia, serializeMessage, DEFAULT_PARSE_LIMITS, paramValue, type ParseLimits, type Result, type SipMessage } from '../message/index.ts';
import { peerKey, unmapIpv4 } from './address.ts';
import { silentLogger, type SipLogger } from './log.ts';
import { LogThrottle } from './log-throttle.ts';
import { StreamConnection, type StreamConnectionOptions } from './stream-connection.ts';
import {
  TransportStartError,
  type Destination,
  type MessageSource,
  type Transport,
  type TransportAddress,
  type TransportError,
  type TransportHandler,
} from './types.ts';

export interface StreamTransportOptions {
  readonly host: string;
  readonly port: number;
  /** Close a connection after this long without a byte either way (default 10 min; phones ping every 30-120 s). */
  readonly idleTimeoutMs?: number;
  /** Connections one remote IP may hold open to us (default 256). */
  readonly maxConnectionsPerIp?: number;
  /** All connections, both directions (default 10,000). */
  readonly maxConnections?: number;
  readonly connectTimeoutMs?: number;
  readonly maxPendingWriteBytes?: number;
  readonly limits?: ParseLimits;
  readonly logger?: SipLogger;
  /** The clock of the log lines' one-a-second window (ms); default Date.now. */
  readonly now?: () => number;
}

export abstract class StreamTransport implements Transport {
  abstract readonly protocol: 'TCP' | 'TLS';
  readonly reliable = true;
  private server: net.Server | undefined;
  private bound: TransportAddress | undefined;
  private handler: TransportHandler | undefined;
  private closed = false;
  private nextId = 1;
  private readonly connections = new Map<string, StreamConnection>();
  /** peerKey -> connection: sources of inbound connections, aliases, outbound destinations. */
  private readonly byPeer = new Map<string, StreamConnection>();
  private readonly connecting = new Map<string, Promise<StreamConnection | TransportError>>();
  private readonly perIp = new Map<string, number>();
  protected readonly logger: SipLogger;
  private readonly connectionOptions: StreamConnectionOptions;
  private readonly maxPerIp: number;
  private readonly maxTotal: number;
  protected readonly connectTimeoutMs: number;
  private readonly limitLines: LogThrottle;

  constructor(protected readonly options: StreamTransportOptions) {
    this.logger = options.logger ?? silentLogger;
    this.limitLines = new LogThrottle({ windowMs: 1000, now: options.now ?? Date.now });
    this.connectionOptions = {
      idleTimeoutMs: options.idleTimeoutMs ?? 600_000,
      limits: options.limits ?? DEFAULT_PARSE_LIMITS,
      logger: this.logger,
      maxPendingWriteBytes: options.maxPendingWriteBytes ?? 1024 * 1024,
    };
    this.maxPerIp = options.maxConnectionsPerIp ?? 256;
    this.maxTotal = options.maxConnections ?? 10_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  }

  /** Creates the listening server (without a connection listener). */
  protected abstract createServer(): net.Server;
  /** The server event that hands over a socket ready to carry SIP. */
  protected abstract readonly readyEvent: 'connection' | 'secureConnection';
  /** Opens an outgoing socket; resolves when it is ready to carry SIP. */
  protected abstract dial(destination: Destination): Promise<net.Socket>;

  get local(): TransportAddress {
    if (!this.bound) throw new Error(`${this.protocol} transport not started`);
    return this.bound;
  }

  /** Open connections, for tests and figures. */
  get connectionCount(): number {
    return this.connections.size;
  }

  start(handler: TransportHandler): Promise<TransportAddress> {
    this.handler = { onMessage: (message, source) => this.deliver(message, source, handler) };
    const server = this.createServer();
    this.server = server;
    // Count raw TCP connections before any TLS handshake, so a flood of
    // half-open handshakes meets the cap too.
    server.on('connection', (raw: net.Socket) => {
      const ip = unmapIpv4(raw.remoteAddress ?? '');
      const count = (this.perIp.get(ip) ?? 0) + 1;
      if (count > this.maxPerIp || this.connections.size >= this.maxTotal) {
        // One line a second with the count: a connection flood must not cost a log write per connection.
        const suppressedSinceLast = this.limitLines.due('limit');
        if (suppressedSinceLast !== undefined) this.logger.warn({ code: 'SIP_CONNECTION_LIMIT', protocol: this.protocol, suppressedSinceLast }, 'sip: connection refused over limit');
        raw.destroy();
        return;
      }
      this.perIp.set(ip, count);
      raw.once('close', () => {
        const left = (this.perIp.get(ip) ?? 1) - 1;
        if (left <= 0) this.perIp.delete(ip);
        else this.perIp.set(ip, left);
      });
    });
    // Registered after the cap check: for TCP both run on 'connection', in this order.
    server.on(this.readyEvent, (socket: net.Socket) => {
      if (!socket.destroyed) this.adopt(socket, true);
    });
    return new Promise((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException): void => {
        const code = e.code === 'EADDRINUSE' ? 'TRANSPORT_ADDRESS_IN_USE' : 'TRANSPORT_BIND_FAILED';
        reject(new TransportStartError(code, `${this.protocol} ${this.options.host}:${this.options.port}: ${e.code ?? 'listen failed'}`));
      };
      server.once('error', onError);
      server.listen({ host: this.options.host, port: this.options.port, ipv6Only: false }, () => {
        server.off('error', onError);
        server.on('error', (e: NodeJS.ErrnoException) => this.logger.warn({ code: e.code }, 'sip: server error'));
        const a = server.address() as net.AddressInfo;
        this.bound = { address: a.address, port: a.port };
        resolve(this.bound);
      });
    });
  }

  async send(data: SipMessage | Buffer, destination: Destination): Promise<Result<void, TransportError>> {
    if (this.closed || !this.handler) return err({ code: 'TRANSPORT_CLOSED', message: `${this.protocol} transport is closed` });
    const bytes = Buffer.isBuffer(data) ? data : serializeMessage(data);
    let connection = destination.connectionId ? this.connections.get(destination.connectionId) : undefined;
    if (!connection?.isOpen) connection = this.byPeer.get(peerKey(destination.address, destination.port));
    // The flow is gone (we restarted, the phone's NAT or connection closed): its address is the
    // phone's ephemeral port, so a new connection goes to the Contact the phone listens on.
    const target = !connection?.isOpen && destination.fallback ? { protocol: this.protocol, ...destination.fallback } : destination;
    if (!connection?.isOpen && target !== destination) connection = this.byPeer.get(peerKey(target.address, target.port));
    if (!connection?.isOpen) {
      const opened = await this.connect(target);
      if (!(opened instanceof StreamConnection)) return err(opened);
      connection = opened;
    }
    return connection.write(bytes);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.connections.values()) c.destroy();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private connect(destination: Destination): Promise<StreamConnection | TransportError> {
    const key = peerKey(destination.address, destination.port);
    const pending = this.connecting.get(key);
    if (pending) return pending;
    if (this.connections.size >= this.maxTotal) {
      return Promise.resolve({ code: 'TRANSPORT_CONNECT_FAILED', message: 'connection limit reached' });
    }
    const attempt = this.dial(destination).then(
      (socket) => {
        if (this.closed) {
          socket.destroy();
          return { code: 'TRANSPORT_CLOSED', message: 'transport closed' } as TransportError;
        }
        const connection = this.adopt(socket, false);
        this.byPeer.set(key, connection);
        return connection;
      },
      (e: NodeJS.ErrnoException) => {
        // The cause's code only (ECONNREFUSED, a certificate check's): why a phone could not be reached, without its address.
        this.logger.warn({ code: 'SIP_CONNECT_FAILED', protocol: this.protocol, cause: e.code ?? 'unknown' }, 'sip: outgoing connection failed');
        return { code: 'TRANSPORT_CONNECT_FAILED', message: e.code ?? 'connect failed' } as TransportError;
      },
    );
    this.connecting.set(key, attempt);
    void attempt.finally(() => this.connecting.delete(key));
    return attempt;
  }

  private adopt(socket: net.Socket, inbound: boolean): StreamConnection {
    const id = `${this.protocol.toLowerCase()}-${this.nextId++}`;
    const connection = new StreamConnection(id, this.protocol, socket, this.connectionOptions, this.handler as TransportHandler, (c) => this.forget(c));
    this.connections.set(id, connection);
    if (inbound) this.byPeer.set(peerKey(connection.remote.address, connection.remote.port), connection);
    return connection;
  }

  private forget(connection: StreamConnection): void {
    this.connections.delete(connection.id);
    for (const [key, c] of this.byPeer) if (c === connection) this.byPeer.delete(key);
  }

  /** RFC 5923: a request whose top Via carries `alias` makes its connection reusable toward the sent-by. */
  private deliver(message: SipMessage, source: MessageSource, handler: TransportHandler): void {
    if (message.kind === 'request' && source.connectionId) {
      const via = getTopVia(message);
      const connection = this.connections.get(source.connectionId);
      if (via && connection && paramValue(via.params, 'alias') !== undefined) {
        const port = via.port ?? (this.protocol === 'TLS' ? 5061 : 5060);
        this.byPeer.set(peerKey(source.address, port), connection);
      }
    }
    handler.onMessage(message, source);
  }
}
