// "Let me take the audit log away", asked from the portal or the API: the
// export `sotto audit export` writes (audit/export.ts: JSON Lines with the
// chain, verifiable offline), for the caller's practice.
// The export is recorded before its first byte is sent, naming the range it
// covers: a copy that left the box is on the log even when the download is
// cut short, and an audit log that cannot record it refuses it (the append
// guard, answered 503 AUDIT_UNAVAILABLE) before anything went out. The range
// is fixed first, so the export does not hold the event that records it, as
// the CLI's does not.
import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { AUDIT_ACTIONS, chainKeyFor, exportChain } from '../../../audit/index.ts';
import { KyselyAuditStore, type Database } from '../../../db/index.ts';
import { recordAudit, type Actor } from '../../../directory/index.ts';

export interface PracticeExport {
  /** The JSON Lines, read from the database a page at a time as the client takes them. */
  readonly stream: Readable;
  readonly fileName: string;
}

export async function exportPracticeChain(
  db: Kysely<Database>,
  practiceId: string,
  actor: Actor,
  o: { from: string | undefined; to: string | undefined; exportedAt: Date },
): Promise<PracticeExport> {
  const store = new KyselyAuditStore(db);
  const chain = chainKeyFor(practiceId);
  const range = await store.exportRange(chain, o.from, o.to);
  await db.transaction().execute((trx) =>
    recordAudit(trx, practiceId, actor, {
      action: AUDIT_ACTIONS.auditExport,
      object: { type: 'audit_log', id: practiceId },
      details: { via: 'api', fromSeq: range.fromSeq, toSeq: range.toSeq, ...(o.from !== undefined ? { from: o.from } : {}), ...(o.to !== undefined ? { to: o.to } : {}) },
    }),
  );
  const exportedAt = o.exportedAt.toISOString();
  const lines = exportChain(store, chain, { practiceId, exportedAt, fromSeq: range.fromSeq, toSeq: range.toSeq });
  return { stream: Readable.from(lines), fileName: `sotto-audit-${exportedAt.slice(0, 10)}.jsonl` };
}
