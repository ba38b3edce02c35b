/**
 * Nonce-count replay protection (RFC 7616 3.4.5 / RFC 2617 3.2.2): for each
 * nonce the server remembers the highest nc it accepted and refuses any nc
 * not above it.
 *
 * Memory is bounded: at most `capacity` nonces are tracked, oldest issued
 * first out. When a nonce is evicted, every nonce issued at or before it
 * becomes "forgotten": its next use is answered as stale, so the client
 * fetches a fresh nonce instead of the guard accepting a possible replay.
 * Entries also leave once their nonce can no longer be valid.
 */

export type ReplayVerdict = 'fresh' | 'replay' | 'forgotten';

interface Entry {
  issuedAt: number;
  nc: number;
}

export interface ReplayGuardOptions {
  readonly capacity?: number;
  /** Nonce lifetime in ms: entries older than this are dropped. */
  readonly lifetimeMs: number;
}

export class ReplayGuard {
  private readonly entries = new Map<string, Entry>();
  private readonly capacity: number;
  private readonly lifetimeMs: number;
  /** Nonces issued at or before this instant that are not tracked are refused as forgotten. */
  private forgetBefore = -Infinity;

  constructor(options: ReplayGuardOptions) {
    this.capacity = options.capacity ?? 100_000;
    this.lifetimeMs = options.lifetimeMs;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Records `nc` for a nonce that passed its MAC and age checks and whose
   * digest was right. Only then: an attacker must not be able to advance a
   * victim's counter.
   */
  use(nonce: string, issuedAt: number, nc: number, now: number): ReplayVerdict {
    const entry = this.entries.get(nonce);
    if (entry) {
      if (nc <= entry.nc) return 'replay';
      entry.nc = nc;
      return 'fresh';
    }
    if (issuedAt <= this.forgetBefore) return 'forgotten';
    this.prune(now);
    while (this.entries.size >= this.capacity) this.evictOldest();
    this.entries.set(nonce, { issuedAt, nc });
    return 'fresh';
  }

  private prune(now: number): void {
    // Map iteration is insertion order, close to issue order; stop at the first live one.
    for (const [nonce, e] of this.entries) {
      if (now - e.issuedAt <= this.lifetimeMs) break;
      this.entries.delete(nonce);
    }
  }

  private evictOldest(): void {
    const first = this.entries.entries().next();
    if (first.done) return;
    const [nonce, e] = first.value;
    this.entries.delete(nonce);
    this.forgetBefore = Math.max(this.forgetBefore, e.issuedAt);
  }
}
