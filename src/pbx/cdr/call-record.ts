// A call detail record: one row per call the B2BUA handled, written when the
// call ends. Who (extensions; an outside caller's number only as a sealed
// vault reference, it is PHI), when (started, answered, ended) and how it
// ended. Never logged whole: logs name the record id and outcome only.

export const CALL_OUTCOMES = ['answered', 'busy', 'no-answer', 'cancelled', 'failed', 'voicemail'] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

export interface CallRecord {
  /** The B2BUA's call id (also in its log lines). */
  readonly id: string;
  readonly practiceId: string;
  /** The calling extension; null for a caller from outside. */
  readonly callerExtension: string | null;
  /** An outside caller's number, sealed in the vault: the object id, never the number. */
  readonly callerNumberRef: string | null;
  readonly calleeExtension: string;
  /** Epoch milliseconds. */
  readonly startedAt: number;
  readonly answeredAt: number | null;
  readonly endedAt: number;
  readonly outcome: CallOutcome;
}

/** Talk time: answered to ended (0 for a call never answered). */
export function talkDurationMs(r: Pick<CallRecord, 'answeredAt' | 'endedAt'>): number {
  return r.answeredAt === null ? 0 : Math.max(0, r.endedAt - r.answeredAt);
}

/** Where the B2BUA hands finished calls. Must not throw; failures are the sink's to report. */
export interface CallRecordSink {
  record(record: CallRecord): void;
  /** Graceful stop: resolves once every record handed over is written (a sink that buffers). */
  close?(): Promise<void>;
}
