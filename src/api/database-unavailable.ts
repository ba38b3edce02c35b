/**
 * Is a driver error "the database cannot serve us right now" (503, retry)
 * rather than a bug (500)? Only the error's code is read, never its message
 * text beyond pg's few code-less pool errors: messages can name hosts and
 * roles, and none of it is logged.
 */

/**
 * better-sqlite3 codes (https://www.sqlite.org/rescode.html): another process
 * holds the lock past busy_timeout, the disk failed, filled up or went
 * read-only. Extended codes (SQLITE_IOERR_WRITE …) share the primary prefix.
 */
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|PROTOCOL|NOLFS)(_|$)/;

/**
 * PostgreSQL SQLSTATE (Appendix A of its manual): class 08 connection
 * exception, class 53 insufficient resources (too many connections, disk
 * full), 57P01-57P03 administrator or crash shutdown and "cannot connect now"
 * (starting up, recovery).
 */
const PG_UNAVAILABLE = /^(08[0-9A-Z]{3}|53[0-9A-Z]{3}|57P0[1-3])$/;

/** Socket errors of pg's connection to the server. */
const NETWORK_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/** pg's pool reports these without a code. */
const PG_POOL_MESSAGES = ['Connection terminated unexpectedly', 'Connection terminated due to connection timeout', 'timeout exceeded when trying to connect'];

export function isDatabaseUnavailable(err: unknown): boolean {
  // pg wraps socket failures (an AggregateError for a dual-stack refusal); follow the causes a few steps.
  for (let e = err, depth = 0; e !== null && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (SQLITE_UNAVAILABLE.test(code) || PG_UNAVAILABLE.test(code) || NETWORK_UNAVAILABLE.has(code))) return true;
    const inner = (e as { errors?: unknown }).errors;
    if (Array.isArray(inner) && inner.some((x) => x !== e && isDatabaseUnavailable(x))) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof code !== 'string' && typeof message === 'string' && PG_POOL_MESSAGES.some((m) => message.startsWith(m))) return true;
  }
  return false;
}

/**
 * PostgreSQL refused text it cannot store: SQLSTATE 22021 (a NUL, "invalid
 * byte sequence for encoding UTF8: 0x00") or 22P05. The value came from the
 * request (Sotto writes no NUL of its own), the statement failed and its
 * transaction rolled back, so it is the client's bad input, not a bug.
 * SQLite stores such text, so the field rules must refuse it before either.
 */
export function isTextRefusedByDatabase(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '22021' || code === '22P05';
}

/** The code to log for it: the driver's code, never its message. */
export function driverCodeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'none';
}
