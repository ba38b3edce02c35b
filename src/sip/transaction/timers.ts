/**
 * RFC 3261 17 timer values (Table 4 in appendix A), per transport kind.
 *
 * On a reliable transport the retransmission timers (A, E, G) never run and
 * the "wait for retransmissions" timers (D, I, J, K) are zero: nothing will
 * be retransmitted by a peer that has TCP doing it.
 */

export interface TimerConfig {
  /** RTT estimate, 500 ms by default (RFC 3261 17.1.1.1). */
  readonly T1: number;
  /** Cap on non-INVITE request and INVITE response retransmit interval, 4 s. */
  readonly T2: number;
  /** Maximum time a message stays in the network, 5 s. */
  readonly T4: number;
}

export const DEFAULT_TIMERS: TimerConfig = Object.freeze({ T1: 500, T2: 4000, T4: 5000 });

/**
 * RFC 3261 17.2.1: an INVITE server transaction sends 100 Trying unless the
 * TU answers within 200 ms; it waits this long for the TU.
 */
export const TRYING_DELAY_MS = 200;

/** 64*T1: Timers B, F, H, J (unreliable), L and M (RFC 6026). */
export function transactionTimeout(t: TimerConfig): number {
  return 64 * t.T1;
}

/** RFC 3261 17.1.1.2: Timer D "at least 32 seconds" on unreliable, 0 on reliable. */
export function timerD(t: TimerConfig, reliable: boolean): number {
  return reliable ? 0 : Math.max(32_000, 64 * t.T1);
}

/** RFC 3261 17.1.2.2 Timer K and 17.2.1 Timer I: T4 on unreliable, 0 on reliable. */
export function timerT4(t: TimerConfig, reliable: boolean): number {
  return reliable ? 0 : t.T4;
}

/** RFC 3261 17.2.2 Timer J: 64*T1 on unreliable, 0 on reliable. */
export function timerJ(t: TimerConfig, reliable: boolean): number {
  return reliable ? 0 : 64 * t.T1;
}
