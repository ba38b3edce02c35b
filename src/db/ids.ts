import { randomBytes } from 'node:crypto';

/**
 * Time-ordered, unguessable ids (UUIDv7 layout, RFC 9562 §5.7): sortable by
 * creation in indexes, and revealing nothing but the creation millisecond.
 */
export function newId(now: number = Date.now()): string {
  const b = randomBytes(16);
  b.writeUIntBE(now, 0, 6);
  b[6] = 0x70 | (b[6]! & 0x0f);
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function flag(value: boolean): 0 | 1 {
  return value ? 1 : 0;
}

/** True when a driver error is a unique-constraint violation (SQLite or PostgreSQL). */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/**
 * The table of a unique violation, when the driver names it: PostgreSQL's
 * error carries `table`; SQLite's message reads "UNIQUE constraint failed:
 * <table>.<column>, …". Undefined when it is not one, or not said.
 */
export function uniqueViolationTable(e: unknown): string | undefined {
  if (!isUniqueViolation(e)) return undefined;
  const err = e as { table?: unknown; message?: unknown };
  if (typeof err.table === 'string') return err.table;
  const m = typeof err.message === 'string' ? /constraint failed: ([A-Za-z_]+)\./.exec(err.message) : null;
  return m?.[1];
}
