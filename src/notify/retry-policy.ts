// How often and how long a notice is retried while SMTP is down.
// Exponential backoff, capped, with a bounded number of attempts: with the
// defaults a notice is tried 8 times over about two hours, then kept as
// failed for an operator to see (never silently dropped, never retried
// forever against a server that will not take it).

export interface RetryPolicy {
  /** Attempts in total, the first one included. */
  maxAttempts: number;
  /** Wait after the first failure. */
  initialDelayMs: number;
  /** Each later wait is the previous one times this. */
  multiplier: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 8,
  initialDelayMs: 30_000,
  multiplier: 2,
  maxDelayMs: 60 * 60_000,
};

/**
 * The wait before the next attempt after `attemptsMade` failed attempts, or
 * undefined when the attempts are used up. No jitter: notices are few, and a
 * deterministic schedule is what an operator reading the outbox expects.
 */
export function retryDelay(policy: RetryPolicy, attemptsMade: number): number | undefined {
  if (attemptsMade < 1) throw new Error('retryDelay: at least one attempt was made');
  if (attemptsMade >= policy.maxAttempts) return undefined;
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** (attemptsMade - 1));
}
