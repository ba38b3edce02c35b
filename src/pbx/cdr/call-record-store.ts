// Call detail records in the database (table `call_records`), and the one
// way to read them: a page of a practice's calls, newest first, recorded in
// the audit log as a read of PHI (who called whom, when) in the same
// transaction as the read.
import type SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { CallRecordsTable, Database } from '../../db/index.ts';
import { recordAudit, type Actor } from '../../directory/index.ts';
import { CALL_OUTCOMES, talkDurationMs, type CallOutcome, type CallRecord, type CallRecordSink } from './call-record.ts';

export interface CallRecordPage {
  items: CallRecord[];
  /** Pass as `before` for the next page; null on the last. */
  nextBefore: string | null;
}

export interface CallRecordQuery {
  /** A cursor from the previous page. */
  before?: string;
  limit: number;
}

export async function insertCallRecord(db: Kysely<Database>, r: CallRecord): Promise<void> {
  await db.insertInto('call_records').values(toRow(r)).execute();
}

/** A page of a practice's calls, newest first; audited as `call_record.list`. */
export async function listCallRecords(db: Kysely<Database>, practiceId: string, q: CallRecordQuery, actor: Actor): Promise<CallRecordPage> {
  const cursor = q.before !== undefined ? parseCursor(q.before) : undefined;
  return db.transaction().execute(async (trx) => {
    let query = trx.selectFrom('call_records').selectAll().where('practice_id', '=', practiceId);
    if (cursor) {
      // Keyset paging on (started_at, id): stable while new calls arrive.
      query = query.where((eb) => eb.or([eb('started_at', '<', cursor.startedAt), eb.and([eb('started_at', '=', cursor.startedAt), eb('id', '<', cursor.id)])]));
    }
    const rows = await query.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(q.limit + 1).execute();
    const items = rows.slice(0, q.limit).map(fromRow);
    await recordAudit(trx, practiceId, actor, { action: 'call_record.list', object: { type: 'call_records', id: practiceId }, details: { count: items.length } });
    const last = items.at(-1);
    return { items, nextBefore: rows.length > q.limit && last ? `${last.startedAt}.${last.id}` : null };
  });
}

export interface KyselyCallRecordSinkOptions {
  /** Longest a record waits for its group commit; default 50 ms. */
  flushIntervalMs?: number;
  /** A batch this large is written at once, without waiting; default 256 (rows of one INSERT). */
  maxBatch?: number;
  /**
   * The SQLite connection under `db` (SQLite only): each batch is then one
   * transaction of a statement prepared once, not a multi-row INSERT that
   * Kysely compiles and SQLite prepares anew for every batch size.
   */
  sqlite?: SQLite.Database;
}

const COLUMNS: ReadonlyArray<keyof CallRecordsTable> = ['id', 'practice_id', 'caller_extension', 'caller_number_ref', 'callee_extension', 'started_at', 'answered_at', 'ended_at', 'duration_ms', 'outcome'];

/**
 * The batch insert prepared once on SQLite. Its values are bound by
 * position, in COLUMNS' order: bound by name, the driver looked each of the
 * ten up on the row object, a fifth of the insert's cost.
 */
class PreparedRecordInsert {
  private readonly insert: SQLite.Statement<unknown[]>;
  readonly batch: (rows: CallRecordsTable[]) => void;

  constructor(private readonly sqlite: SQLite.Database) {
    this.insert = sqlite.prepare<unknown[]>(`INSERT INTO call_records (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`);
    this.batch = sqlite.transaction((rows: CallRecordsTable[]) => {
      for (const r of rows) this.one(r);
    });
  }

  /** Kysely shares the connection and may hold a transaction open across awaits: a write now would join it. */
  get usable(): boolean {
    return !this.sqlite.inTransaction;
  }

  one(row: CallRecordsTable): void {
    this.insert.run(COLUMNS.map((c) => row[c]));
  }
}

/**
 * Writes each finished call, in group commits: the records of calls that
 * ended within `flushIntervalMs` go in one multi-row INSERT (one commit),
 * not one commit per call, which cost more CPU than the rest of a call's
 * database work. Works the same on SQLite and PostgreSQL.
 *
 * Durability: a record is in the database at most `flushIntervalMs` (50 ms)
 * after its call ended. A crash (kill -9, power loss) loses the records of
 * calls that ended in that last window, as it already loses the record of
 * every call still in progress; `close()` (graceful stop) writes everything
 * pending, and records handed over after it are written at once.
 *
 * A failed write is reported by code (the call is not affected): a failed
 * batch is retried row by row, so one bad row (a practice deleted meanwhile)
 * does not cost the others their record.
 */
export class KyselyCallRecordSink implements CallRecordSink {
  private pending: CallRecordsTable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly flushIntervalMs: number;
  private readonly maxBatch: number;
  private readonly prepared: PreparedRecordInsert | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly onError: (code: string, recordId: string) => void = () => {},
    options: KyselyCallRecordSinkOptions = {},
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 50;
    this.maxBatch = Math.max(1, Math.min(options.maxBatch ?? 256, 500));
    this.prepared = options.sqlite ? new PreparedRecordInsert(options.sqlite) : undefined;
  }

  record(record: CallRecord): void {
    this.pending.push(toRow(record));
    if (this.closed || this.pending.length >= this.maxBatch) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.flushIntervalMs);
  }

  /** Writes every record handed over so far; resolves once they are written (or reported failed). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      // One batch at a time, in order: a flush resolves after every earlier one.
      this.writing = this.writing.then(() => this.write(batch)).catch(() => undefined);
    }
    return this.writing;
  }

  /** Graceful stop: writes what is pending; later records are written straight through. */
  close(): Promise<void> {
    this.closed = true;
    return this.flush();
  }

  private async write(batch: CallRecordsTable[]): Promise<void> {
    try {
      if (this.prepared?.usable) this.prepared.batch(batch);
      else await this.db.insertInto('call_records').values(batch).execute();
    } catch {
      for (const row of batch) {
        try {
          if (this.prepared?.usable) this.prepared.one(row);
          else await this.db.insertInto('call_records').values(row).execute();
        } catch (e) {
          this.onError(typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : 'CDR_WRITE_FAILED', row.id);
        }
      }
    }
  }
}

function parseCursor(s: string): { startedAt: number; id: string } | undefined {
  const m = /^(\d{1,15})\.([A-Za-z0-9_-]{1,64})$/.exec(s);
  return m ? { startedAt: Number(m[1]), id: m[2]! } : undefined;
}

function toRow(r: CallRecord): CallRecordsTable {
  return {
    id: r.id,
    practice_id: r.practiceId,
    caller_extension: r.callerExtension,
    caller_number_ref: r.callerNumberRef,
    callee_extension: r.calleeExtension,
    started_at: r.startedAt,
    answered_at: r.answeredAt,
    ended_at: r.endedAt,
    duration_ms: talkDurationMs(r),
    outcome: r.outcome,
  };
}

function fromRow(r: CallRecordsTable): CallRecord {
  const outcome = (CALL_OUTCOMES as readonly string[]).includes(r.outcome) ? (r.outcome as CallOutcome) : 'failed';
  return {
    id: r.id,
    practiceId: r.practice_id,
    callerExtension: r.caller_extension,
    callerNumberRef: r.caller_number_ref,
    calleeExtension: r.callee_extension,
    startedAt: Number(r.started_at),
    answeredAt: r.answered_at === null ? null : Number(r.answered_at),
    endedAt: Number(r.ended_at),
    outcome,
  };
}
