// One log line per key per window, the line carrying how many it stands for.
//
// What an attacker can repeat must not cost a log write each: a flood of
// REGISTERs, INVITEs or SUBSCRIBEs with bad credentials (thousands a second
// from a scanner) would otherwise spend most of its CPU in the logger and
// fill the disk for the attacker. Same for a condition that recurs on every
// call (an RTP port held by another program). The first line of a window is
// written, the rest are counted, and the next line written for that key says
// how many were not (`suppressedSinceLast`).
//
// Keys are kept in memory only (a source address, say) and never logged.
// Their number is bounded: past `maxKeys` the table starts over, so a flood
// from many addresses costs at most one line per new address, not memory.

export interface LogThrottleOptions {
  readonly windowMs: number;
  readonly now: () => number;
  /** Keys remembered before the table starts over; default 10,000. */
  readonly maxKeys?: number;
}

interface Window {
  at: number;
  suppressed: number;
}

export class LogThrottle {
  private readonly windows = new Map<string, Window>();
  private readonly maxKeys: number;

  constructor(private readonly o: LogThrottleOptions) {
    this.maxKeys = Math.max(1, o.maxKeys ?? 10_000);
  }

  /**
   * Whether a line for `key` is due now: undefined while its window lasts
   * (this one is counted instead), else the number not written since the
   * last line for that key (0 for a first line). A clock that went back
   * opens a new window.
   */
  due(key: string): number | undefined {
    const now = this.o.now();
    const seen = this.windows.get(key);
    if (seen) {
      if (now - seen.at < this.o.windowMs && now >= seen.at) {
        seen.suppressed++;
        return undefined;
      }
      const suppressed = seen.suppressed;
      seen.at = now;
      seen.suppressed = 0;
      return suppressed;
    }
    // Starting over is simpler than LRU and enough: the bound is against floods, not for accuracy.
    if (this.windows.size >= this.maxKeys) this.windows.clear();
    this.windows.set(key, { at: now, suppressed: 0 });
    return 0;
  }
}
