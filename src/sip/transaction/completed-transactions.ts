/**
 * The Completed state of non-INVITE server transactions over unreliable
 * transports (RFC 3261 17.2.2), held by the transaction layer as a table
 * instead of by each transaction object:
 *
 *   "Once in the Completed state, the server transaction MUST pass the
 *    final response to the transport layer for transmission whenever a
 *    retransmission of the request is received. ... When the server
 *    transaction enters the Completed state, it MUST set Timer J to fire
 *    in 64*T1 seconds for unreliable transports ... When Timer J fires,
 *    the server transaction MUST transition to the Terminated state."
 *
 * All that state needs is the transaction key and a way to send the same
 * bytes again (the channel's resend()). Every answered REGISTER over UDP
 * sits in Completed for 32 s; held per transaction (the transaction
 * object, its Timer J record and closure, its user hooks), those were what
 * a busy registrar kept alive and the garbage collector copied and marked,
 * about a quarter of a registration's CPU. Here an entry is the key, the
 * channel and one slot in three arrays.
 *
 * Timer J is the same for every entry of a layer (64*T1), so entries
 * expire in the order they were added: a FIFO swept by one timer. An entry
 * whose wait were shorter than an earlier one's would expire late, never
 * early: Timer J is a lower bound.
 */

import type { TransactionChannel } from './channel.ts';
import type { Clock, TimerHandle } from './clock.ts';

export class CompletedTransactions {
  private readonly byKey = new Map<string, TransactionChannel>();
  // Parallel arrays, not an object per entry: the entry's slots are all it costs.
  private keys: Array<string | undefined> = [];
  private channels: Array<TransactionChannel | undefined> = [];
  private deadlines: number[] = [];
  private head = 0;
  private timer: TimerHandle | undefined;

  constructor(private readonly clock: Clock) {}

  /** Transactions in Completed. */
  get size(): number {
    return this.byKey.size;
  }

  /** A transaction entered Completed: its final response goes out again on retransmissions until Timer J (`waitMs`). */
  add(key: string, channel: TransactionChannel, waitMs: number): void {
    this.byKey.set(key, channel);
    this.keys.push(key);
    this.channels.push(channel);
    this.deadlines.push(this.clock.now() + waitMs);
    this.timer ??= this.clock.setTimer(waitMs, this.expire);
  }

  /**
   * RFC 3261 17.2.2: a retransmission of the request of a Completed
   * transaction gets the final response again. False when no transaction
   * with this key is Completed. A transport error ends the transaction.
   */
  resend(key: string): boolean {
    const channel = this.byKey.get(key);
    if (!channel) return false;
    if (!channel.resend) return true;
    void channel.resend().then((sent) => {
      if (!sent && this.byKey.get(key) === channel) this.byKey.delete(key);
    });
    return true;
  }

  /** Ends every transaction (stack shutdown). */
  clear(): void {
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.byKey.clear();
    this.keys = [];
    this.channels = [];
    this.deadlines = [];
    this.head = 0;
  }

  /** Timer J of the oldest entries: they move to Terminated and are forgotten. */
  private readonly expire = (): void => {
    this.timer = undefined;
    const now = this.clock.now();
    while (this.head < this.keys.length && (this.deadlines[this.head] as number) <= now) {
      const key = this.keys[this.head] as string;
      // The key may have been taken again since (a peer reusing a branch): only this entry's own goes.
      if (this.byKey.get(key) === this.channels[this.head]) this.byKey.delete(key);
      this.keys[this.head] = undefined;
      this.channels[this.head] = undefined;
      this.head++;
    }
    if (this.head === this.keys.length) {
      this.keys = [];
      this.channels = [];
      this.deadlines = [];
      this.head = 0;
      return;
    }
    // Reclaim the consumed prefix once it is half the arrays.
    if (this.head > 1024 && this.head * 2 > this.keys.length) {
      this.keys = this.keys.slice(this.head);
      this.channels = this.channels.slice(this.head);
      this.deadlines = this.deadlines.slice(this.head);
      this.head = 0;
    }
    this.timer = this.clock.setTimer((this.deadlines[this.head] as number) - now, this.expire);
  };
}
