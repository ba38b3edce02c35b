// Time and timers as the notifier sees them, injected so tests move time by
// hand instead of sleeping.

export interface Scheduler {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `fn` once, `delayMs` from now. Returns a cancel function. */
  setTimer(delayMs: number, fn: () => void): () => void;
}

export const systemScheduler: Scheduler = {
  now: () => Date.now(),
  setTimer(delayMs, fn) {
    // Node caps timers at 2^31-1 ms; later wake-ups are re-armed by the caller.
    const t = setTimeout(fn, Math.min(Math.max(0, delayMs), 2 ** 31 - 1));
    // A pending retry must not keep the process alive at shutdown.
    t.unref();
    return () => clearTimeout(t);
  },
};

/** A scheduler whose time moves only when told to; timers fire during advance(). */
export class ManualScheduler implements Scheduler {
  #now: number;
  #timers: Array<{ at: number; seq: number; fn: () => void }> = [];
  #seq = 0;

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimer(delayMs: number, fn: () => void): () => void {
    const timer = { at: this.#now + Math.max(0, delayMs), seq: this.#seq++, fn };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Timers not yet fired. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Moves time forward, firing every timer that falls due, in time order. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error('ManualScheduler only moves forward');
    const until = this.#now + ms;
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#now = Math.max(this.#now, due.at);
      due.fn();
    }
    this.#now = until;
  }
}
