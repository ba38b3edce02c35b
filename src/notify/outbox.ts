// The outbox: notices waiting to be sent, so one is not lost while SMTP is
// down or Sotto restarts. It stores jobs (ids, see notice-job.ts), never a
// rendered mail. The in-memory store here serves tests and a single process;
// the lead backs the same interface with a table (one row per entry, the job
// as JSON, a unique index on `key` among pending rows).
import { randomUUID } from 'node:crypto';
import type { NotifyErrorCode } from './errors.ts';
import { jobKey, toStoredJob, type NoticeJob } from './notice-job.ts';

export type OutboxState = 'pending' | 'failed';

export interface OutboxEntry {
  id: string;
  /** Dedupe key (jobKey): at most one pending entry per key. */
  key: string;
  job: NoticeJob;
  state: OutboxState;
  /** Attempts started so far (claimDue counts one when it hands the entry out). */
  attempts: number;
  /** When the entry is next due; while claimed, when the claim lapses. */
  nextAttemptAt: number;
  createdAt: number;
  lastErrorCode?: NotifyErrorCode;
}

export interface OutboxStore {
  /** Stores a pending job due now; returns the pending entry already there for the same key instead of a second one. */
  add(job: NoticeJob, now: number): Promise<OutboxEntry>;
  /**
   * Hands out up to `limit` pending entries due at `now`, oldest due first,
   * each with its attempt counted and its due time moved to `leaseUntil`: a
   * worker that dies mid-send leaves the entry to be picked up again then,
   * and a second worker does not take it meanwhile.
   */
  claimDue(now: number, leaseUntil: number, limit: number): Promise<OutboxEntry[]>;
  /** Sent, or nothing left to send: the entry goes. */
  complete(id: string): Promise<void>;
  /** Failed for now: due again at `nextAttemptAt`. */
  retryLater(id: string, nextAttemptAt: number, code: NotifyErrorCode): Promise<void>;
  /** Given up: kept as failed (for the operator to see), never handed out again. */
  fail(id: string, code: NotifyErrorCode): Promise<void>;
  /** The earliest due time among pending entries. */
  nextDueAt(): Promise<number | undefined>;
  list(): Promise<OutboxEntry[]>;
}

export class MemoryOutboxStore implements OutboxStore {
  readonly #entries = new Map<string, OutboxEntry>();

  async add(job: NoticeJob, now: number): Promise<OutboxEntry> {
    const stored = toStoredJob(job);
    const key = jobKey(stored);
    for (const e of this.#entries.values()) if (e.key === key && e.state === 'pending') return { ...e };
    const entry: OutboxEntry = { id: randomUUID(), key, job: stored, state: 'pending', attempts: 0, nextAttemptAt: now, createdAt: now };
    this.#entries.set(entry.id, entry);
    return { ...entry };
  }

  async claimDue(now: number, leaseUntil: number, limit: number): Promise<OutboxEntry[]> {
    const due = [...this.#entries.values()]
      .filter((e) => e.state === 'pending' && e.nextAttemptAt <= now)
      .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.createdAt - b.createdAt)
      .slice(0, limit);
    for (const e of due) {
      e.attempts += 1;
      e.nextAttemptAt = leaseUntil;
    }
    return due.map((e) => ({ ...e }));
  }

  async complete(id: string): Promise<void> {
    this.#entries.delete(id);
  }

  async retryLater(id: string, nextAttemptAt: number, code: NotifyErrorCode): Promise<void> {
    const e = this.#entries.get(id);
    if (e === undefined) return;
    e.nextAttemptAt = nextAttemptAt;
    e.lastErrorCode = code;
  }

  async fail(id: string, code: NotifyErrorCode): Promise<void> {
    const e = this.#entries.get(id);
    if (e === undefined) return;
    e.state = 'failed';
    e.lastErrorCode = code;
  }

  async nextDueAt(): Promise<number | undefined> {
    let min: number | undefined;
    for (const e of this.#entries.values()) if (e.state === 'pending' && (min === undefined || e.nextAttemptAt < min)) min = e.nextAttemptAt;
    return min;
  }

  async list(): Promise<OutboxEntry[]> {
    return [...this.#entries.values()].map((e) => ({ ...e }));
  }
}
