/**
 * Time as the auth and audit layers see it. Every timeout, lockout and TOTP
 * step is computed from an injected clock so tests can move time by hand
 * instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to; for tests and simulations. */
export class ManualClock implements Clock {
  #now: number;

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error('ManualClock only moves forward');
    this.#now += ms;
  }

  set(ms: number): void {
    this.#now = ms;
  }
}
