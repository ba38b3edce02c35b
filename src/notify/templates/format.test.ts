import { describe, expect, it } from 'vitest';
import { formatDuration, formatWhen } from './format.ts';

describe('formatDuration', () => {
  it.each([
    [0, '0 seconds'],
    [200, '1 second'],
    [1_499, '1 second'],
    [42_300, '42 seconds'],
    [60_000, '1 minute'],
    [61_000, '1 minute 1 second'],
    [185_000, '3 minutes 5 seconds'],
  ])('%d ms reads "%s"', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('formatWhen', () => {
  it('uses the zone given, and its daylight-saving name', () => {
    expect(formatWhen(new Date(Date.UTC(2026, 6, 4, 16, 30)), 'America/Chicago')).toBe('Jul 4, 2026, 11:30 AM CDT');
  });
});
