import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TimerWheel } from './timer-wheel.ts';

describe('TimerWheel', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const wheel = (): TimerWheel => new TimerWheel(() => Date.now());

  it('fires timers of different durations in deadline order, never early', () => {
    const w = wheel();
    const fired: string[] = [];
    w.setTimer(32_000, () => fired.push('J'));
    w.setTimer(500, () => fired.push('E1'));
    w.setTimer(4_000, () => fired.push('T2'));
    w.setTimer(500, () => fired.push('E1b'));
    vi.advanceTimersByTime(499);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(20);
    expect(fired).toEqual(['E1', 'E1b']);
    vi.advanceTimersByTime(4_000);
    expect(fired).toEqual(['E1', 'E1b', 'T2']);
    vi.advanceTimersByTime(28_000);
    expect(fired).toEqual(['E1', 'E1b', 'T2', 'J']);
    expect(w.pending).toBe(0);
  });

  it('never fires a cleared timer', () => {
    const w = wheel();
    const fired: string[] = [];
    const a = w.setTimer(1_000, () => fired.push('a'));
    w.setTimer(1_000, () => fired.push('b'));
    w.clearTimer(a);
    w.clearTimer(a);
    expect(w.pending).toBe(1);
    vi.advanceTimersByTime(2_000);
    expect(fired).toEqual(['b']);
  });

  it('fires a timer armed by a firing timer (retransmission doubling)', () => {
    const w = wheel();
    const fired: number[] = [];
    const retransmit = (interval: number): void => {
      w.setTimer(interval, () => {
        fired.push(interval);
        if (interval < 4_000) retransmit(interval * 2);
      });
    };
    retransmit(500);
    vi.advanceTimersByTime(10_000);
    expect(fired).toEqual([500, 1_000, 2_000, 4_000]);
  });

  it('wakes earlier when a shorter timer is armed after a longer one', () => {
    const w = wheel();
    const fired: string[] = [];
    w.setTimer(32_000, () => fired.push('long'));
    w.setTimer(100, () => fired.push('short'));
    vi.advanceTimersByTime(120);
    expect(fired).toEqual(['short']);
  });

  it('keeps firing the others when one timer throws', () => {
    const w = wheel();
    const fired: string[] = [];
    w.setTimer(100, () => {
      throw new Error('bug');
    });
    w.setTimer(100, () => fired.push('next'));
    expect(() => vi.advanceTimersByTime(200)).toThrow('bug');
    expect(fired).toEqual(['next']);
  });

  it('clearAll drops everything pending', () => {
    const w = wheel();
    const fired: string[] = [];
    w.setTimer(100, () => fired.push('x'));
    w.clearAll();
    vi.advanceTimersByTime(1_000);
    expect(fired).toEqual([]);
    expect(w.pending).toBe(0);
  });

  it('stops a pass under way when a firing timer clears everything (stack shutdown from a callback)', () => {
    const w = wheel();
    const fired: string[] = [];
    w.setTimer(500, () => {
      fired.push('first');
      w.clearAll();
    });
    w.setTimer(500, () => fired.push('same queue'));
    w.setTimer(501, () => fired.push('other queue'));
    vi.advanceTimersByTime(1_000);
    expect(fired).toEqual(['first']);
    expect(w.pending).toBe(0);
    w.setTimer(100, () => fired.push('after'));
    expect(w.pending).toBe(1);
    vi.advanceTimersByTime(200);
    expect(fired).toEqual(['first', 'after']);
  });
});
