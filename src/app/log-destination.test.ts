import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { TurnBatchedDestination, type FdWriter } from './log-destination.ts';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A writer that records each write and takes at most `room` bytes before saying EAGAIN. */
function pipeLike(room = Infinity): { write: FdWriter; writes: string[]; room: number } {
  const state = {
    writes: [] as string[],
    room,
    write: (bytes: Buffer): number => {
      if (state.room <= 0) throw Object.assign(new Error('full'), { code: 'EAGAIN' });
      const n = Math.min(bytes.length, state.room);
      state.room -= n;
      state.writes.push(bytes.subarray(0, n).toString('utf8'));
      return n;
    },
  };
  return state;
}

describe('TurnBatchedDestination', () => {
  it('writes the lines of one event-loop turn with one write, in order, at the end of that turn', async () => {
    const out = pipeLike();
    const d = new TurnBatchedDestination(-1, { write: out.write });
    d.write('a\n');
    d.write('b\n');
    d.write('ç\n');
    expect(out.writes).toEqual([]);
    await turn();
    expect(out.writes).toEqual(['a\nb\nç\n']);
    d.write('c\n');
    await turn();
    expect(out.writes).toEqual(['a\nb\nç\n', 'c\n']);
  });

  it('keeps what a full pipe did not take and sends it first, nothing lost or reordered', async () => {
    const out = pipeLike(3);
    const d = new TurnBatchedDestination(-1, { write: out.write, retryMs: 1 });
    d.write('one\n');
    d.write('two\n');
    await turn();
    expect(out.writes).toEqual(['one']);
    d.write('three\n');
    out.room = Infinity;
    d.flush();
    expect(out.writes.join('')).toBe('one\ntwo\nthree\n');
  });

  it('drops lines past its bound while the reader is stuck, and says how many once it drains', async () => {
    const out = pipeLike(0);
    const d = new TurnBatchedDestination(-1, { write: out.write, maxPendingBytes: 10, retryMs: 1 });
    expect(d.write('12345\n')).toBe(true);
    expect(d.write('67890\n')).toBe(false);
    expect(d.write('abcde\n')).toBe(false);
    await turn();
    out.room = Infinity;
    d.flush();
    const [first, second] = out.writes.join('').split('\n');
    expect(first).toBe('12345');
    expect(JSON.parse(second!)).toMatchObject({ level: 40, event: 'log.dropped', count: 2 });
  });

  it('at exit, waits out a full pipe (a non-blocking standard output) rather than drop the last lines', () => {
    const out = pipeLike(2);
    let refusals = 0;
    const d = new TurnBatchedDestination(-1, {
      write: (bytes) => {
        // Full twice more after the first two bytes, then drained.
        if (out.room === 0 && ++refusals === 3) out.room = Infinity;
        return out.write(bytes);
      },
    });
    d.write('last words\n');
    d.flushAtExit(1000);
    expect(out.writes.join('')).toBe('last words\n');
    expect(refusals).toBe(3);
  });

  it('stops writing, without throwing into the caller, once the reader is gone', async () => {
    let calls = 0;
    const d = new TurnBatchedDestination(-1, {
      write: () => {
        calls++;
        throw Object.assign(new Error('gone'), { code: 'EPIPE' });
      },
    });
    d.write('x\n');
    await turn();
    expect(d.write('y\n')).toBe(false);
    await turn();
    expect(calls).toBe(1);
  });

  it("writes a crashing server's last lines (pending at the uncaught exception) to standard output", () => {
    const script = `
      import { createLogger } from './src/app/logger.ts';
      const log = createLogger('info');
      log.info({ event: 'before.crash' }, 'x');
      throw new Error('boom');
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd(), encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stdout).toContain('"event":"before.crash"');
  });
});
