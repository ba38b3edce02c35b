/**
 * SipStack: transports below, the transaction layer in the middle, one
 * transaction user above (RFC 3261 5: the layers of a SIP element).
 *
 * Inbound: a transport parses and stamps a message; a response goes to its
 * client transaction (17.1.3), a request to its server transaction (17.2.3)
 * or, when new, to a fresh server transaction and the TU. Outbound: the TU
 * sends a request through a client transaction (the stack adds the top Via
 * with a fresh branch) or statelessly, and answers through the server
 * transaction, which routes per 18.2.2.
 */

import {
  createResponse,
  createVia,
  getTopVia,
  keyOf,
  serializeMessage,
  err,
  type HeaderField,
  type Result,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../message/index.ts';
import { randomHex } from '../message/random-pool.ts';
import { ownViaField } from './own-via.ts';
import {
  cancelFor,
  InviteClientState,
  NonInviteServerTransaction,
  type InviteClientTransaction,
  TransactionLayer,
  type ClientTransaction,
  type ClientTransactionUser,
  type Clock,
  type ServerTransaction,
  type TimerConfig,
  type TransactionChannel,
} from '../transaction/index.ts';
import {
  responseDestination,
  silentLogger,
  type Destination,
  type MessageSource,
  type SipLogger,
  type Transport,
  type TransportError,
  type TransportProtocol,
} from '../transport/index.ts';
import { LocalRoutes, type AddressToward } from '../transport/local-routes.ts';
import { isUnspecified } from './local-address.ts';
import { RequestChannel } from './request-channel.ts';
import { ResponseChannel, type ResponseRouter } from './response-channel.ts';
import type { TransactionUser } from './transaction-user.ts';

export interface SipStackOptions {
  /** Transports to run, not yet started; the stack starts and closes them. */
  readonly transports: readonly Transport[];
  readonly user: TransactionUser;
  /**
   * Host for our Via sent-by: one host, or one per peer address. Default:
   * the bound address, or when bound to all interfaces the address of the
   * interface facing the peer (LocalRoutes.machine(), re-read as it says).
   */
  readonly advertisedHost?: string | AddressToward;
  readonly clock?: Clock;
  readonly timers?: Partial<TimerConfig>;
  readonly logger?: SipLogger;
  /**
   * RFC 3261 18.1.1: a request within 200 octets of the path MTU must go
   * over TCP. With the MTU unknown that means over 1300 octets.
   */
  readonly udpSizeLimit?: number;
}

export class SipStack {
  readonly transactions: TransactionLayer;
  private readonly logger: SipLogger;
  private readonly udpSizeLimit: number;
  /** Interfaces and routes, read on the first request sent from a wildcard-bound transport. */
  private routes: LocalRoutes | undefined;
  private closed = false;

  private constructor(
    private readonly transports: readonly Transport[],
    private readonly user: TransactionUser,
    private readonly options: SipStackOptions,
  ) {
    this.transactions = new TransactionLayer({
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.timers ? { timers: options.timers } : {}),
    });
    this.logger = options.logger ?? silentLogger;
    this.udpSizeLimit = options.udpSizeLimit ?? 1300;
  }

  /** Starts every transport; if one cannot bind, closes the others and rethrows its TransportStartError. */
  static async start(options: SipStackOptions): Promise<SipStack> {
    const stack = new SipStack(options.transports, options.user, options);
    const started: Transport[] = [];
    try {
      for (const t of options.transports) {
        await t.start({ onMessage: (message, source) => stack.receive(t, message, source) });
        started.push(t);
      }
    } catch (e) {
      await Promise.all(started.map((t) => t.close()));
      throw e;
    }
    return stack;
  }

  /** The first transport of this protocol. */
  transport(protocol: TransportProtocol): Transport | undefined {
    return this.transports.find((t) => t.protocol === protocol);
  }

  /**
   * Sends `request` in a client transaction to `destination`. The stack
   * adds the top Via (fresh RFC 3261 branch, rport); the user hears every
   * response, or a timeout (which a UAC treats as 408, RFC 3261 8.1.3.1).
   */
  sendRequest(request: SipRequest, destination: Destination, user: ClientTransactionUser): ClientTransaction {
    const { message, transport, to, bytes } = this.prepareRequest(request, destination);
    return this.startClientOn(message, transport, to, user, bytes);
  }

  /**
   * Cancels a pending INVITE (RFC 3261 9.1): the CANCEL goes in its own
   * client transaction, with the INVITE's branch, to the INVITE's
   * destination. Only after a provisional arrived (9.1: "SHOULD NOT be sent
   * ... until a provisional response"); returns undefined otherwise.
   */
  sendCancel(invite: InviteClientTransaction, destination: Destination, user: ClientTransactionUser): ClientTransaction | undefined {
    if (invite.state !== InviteClientState.Proceeding) return undefined;
    const via = getTopVia(invite.request);
    const transport = (via && this.transports.find((t) => t.protocol === via.transport)) ?? this.transport(destination.protocol);
    if (!transport) return undefined;
    const to = transport.protocol === destination.protocol ? destination : { protocol: transport.protocol, address: destination.address, port: destination.port };
    return this.startClientOn(cancelFor(invite.request), transport, to, user);
  }

  private startClientOn(message: SipRequest, transport: Transport, to: Destination, user: ClientTransactionUser, bytes?: Buffer): ClientTransaction {
    return this.transactions.startClient(message, new RequestChannel(transport, to, message, bytes), user);
  }

  /**
   * sendRequest() as a promise of the final response: a timeout becomes a
   * 408 and a transport failure a 503 (RFC 3261 8.1.3.1), synthesized here.
   */
  request(request: SipRequest, destination: Destination, onProvisional?: (response: SipResponse) => void): Promise<SipResponse> {
    return new Promise((resolve) => {
      let tx: ClientTransaction | undefined;
      const synthesize = (status: number): void => resolve(createResponse(tx?.request ?? request, status));
      tx = this.sendRequest(request, destination, {
        onResponse: (r) => (r.status < 200 ? onProvisional?.(r) : resolve(r)),
        onTimeout: () => synthesize(408),
        onTransportError: () => synthesize(503),
      });
    });
  }

  /**
   * Sends a message with no transaction: the ACK of a 2xx (RFC 3261
   * 13.2.2.4), or a stateless proxy's forwarding. A request gets a top Via
   * when `addVia` is set (an ACK of a 2xx needs a new branch).
   */
  sendStateless(message: SipMessage, destination: Destination, addVia = message.kind === 'request'): Promise<Result<void, TransportError>> {
    if (message.kind === 'request' && addVia) {
      const { message: m, transport, to, bytes } = this.prepareRequest(message, destination);
      return transport.send(bytes ?? m, to);
    }
    const transport = this.transport(destination.protocol);
    if (!transport) return Promise.resolve(err({ code: 'TRANSPORT_NOT_STARTED', message: `no ${destination.protocol} transport` }));
    return transport.send(message, destination);
  }

  /** Answers a request without a transaction, routed per RFC 3261 18.2.2. */
  respondStateless(response: SipResponse, source: MessageSource): Promise<Result<void, TransportError>> {
    const transport = this.transport(source.protocol);
    if (!transport) return Promise.resolve(err({ code: 'TRANSPORT_NOT_STARTED', message: `no ${source.protocol} transport` }));
    return transport.send(response, this.routeResponse(response, source));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.transactions.terminateAll();
    await Promise.all(this.transports.map((t) => t.close()));
  }

  // ------------------------------------------------------------ inbound

  private receive(transport: Transport, message: SipMessage, source: MessageSource): void {
    if (this.closed) return;
    if (message.kind === 'response') {
      // RFC 3261 18.1.2 / 17.1.3: to the client transaction, else to the TU.
      if (!this.transactions.receiveResponse(message)) this.user.onStrayResponse?.(message, source);
      return;
    }
    // RFC 3261 8.2.7: a stateless answer needs no transaction, not even a lookup.
    if (this.user.statelessAnswer && message.method !== 'ACK' && message.method !== 'CANCEL' && this.answerStatelessly(message, source, transport)) return;
    // RFC 3261 17.2.3: retransmissions and non-2xx ACKs are absorbed here.
    if (this.transactions.receiveRequest(message)) return;
    if (message.method === 'ACK') {
      this.user.onAck?.(message, source);
      return;
    }
    const channel = new ResponseChannel(transport, source, this.router);
    const tx = this.transactions.startServer(message, channel);
    if (!tx) return;
    if (message.method === 'CANCEL') {
      this.receiveCancel(tx, message, source);
      return;
    }
    this.hand(tx, () => this.user.onRequest(tx, message, source));
  }

  /**
   * True when the TU answered `request` statelessly (the answer is on its
   * way). The answer leaves through the transport the request came in on
   * (RFC 3261 18.2.2): with two listeners of one protocol (two addresses, or
   * a second port), the first of that protocol would answer from a source
   * the peer's NAT or firewall does not expect.
   */
  private answerStatelessly(request: SipRequest, source: MessageSource, transport: Transport): boolean {
    let response: SipResponse | undefined;
    try {
      response = this.user.statelessAnswer?.(request, source);
    } catch (e) {
      // The request then takes the usual way, where a TU that throws gets its 500.
      this.logger.warn({ code: 'SIP_TU_THREW', method: request.method, error: e instanceof Error ? e.name : 'unknown' }, 'sip: stateless answer threw');
      return false;
    }
    if (!response) return false;
    void transport.send(response, this.routeResponse(response, source));
    return true;
  }

  /** RFC 3261 9.2: CANCEL. */
  private receiveCancel(tx: ServerTransaction, cancel: SipRequest, source: MessageSource): void {
    const invite = this.transactions.findInviteForCancel(cancel);
    if (!invite) {
      // "If the UAS did not find a matching transaction for the CANCEL ... it SHOULD respond ... with a 481."
      tx.respond(createResponse(cancel, 481));
      return;
    }
    if (this.user.onCancel && tx instanceof NonInviteServerTransaction) {
      const onCancel = this.user.onCancel.bind(this.user);
      this.hand(tx, () => onCancel(tx, invite, cancel, source));
      return;
    }
    // Default UAS behaviour: 200 to the CANCEL, 487 to the INVITE if still unanswered.
    tx.respond(createResponse(cancel, 200));
    if (!invite.answered) invite.respond(createResponse(invite.request, 487));
  }

  /** Runs TU code; a throw answers 500 rather than leaving the peer retransmitting (RFC 3261 8.2). */
  private hand(tx: ServerTransaction, call: () => void): void {
    try {
      call();
    } catch (e) {
      this.logger.warn({ code: 'SIP_TU_THREW', method: tx.request.method, error: e instanceof Error ? e.name : 'unknown' }, 'sip: transaction user threw');
      if (!tx.answered) tx.respond(createResponse(tx.request, 500));
    }
  }

  private readonly router: ResponseRouter = (response, source) => this.routeResponse(response, source);

  private routeResponse(response: SipResponse, source: MessageSource): Destination {
    return responseDestination(response, source.connectionId) ?? { protocol: source.protocol, address: source.address, port: source.port, ...(source.connectionId ? { connectionId: source.connectionId } : {}) };
  }

  // ------------------------------------------------------------ outbound

  /** The request with our Via for the transport it leaves by; `bytes` are its serialisation when the size check had to make them. */
  private prepareRequest(request: SipRequest, destination: Destination): { message: SipRequest; transport: Transport; to: Destination; bytes?: Buffer } {
    let to = destination;
    let transport = this.transport(to.protocol);
    if (!transport) throw new Error(`no ${to.protocol} transport`);
    let message = this.withVia(request, transport, to.address);
    if (to.protocol === 'UDP' && request.method !== 'ACK') {
      // RFC 3261 18.1.1: too big for a datagram under an unknown MTU: use TCP if we have it.
      const tcp = this.transport('TCP');
      if (tcp) {
        const bytes = serializeMessage(message);
        if (bytes.length <= this.udpSizeLimit) return { message, transport, to, bytes };
        to = { protocol: 'TCP', address: to.address, port: to.port };
        transport = tcp;
        message = this.withVia(request, tcp, to.address);
      }
    }
    return { message, transport, to };
  }

  private withVia(request: SipRequest, transport: Transport, peer: string): SipRequest {
    const local = transport.local;
    const advertised = this.options.advertisedHost;
    let host: string;
    if (typeof advertised === 'string') host = advertised;
    else if (advertised) host = advertised(peer);
    else if (isUnspecified(local.address)) host = (this.routes ??= LocalRoutes.machine()).toward(peer);
    else host = local.address;
    const field = ownViaField(createVia({ transport: transport.protocol, host, port: local.port, branch: newBranch(), rport: true }));
    // Our Via goes on top of any others, and first in the message when there are none.
    const headers = getTopVia(request) ? beforeFirstVia(request.headers, field) : [field, ...request.headers];
    return { ...request, headers };
  }
}

/** `headers` with `field` inserted before the first Via (as prependHeader does with a name and value). */
function beforeFirstVia(headers: readonly HeaderField[], field: HeaderField): HeaderField[] {
  const at = headers.findIndex((h) => keyOf(h) === 'via');
  if (at < 0) return [...headers, field];
  return [...headers.slice(0, at), field, ...headers.slice(at)];
}

/** RFC 3261 8.1.1.7: the magic cookie, then enough randomness to be unique in space and time. */
export function newBranch(): string {
  return `z9hG4bK${randomHex(12)}`;
}
