import { describe, expect, it } from 'vitest';
import { LogThrottle } from './log-throttle.ts';

describe('LogThrottle', () => {
  const at = (start = 1_000_000) => {
    let t = start;
    return { now: () => t, advance: (ms: number) => (t += ms), set: (ms: number) => (t = ms) };
  };

  it('lets the first line of a window through, counts the rest, and reports them with the next line', () => {
    const clock = at();
    const lines = new LogThrottle({ windowMs: 1000, now: clock.now });
    expect(lines.due('10.0.0.1')).toBe(0);
    for (let i = 0; i < 499; i++) expect(lines.due('10.0.0.1')).toBeUndefined();
    clock.advance(999);
    expect(lines.due('10.0.0.1')).toBeUndefined();
    clock.advance(1);
    // 500 attempts stood behind the first line.
    expect(lines.due('10.0.0.1')).toBe(500);
    clock.advance(1000);
    expect(lines.due('10.0.0.1')).toBe(0);
  });

  it('keeps a window per key', () => {
    const clock = at();
    const lines = new LogThrottle({ windowMs: 1000, now: clock.now });
    expect(lines.due('a')).toBe(0);
    expect(lines.due('b')).toBe(0);
    expect(lines.due('a')).toBeUndefined();
    expect(lines.due('b')).toBeUndefined();
    expect(lines.due('c')).toBe(0);
  });

  it('opens a new window when the clock went back', () => {
    const clock = at();
    const lines = new LogThrottle({ windowMs: 60_000, now: clock.now });
    expect(lines.due('port')).toBe(0);
    expect(lines.due('port')).toBeUndefined();
    clock.set(5_000);
    expect(lines.due('port')).toBe(1);
  });

  it('remembers at most maxKeys keys: a flood from new addresses costs one line each, not memory', () => {
    const clock = at();
    const lines = new LogThrottle({ windowMs: 1000, now: clock.now, maxKeys: 3 });
    for (const key of ['a', 'b', 'c']) expect(lines.due(key)).toBe(0);
    expect(lines.due('a')).toBeUndefined();
    // The table started over at the fourth key: 'a' is new again.
    expect(lines.due('d')).toBe(0);
    expect(lines.due('a')).toBe(0);
  });
});
