// The outbox on SQLite and PostgreSQL, with the semantics of
// MemoryOutboxStore (outbox.ts): one pending entry per job key, claims that
// count an attempt and lease the entry until `leaseUntil`, failed entries
// kept and never handed out again. A row holds the job exactly as
// toStoredJob reduced it (ids), so the table never holds PHI.
//
// claimDue is one UPDATE ... WHERE id IN (due ids) RETURNING: on SQLite the
// statement runs as the database's single writer, so two claimers cannot
// both take a row; on PostgreSQL the inner SELECT takes its rows FOR UPDATE
// SKIP LOCKED, so a second claimer skips what the first is taking instead of
// waiting for it and then taking it again.
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Database, NotifyOutboxTable } from '../db/index.ts';
import type { NotifyErrorCode } from './errors.ts';
import { jobKey, toStoredJob, type NoticeJob } from './notice-job.ts';
import type { OutboxEntry, OutboxState, OutboxStore } from './outbox.ts';

export type OutboxDialect = 'sqlite' | 'postgres';

/** SQLite and PostgreSQL unique-constraint failures. */
function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}

function entryFromRow(r: Selectable<NotifyOutboxTable>): OutboxEntry {
  const entry: OutboxEntry = {
    id: r.id,
    key: r.key,
    // Re-checked on the way out too: a row edited by hand cannot smuggle
    // fields into the resolver.
    job: toStoredJob(JSON.parse(r.job) as NoticeJob),
    state: r.state as OutboxState,
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    createdAt: Number(r.created_at),
  };
  if (r.last_error_code !== null) entry.lastErrorCode = r.last_error_code as NotifyErrorCode;
  return entry;
}

const byDue = (a: OutboxEntry, b: OutboxEntry) => a.nextAttemptAt - b.nextAttemptAt || a.createdAt - b.createdAt || a.id.localeCompare(b.id);

export class KyselyOutboxStore implements OutboxStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: OutboxDialect,
  ) {}

  async add(job: NoticeJob, now: number): Promise<OutboxEntry> {
    const stored = toStoredJob(job);
    const key = jobKey(stored);
    // Another writer may insert (or complete) the same key between our read
    // and our insert; the partial unique index decides, and we read again.
    for (let tries = 0; tries < 3; tries++) {
      const existing = await this.db.selectFrom('notify_outbox').selectAll().where('key', '=', key).where('state', '=', 'pending').executeTakeFirst();
      if (existing) return entryFromRow(existing);
      const row = { id: randomUUID(), key, job: JSON.stringify(stored), state: 'pending', attempts: 0, next_attempt_at: now, created_at: now, last_error_code: null };
      try {
        await this.db.insertInto('notify_outbox').values(row).execute();
        return entryFromRow(row);
      } catch (e) {
        if (!isUniqueViolation(e)) throw e;
      }
    }
    throw new Error('outbox: key kept changing under concurrent writers');
  }

  async claimDue(now: number, leaseUntil: number, limit: number): Promise<OutboxEntry[]> {
    if (limit <= 0) return [];
    const rows = await this.db
      .updateTable('notify_outbox')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), next_attempt_at: leaseUntil }))
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('notify_outbox')
          .select('id')
          .where('state', '=', 'pending')
          .where('next_attempt_at', '<=', now)
          .orderBy('next_attempt_at')
          .orderBy('created_at')
          .orderBy('id')
          .limit(limit)
          .$if(this.dialect === 'postgres', (qb) => qb.forUpdate().skipLocked()),
      )
      // Checked again by the UPDATE itself: on PostgreSQL a row completed
      // or failed between the SELECT and the UPDATE is not handed out.
      .where('state', '=', 'pending')
      .returningAll()
      .execute();
    // RETURNING has no order; hand out oldest due first, as the memory store does.
    return rows.map(entryFromRow).sort(byDue);
  }

  async complete(id: string): Promise<void> {
    await this.db.deleteFrom('notify_outbox').where('id', '=', id).execute();
  }

  async retryLater(id: string, nextAttemptAt: number, code: NotifyErrorCode): Promise<void> {
    await this.db.updateTable('notify_outbox').set({ next_attempt_at: nextAttemptAt, last_error_code: code }).where('id', '=', id).execute();
  }

  async fail(id: string, code: NotifyErrorCode): Promise<void> {
    await this.db.updateTable('notify_outbox').set({ state: 'failed', last_error_code: code }).where('id', '=', id).execute();
  }

  async nextDueAt(): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('notify_outbox')
      .select((eb) => eb.fn.min('next_attempt_at').as('due'))
      .where('state', '=', 'pending')
      .executeTakeFirst();
    return row?.due === null || row?.due === undefined ? undefined : Number(row.due);
  }

  async list(): Promise<OutboxEntry[]> {
    const rows = await this.db.selectFrom('notify_outbox').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map(entryFromRow);
  }
}
