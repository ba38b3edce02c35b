import { describe, expect, it } from 'vitest';
import { WorkerPool } from './worker-pool.ts';

/** A job that finishes when the test says so (or rejects when its signal fires). */
function gate(): { job: (s: AbortSignal) => Promise<string>; open: (v: string) => void; started: Promise<void>; signal?: AbortSignal } {
  let open!: (v: string) => void;
  let markStarted!: () => void;
  const started = new Promise<void>((r) => { markStarted = r; });
  const g: ReturnType<typeof gate> = {
    started,
    open: (v) => open(v),
    job: (signal) => {
      g.signal = signal;
      markStarted();
      return new Promise<string>((resolve, reject) => {
        open = resolve;
        signal.addEventListener('abort', () => reject(signal.reason));
      });
    },
  };
  return g;
}

describe('WorkerPool', () => {
  it('runs at most `concurrency` jobs; the rest wait their turn', async () => {
    const pool = new WorkerPool({ concurrency: 2, maxQueue: 5 });
    const gates = [gate(), gate(), gate()];
    const results = gates.map((g) => pool.run(g.job));
    await Promise.all([gates[0]!.started, gates[1]!.started]);
    expect([pool.active, pool.waiting]).toEqual([2, 1]);
    gates[0]!.open('a');
    await gates[2]!.started;
    gates[1]!.open('b');
    gates[2]!.open('c');
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c']);
  });

  it('refuses with QUEUE_FULL when the queue is at its bound', async () => {
    const pool = new WorkerPool({ concurrency: 1, maxQueue: 1 });
    const g1 = gate();
    const g2 = gate();
    const p1 = pool.run(g1.job);
    const p2 = pool.run(g2.job);
    await expect(pool.run(gate().job)).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    g1.open('1');
    await g2.started;
    g2.open('2');
    await expect(Promise.all([p1, p2])).resolves.toEqual(['1', '2']);
  });

  it('aborts a job that overruns its time limit with TIMEOUT, and the next job runs', async () => {
    const pool = new WorkerPool({ concurrency: 1, timeoutMs: 5 });
    const stuck = gate();
    const next = gate();
    const p1 = pool.run(stuck.job);
    const p2 = pool.run(next.job);
    await expect(p1).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(stuck.signal?.aborted).toBe(true);
    await next.started;
    next.open('ok');
    await expect(p2).resolves.toBe('ok');
  });

  it('a caller abort removes a waiting job, and close() rejects the rest with ABORTED', async () => {
    const pool = new WorkerPool({ concurrency: 1 });
    const running = gate();
    const p1 = pool.run(running.job);
    const ac = new AbortController();
    const p2 = pool.run(gate().job, { signal: ac.signal });
    ac.abort();
    await expect(p2).rejects.toMatchObject({ code: 'ABORTED' });
    await running.started;
    const p3 = pool.run(gate().job);
    await pool.close();
    await expect(p1).rejects.toMatchObject({ code: 'ABORTED' });
    await expect(p3).rejects.toMatchObject({ code: 'ABORTED' });
    await expect(pool.run(gate().job)).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
