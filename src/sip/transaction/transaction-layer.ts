/**
 * The transaction layer (RFC 3261 17): creates the four kinds of
 * transaction, finds the one a message belongs to, and forgets each when it
 * terminates. It knows nothing of sockets: every transaction is given a
 * TransactionChannel by the stack.
 */

import type { SipRequest, SipResponse } from '../message/index.ts';
import type { TransactionChannel } from './channel.ts';
import type { Clock } from './clock.ts';
import { CompletedTransactions } from './completed-transactions.ts';
import { InviteClientTransaction } from './invite-client-transaction.ts';
import { InviteServerTransaction } from './invite-server-transaction.ts';
import { NonInviteClientTransaction } from './non-invite-client-transaction.ts';
import { NonInviteServerTransaction } from './non-invite-server-transaction.ts';
import { TimerWheel } from './timer-wheel.ts';
import { DEFAULT_TIMERS, type TimerConfig } from './timers.ts';
import { clientKeyOfRequest, clientKeyOfResponse, serverKeyOfRequest } from './transaction-key.ts';
import type { ClientTransactionUser } from './user.ts';

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

export interface TransactionLayerOptions {
  readonly clock?: Clock;
  readonly timers?: Partial<TimerConfig>;
}

export class TransactionLayer {
  readonly clock: Clock;
  readonly timers: TimerConfig;
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly servers = new Map<string, ServerTransaction>();
  /** Non-INVITE server transactions in Completed over unreliable transports (RFC 3261 17.2.2), kept as a table. */
  private readonly completed: CompletedTransactions;
  /** The last request keyed by receiveRequest, so startServer for the same new request does not key it again. */
  private lastKeyed: SipRequest | undefined;
  private lastKey: string | undefined;

  /**
   * Told by each transaction as it terminates (its id is its key). One
   * function for all, not a closure per transaction: those lived as long as
   * their transaction (64*T1 after a 2xx), and each named closure the
   * runtime's transpiler makes costs a property definition.
   */
  private readonly forgetClient = (tx: { readonly id: string }): void => {
    if (this.clients.get(tx.id) === tx) this.clients.delete(tx.id);
  };

  private readonly forgetServer = (tx: { readonly id: string }): void => {
    if (this.servers.get(tx.id) === tx) this.servers.delete(tx.id);
  };

  /** The wheel this layer made for itself (no clock injected); emptied on terminateAll. */
  private readonly ownWheel: TimerWheel | undefined;

  constructor(options: TransactionLayerOptions = {}) {
    this.ownWheel = options.clock ? undefined : new TimerWheel();
    this.clock = options.clock ?? (this.ownWheel as TimerWheel);
    this.timers = { ...DEFAULT_TIMERS, ...options.timers };
    this.completed = new CompletedTransactions(this.clock);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  get serverCount(): number {
    return this.servers.size + this.completed.size;
  }

  /**
   * Starts a client transaction for `request`, whose top Via must carry a
   * fresh RFC 3261 branch. ACK is never sent in a transaction (17.1.1.3: the
   * ACK of a 2xx is the TU's own request); asking for one is a bug.
   */
  startClient(request: SipRequest, channel: TransactionChannel, user: ClientTransactionUser): ClientTransaction {
    if (request.method === 'ACK') throw new Error('ACK is sent without a client transaction');
    const key = clientKeyOfRequest(request);
    if (!key) throw new Error('client request needs a top Via with a branch');
    if (this.clients.has(key)) throw new Error('client transaction branch reused');
    const tx: ClientTransaction =
      request.method === 'INVITE'
        ? new InviteClientTransaction(key, request, channel, this.clock, this.timers, user, this.forgetClient)
        : new NonInviteClientTransaction(key, request, channel, this.clock, this.timers, user, this.forgetClient);
    this.clients.set(key, tx);
    tx.start();
    return tx;
  }

  /** RFC 3261 17.1.3: hands a response to its client transaction; false when none matches. */
  receiveResponse(response: SipResponse): boolean {
    const key = clientKeyOfResponse(response);
    const tx = key ? this.clients.get(key) : undefined;
    if (!tx) return false;
    tx.receiveResponse(response);
    return true;
  }

  /**
   * RFC 3261 17.2.3: hands a request to the server transaction it belongs to
   * (a retransmission, or the ACK of a non-2xx). False when none matches:
   * the request is new, or it is an ACK of a 2xx, which belongs to the TU.
   */
  receiveRequest(request: SipRequest): boolean {
    const key = serverKeyOfRequest(request);
    this.lastKeyed = request;
    this.lastKey = key;
    if (!key) return false;
    const tx = this.servers.get(key);
    if (!tx) return request.method !== 'ACK' && this.completed.resend(key);
    // An ACK for a non-INVITE key cannot happen (ACK maps to INVITE); a
    // request of another method with the same key is a broken peer.
    if (tx instanceof InviteServerTransaction || request.method !== 'ACK') tx.receiveRequest(request);
    return true;
  }

  /**
   * Creates the server transaction for a new request (not ACK). Returns
   * undefined when the request cannot be keyed (no usable Via), which the
   * parser already refuses, so only a hand-built request gets here.
   */
  startServer(request: SipRequest, channel: TransactionChannel): ServerTransaction | undefined {
    if (request.method === 'ACK') throw new Error('ACK never creates a server transaction');
    // Messages are immutable, so the key receiveRequest just made for this very object still holds.
    const key = this.lastKeyed === request ? this.lastKey : serverKeyOfRequest(request);
    this.lastKeyed = undefined;
    this.lastKey = undefined;
    if (!key) return undefined;
    const tx: ServerTransaction =
      request.method === 'INVITE'
        ? new InviteServerTransaction(key, request, channel, this.clock, this.timers, this.forgetServer)
        : new NonInviteServerTransaction(key, request, channel, this.clock, this.timers, this.forgetServer, this.completed);
    this.servers.set(key, tx);
    if (tx instanceof InviteServerTransaction) tx.start();
    return tx;
  }

  /** RFC 3261 9.2: the INVITE server transaction a CANCEL refers to. */
  findInviteForCancel(cancel: SipRequest): InviteServerTransaction | undefined {
    const key = serverKeyOfRequest(cancel, 'INVITE');
    const tx = key ? this.servers.get(key) : undefined;
    return tx instanceof InviteServerTransaction ? tx : undefined;
  }

  /** Ends every transaction without sending anything (stack shutdown). */
  terminateAll(): void {
    for (const tx of [...this.clients.values(), ...this.servers.values()]) tx.terminate();
    this.clients.clear();
    this.servers.clear();
    this.completed.clear();
    this.ownWheel?.clearAll();
  }
}
