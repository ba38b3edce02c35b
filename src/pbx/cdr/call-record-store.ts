// Call detail records in the database (table `call_records`), and the one
// way to read them: a page of a practice's calls, newest first, recorded in
// the audit log as a read of PHI (who called whom, when) in the same
// transaction as the read.
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

/** Writes each finished call; a failed write is reported by code, the call is not affected. */
export class KyselyCallRecordSink implements CallRecordSink {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly onError: (code: string, recordId: string) => void = () => {},
  ) {}

  record(record: CallRecord): void {
    insertCallRecord(this.db, record).catch((e: unknown) => this.onError(typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : 'CDR_WRITE_FAILED', record.id));
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
