// A bounded job pool: at most `concurrency` jobs run at once (default one
// per core), at most `maxQueue` wait, each has a time limit. Transcription
// is CPU-heavy and bursty (a dozen voicemails land after a storm closes the
// office); bounding it keeps the SIP and RTP work on the box responsive.
// Jobs receive an AbortSignal that fires on timeout, caller abort or close,
// and must stop their child process when it does.

import { availableParallelism } from 'node:os';
import { TranscribeError } from './errors.ts';

export interface WorkerPoolOptions {
  readonly concurrency?: number;
  readonly maxQueue?: number;
  readonly timeoutMs?: number;
}

export type Job<T> = (signal: AbortSignal) => Promise<T>;

interface Pending<T> {
  readonly job: Job<T>;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (v: T) => void;
  readonly reject: (e: unknown) => void;
}

export class WorkerPool {
  readonly concurrency: number;
  readonly maxQueue: number;
  readonly timeoutMs: number;
  private readonly queue: Pending<unknown>[] = [];
  private readonly running = new Set<AbortController>();
  private closed = false;

  constructor(opts: WorkerPoolOptions = {}) {
    this.concurrency = Math.max(1, opts.concurrency ?? availableParallelism());
    this.maxQueue = Math.max(0, opts.maxQueue ?? 100);
    this.timeoutMs = opts.timeoutMs ?? 120_000;
  }

  get active(): number { return this.running.size; }
  get waiting(): number { return this.queue.length; }

  run<T>(job: Job<T>, opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<T> {
    if (this.closed) return Promise.reject(new TranscribeError('ABORTED', 'transcription pool is closed'));
    if (opts.signal?.aborted) return Promise.reject(new TranscribeError('ABORTED', 'transcription cancelled'));
    if (this.running.size >= this.concurrency && this.queue.length >= this.maxQueue) {
      return Promise.reject(new TranscribeError('QUEUE_FULL', 'transcription queue is full'));
    }
    return new Promise<T>((resolve, reject) => {
      const pending: Pending<T> = { job, timeoutMs: opts.timeoutMs ?? this.timeoutMs, signal: opts.signal, resolve, reject };
      const onAbort = (): void => {
        const i = this.queue.indexOf(pending as Pending<unknown>);
        if (i >= 0) {
          this.queue.splice(i, 1);
          reject(new TranscribeError('ABORTED', 'transcription cancelled'));
        }
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(pending as Pending<unknown>);
      this.pump();
    });
  }

  /** Rejects waiting jobs and aborts running ones. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new TranscribeError('ABORTED', 'transcription pool is closed'));
    for (const c of this.running) c.abort(new TranscribeError('ABORTED', 'transcription pool is closed'));
  }

  private pump(): void {
    while (this.running.size < this.concurrency && this.queue.length > 0) {
      const p = this.queue.shift()!;
      this.start(p);
    }
  }

  private start(p: Pending<unknown>): void {
    const controller = new AbortController();
    this.running.add(controller);
    const timer = setTimeout(
      () => controller.abort(new TranscribeError('TIMEOUT', `transcription exceeded ${p.timeoutMs} ms`)),
      p.timeoutMs,
    );
    const onCallerAbort = (): void => controller.abort(new TranscribeError('ABORTED', 'transcription cancelled'));
    p.signal?.addEventListener('abort', onCallerAbort, { once: true });
    // Settle on abort at once even if the job is slow to notice; the job's
    // own cleanup (killing its child) runs from the same signal.
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    Promise.race([p.job(controller.signal), aborted])
      .then(p.resolve, p.reject)
      .finally(() => {
        clearTimeout(timer);
        p.signal?.removeEventListener('abort', onCallerAbort);
        this.running.delete(controller);
        this.pump();
      });
  }
}
