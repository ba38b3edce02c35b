import { describe, expect, it } from 'vitest';
import { driverCodeOf, isDatabaseUnavailable } from './database-unavailable.ts';

const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each([
    'SQLITE_BUSY',
    'SQLITE_BUSY_SNAPSHOT',
    'SQLITE_LOCKED',
    'SQLITE_IOERR_WRITE',
    'SQLITE_FULL',
    'SQLITE_READONLY_DBMOVED',
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    '08006', // connection_failure
    '08001', // sqlclient_unable_to_establish_sqlconnection
    '53300', // too_many_connections
    '57P01', // admin_shutdown
    '57P03', // cannot_connect_now
  ])('takes %s for an outage (503)', (code) => {
    expect(isDatabaseUnavailable(coded(code))).toBe(true);
  });

  it.each([
    'SQLITE_CONSTRAINT_UNIQUE',
    'SQLITE_ERROR',
    'SQLITE_MISMATCH',
    '23505', // unique_violation
    '42P01', // undefined_table: a bug or a missing migration, not an outage
    '22P02', // invalid_text_representation
    '57014', // query_canceled
    'ENOENT',
  ])('takes %s for a bug (500)', (code) => {
    expect(isDatabaseUnavailable(coded(code))).toBe(false);
  });

  it("follows a wrapped cause, and knows pg's code-less pool errors", () => {
    expect(isDatabaseUnavailable(new Error('query failed', { cause: coded('ECONNREFUSED') }))).toBe(true);
    expect(isDatabaseUnavailable(new AggregateError([coded('ECONNREFUSED')], 'connect failed'))).toBe(true);
    expect(isDatabaseUnavailable(new AggregateError([coded('ENOENT')], 'other'))).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new AggregateError([], ''), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
    expect(isDatabaseUnavailable('ECONNREFUSED')).toBe(false);
  });

  it('logs the driver code only', () => {
    expect(driverCodeOf(coded('SQLITE_BUSY', 'database is locked: /srv/sotto/data/sotto.db'))).toBe('SQLITE_BUSY');
    expect(driverCodeOf(new Error('no code'))).toBe('none');
  });
});
