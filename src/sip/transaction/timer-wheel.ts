/**
 * The process clock for transaction timers: every RFC 3261 17 timer of the
 * stack on one Node timeout.
 *
 * Why not one setTimeout per timer: a UDP server transaction arms Timer J
 * (32 s) for every request it answers, so at a few thousand requests a
 * second tens of thousands of Node Timeout objects are alive at once, each
 * made with two native calls (the loop's time, unref) and async-hook ids,
 * and each outliving two young-generation collections. Here a timer is one
 * small record in a queue.
 *
 * Timers are kept in one FIFO queue per duration. The stack uses a handful
 * of durations (T1 doublings, T2, T4, 64*T1), and within one duration the
 * order of arming is the order of expiry, so each queue is sorted for free
 * and the next deadline is the smallest queue head. A cleared timer is
 * marked and skipped when its turn comes (lazy deletion): clearing is O(1).
 *
 * Timers fire late by at most GRANULARITY_MS, never early: the RFC's timers
 * are lower bounds ("at least 32 seconds", 17.1.1.2) or retransmission
 * intervals whose precision no peer can observe across a network.
 */

import type { Clock, TimerHandle } from './clock.ts';

/** Due timers are collected this coarsely, so one wake-up serves a burst of them. */
const GRANULARITY_MS = 10;

interface Entry {
  readonly at: number;
  fire: (() => void) | undefined;
}

/** A FIFO of entries of one duration; `head` moves instead of shifting the array. */
class DurationQueue {
  entries: Entry[] = [];
  head = 0;

  get next(): Entry | undefined {
    return this.entries[this.head];
  }

  push(e: Entry): void {
    this.entries.push(e);
  }

  pop(): void {
    this.entries[this.head] = undefined as unknown as Entry;
    this.head++;
    // Reclaim the consumed prefix once it is half the array.
    if (this.head === this.entries.length) {
      this.entries = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}

export class TimerWheel implements Clock {
  private readonly queues = new Map<number, DurationQueue>();
  private armedAt = Infinity;
  private timeout: NodeJS.Timeout | undefined;
  private live = 0;
  /** Bumped by clearAll(), so a pass under way stops firing what was cleared. */
  private generation = 0;

  constructor(private readonly clockNow: () => number = () => performance.now()) {}

  now(): number {
    return this.clockNow();
  }

  /** Timers armed and not yet fired or cleared. */
  get pending(): number {
    return this.live;
  }

  setTimer(ms: number, fire: () => void): TimerHandle {
    const delay = Math.max(0, ms);
    const at = this.clockNow() + delay;
    const entry: Entry = { at, fire };
    let q = this.queues.get(delay);
    if (!q) {
      q = new DurationQueue();
      this.queues.set(delay, q);
    }
    q.push(entry);
    this.live++;
    if (at < this.armedAt) this.arm(at);
    return entry as unknown as TimerHandle;
  }

  clearTimer(handle: TimerHandle): void {
    const entry = handle as unknown as Entry;
    if (entry.fire === undefined) return;
    entry.fire = undefined;
    this.live--;
    // The entry stays queued until its deadline; the Node timeout is left as
    // it is (a spurious wake-up costs less than finding the next deadline).
  }

  /** Drops every pending timer (stack shutdown). */
  clearAll(): void {
    this.generation++;
    this.queues.clear();
    this.live = 0;
    if (this.timeout) clearTimeout(this.timeout);
    this.timeout = undefined;
    this.armedAt = Infinity;
  }

  private arm(at: number): void {
    if (this.timeout) clearTimeout(this.timeout);
    this.armedAt = at;
    const wait = Math.max(0, at - this.clockNow());
    // Rounded up to the granularity: late by a few ms, never early.
    this.timeout = setTimeout(this.onTimeout, Math.ceil(wait / GRANULARITY_MS) * GRANULARITY_MS);
    // A pending retransmission never keeps Node alive.
    this.timeout.unref();
  }

  private readonly onTimeout = (): void => {
    this.timeout = undefined;
    this.armedAt = Infinity;
    const now = this.clockNow();
    // Timers armed by a firing timer are at least 0 ms later and join their
    // queue's tail; this pass fires only what was due when it began.
    let next = Infinity;
    let failure: { error: unknown } | undefined;
    const generation = this.generation;
    for (const [delay, q] of this.queues) {
      if (this.generation !== generation) break;
      for (let e = q.next; e !== undefined && this.generation === generation; e = q.next) {
        if (e.at > now) {
          if (e.at < next) next = e.at;
          break;
        }
        q.pop();
        const fire = e.fire;
        if (fire === undefined) continue;
        e.fire = undefined;
        this.live--;
        try {
          fire();
        } catch (error) {
          // One timer's bug must not starve the others: it is rethrown once they ran.
          failure ??= { error };
        }
      }
      if (q.next === undefined) this.queues.delete(delay);
    }
    if (this.generation !== generation) next = Infinity;
    // Queues that a fired timer armed anew may now hold an earlier head.
    for (const q of this.queues.values()) {
      const head = q.next;
      if (head && head.at < next) next = head.at;
    }
    if (next < Infinity && next < this.armedAt) this.arm(next);
    if (failure) throw failure.error;
  };
}
