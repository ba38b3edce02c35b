import { describe, expect, it } from 'vitest';
import { parseTimestamp } from './timestamp.ts';

describe('parseTimestamp', () => {
  it('reads RFC 3339 times with a zone into the UTC instant', () => {
    expect(parseTimestamp('2026-01-31T12:00:00Z')).toBe('2026-01-31T12:00:00.000Z');
    expect(parseTimestamp('2024-01-01T00:59:59+01:00')).toBe('2023-12-31T23:59:59.000Z');
    expect(parseTimestamp('2024-01-01T00:00:00-05:30')).toBe('2024-01-01T05:30:00.000Z');
    expect(parseTimestamp('2024-02-29t12:00:00.5z')).toBe('2024-02-29T12:00:00.500Z');
    expect(parseTimestamp('2024-01-01T00:00:00.123456789Z')).toBe('2024-01-01T00:00:00.123Z');
    // Years under 100 stay themselves (Date.UTC would read 0050 as 1950).
    expect(parseTimestamp('0050-06-01T00:00:00Z')).toBe('0050-06-01T00:00:00.000Z');
  });

  it('refuses a leap second, with or without an offset', () => {
    expect(parseTimestamp('2016-12-31T23:59:60Z')).toBeNull();
    expect(parseTimestamp('2017-01-01T00:59:60+01:00')).toBeNull();
  });

  it('refuses days, hours and zones that do not exist, and what Date.parse would half-read', () => {
    for (const text of [
      '2023-02-29T00:00:00Z',
      '2024-04-31T00:00:00Z',
      '2024-13-01T00:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01T23:60:00Z',
      '2024-01-01T00:00:00+24:00',
      '2024-01-01T00:00:00+01',
      '2024-01-01T00:00:00+0100',
      '2024-01-01T00:00:00',
      '2024-01-01 00:00:00Z',
      '2024-01-01',
      ' 2024-01-01T00:00:00Z',
      '2024-01-01T00:00:00.1234567890Z',
    ]) {
      expect(parseTimestamp(text), text).toBeNull();
    }
  });

  it('refuses an instant an offset pushes outside the years 0000-9999', () => {
    expect(parseTimestamp('0000-01-01T00:00:00+00:01')).toBeNull();
    expect(parseTimestamp('9999-12-31T23:59:59-00:01')).toBeNull();
    expect(parseTimestamp('9999-12-31T23:59:59Z')).toBe('9999-12-31T23:59:59.000Z');
  });
});
