/**
 * The clock every transaction timer runs on. Injected, so tests can step
 * time exactly (RFC 3261 17 timers A-K) instead of sleeping.
 */

export type TimerHandle = { readonly __timer: true };

export interface Clock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  setTimer(ms: number, fire: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** The process clock. Timers are unref'd: a pending retransmission never keeps Node alive. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(ms, fire) {
    const t = setTimeout(fire, ms);
    t.unref();
    return t as unknown as TimerHandle;
  },
  clearTimer(handle) {
    clearTimeout(handle as unknown as NodeJS.Timeout);
  },
};

interface PendingTimer {
  readonly id: number;
  readonly at: number;
  readonly fire: () => void;
}

/**
 * A clock that only moves when told to. advance() fires due timers in time
 * order (ties in creation order), including timers those timers arm.
 */
export class FakeClock implements Clock {
  private time = 0;
  private nextId = 1;
  private readonly timers = new Map<number, PendingTimer>();

  now(): number {
    return this.time;
  }

  setTimer(ms: number, fire: () => void): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.time + Math.max(0, ms), fire });
    return { __timer: true, id } as unknown as TimerHandle;
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete((handle as unknown as { id: number }).id);
  }

  /** Timers still armed. */
  get pending(): number {
    return this.timers.size;
  }

  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      let next: PendingTimer | undefined;
      for (const t of this.timers.values()) {
        if (t.at <= until && (!next || t.at < next.at || (t.at === next.at && t.id < next.id))) next = t;
      }
      if (!next) break;
      this.timers.delete(next.id);
      this.time = next.at;
      next.fire();
    }
    this.time = until;
  }
}
