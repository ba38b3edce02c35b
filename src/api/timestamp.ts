// Times a request carries (a query's `from` and `to`): one schema and one
// parser, so no route turns a string into a Date on its own. RFC 3339 5.6
// allows a leap second (23:59:60), which a JavaScript Date cannot hold
// (new Date() is invalid and toISOString throws: it was a 500), and Ajv's
// date-time format lets through offsets without minutes ("+01") that
// Date.parse refuses. The schema's pattern narrows the format to what
// parseTimestamp reads, so such a time is a 400 at validation, before the
// role is checked (README: fields, then role), never a 500 in a handler.
import { Type } from '@sinclair/typebox';
import { ApiError } from './errors.ts';

const SYNTAX = '^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-5][0-9])(\\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})$';
const RFC3339 = new RegExp(SYNTAX);

/** A date-time field of a request: RFC 3339 with a time zone, seconds 00-59, up to nanoseconds. */
export function Timestamp(description: string) {
  return Type.String({ format: 'date-time', pattern: SYNTAX, description: `${description}; RFC 3339 with a zone, e.g. 2026-01-31T12:00:00Z (no leap second)` });
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * The instant an RFC 3339 date-time names, as the ISO 8601 UTC string the
 * stores compare (`2026-01-31T12:00:00.000Z`); null for anything else: bad
 * syntax, a day or hour that does not exist, a leap second, or an instant
 * outside the years 0000-9999 UTC (whose ISO form would not sort with the
 * rest).
 */
export function parseTimestamp(text: string): string | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  const zone = m[8]!;
  if (zone !== 'Z' && zone !== 'z') {
    const hours = Number(zone.slice(1, 3));
    const minutes = Number(zone.slice(4, 6));
    if (hours > 23 || minutes > 59) return null;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  }
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(1, 4).padEnd(3, '0'));
  // setUTCFullYear, not Date.UTC: Date.UTC reads the years 0-99 as 1900-1999.
  const at = new Date(0);
  at.setUTCFullYear(year, month - 1, day);
  at.setUTCHours(hour, minute - offsetMinutes, second, millis);
  const iso = at.toISOString();
  return /^[0-9]{4}-/.test(iso) ? iso : null;
}

/**
 * A validated query field as an ISO instant. The schema (Timestamp) has
 * checked its syntax; what is left is an instant beyond the year 9999 or
 * before 0000 once its offset is applied, refused in the same shape.
 */
export function queryTimestamp(text: string, field: string): string {
  const iso = parseTimestamp(text);
  if (iso !== null) return iso;
  const issue = { path: `querystring/${field}`, rule: 'format', message: 'must be a time in the years 0000 to 9999' };
  throw new ApiError('VALIDATION_FAILED', `invalid request querystring: ${issue.path} ${issue.message}`, { issues: [issue] });
}
