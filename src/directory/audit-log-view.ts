// The admin's view of a practice's audit log: filtered, newest first, paged
// by seq. Looking at the log is itself recorded (who read whose activity).
import type { Kysely } from 'kysely';
import type { AuditEvent } from '../audit/index.ts';
import { KyselyAuditStore, type Database } from '../db/index.ts';
import { recordAudit } from './audit.ts';
import type { Actor } from './model.ts';

export interface AuditEventFilter {
  actorId?: string;
  action?: string;
  objectType?: string;
  objectId?: string;
  from?: string;
  to?: string;
  beforeSeq?: number;
  limit: number;
}

export interface AuditEventPage {
  items: AuditEvent[];
  /** Pass as beforeSeq for the next (older) page; null at the start of the log. */
  nextBeforeSeq: number | null;
}

export async function listAuditEvents(db: Kysely<Database>, practiceId: string, filter: AuditEventFilter, actor: Actor): Promise<AuditEventPage> {
  const store = new KyselyAuditStore(db);
  const items = await store.query({ chainKey: practiceId, ...filter, limit: filter.limit + 1 });
  const page = items.slice(0, filter.limit);
  await db.transaction().execute((trx) =>
    recordAudit(trx, practiceId, actor, { action: 'audit.view', object: { type: 'audit_log', id: practiceId }, details: { count: page.length } }),
  );
  return { items: page, nextBeforeSeq: items.length > filter.limit ? page.at(-1)!.seq : null };
}
