/**
 * The audit log's store on SQLite and PostgreSQL (the contract is in
 * audit/store.ts). One writer per chain at a time: `append` first makes sure
 * the chain's head row exists, then touches it with an UPDATE ... RETURNING.
 * That UPDATE is what serialises writers on both databases: on PostgreSQL it
 * takes the head row's lock until commit (a second writer waits, then reads
 * the head the first one left); on SQLite it turns the transaction into the
 * database's single writer at that point. The primary key (chain_key, seq)
 * is the backstop: a writer that got past both fails instead of forking.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { AuditEvent, AuditRange, AuditStore, ChainHead, ChainTail } from '../audit/index.ts';
import { AUDIT_ACTIONS, AuditError, canonicalJson, EMPTY_HEAD, GENESIS_HASH, type AuditDetails } from '../audit/index.ts';
import { isUniqueViolation } from './ids.ts';
import type { AuditEventsTable, Database } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface AuditQuery {
  chainKey: string;
  actorId?: string;
  action?: string;
  objectType?: string;
  objectId?: string;
  /** Inclusive, ISO 8601. */
  from?: string;
  /** Exclusive, ISO 8601. */
  to?: string;
  /** Only events with seq below this (the previous page's last seq). */
  beforeSeq?: number;
  limit: number;
}

export class KyselyAuditStore implements AuditStore<Transaction<Database>> {
  constructor(private readonly db: Db) {}

  async append(tx: Transaction<Database>, chainKey: string, build: (head: ChainHead, tail: ChainTail | null) => AuditEvent): Promise<AuditEvent> {
    await tx
      .insertInto('audit_chain_heads')
      .values({ chain_key: chainKey, seq: 0, hash: GENESIS_HASH })
      .onConflict((oc) => oc.column('chain_key').doNothing())
      .execute();
    const locked = await tx
      .updateTable('audit_chain_heads')
      .set((eb) => ({ seq: eb.ref('seq') }))
      .where('chain_key', '=', chainKey)
      .returning(['seq', 'hash'])
      .executeTakeFirstOrThrow();
    const head: ChainHead = { seq: Number(locked.seq), hash: locked.hash };
    // The tail's tag is checked before anything links onto it (audit/append-guard.ts): one primary-key read.
    const tail =
      head.seq === 0
        ? undefined
        : await tx.selectFrom('audit_events').select(['hash', 'key_id', 'mac']).where('chain_key', '=', chainKey).where('seq', '=', head.seq).executeTakeFirst();
    const event = build(head, tail ? { hash: tail.hash, keyId: tail.key_id, mac: tail.mac } : null);
    if (event.seq !== head.seq + 1 || event.prevHash !== head.hash) throw new Error('built event does not extend the head');
    try {
      await tx.insertInto('audit_events').values(toRow(chainKey, event)).execute();
    } catch (e) {
      if (isUniqueViolation(e)) throw new AuditError('AUDIT_CHAIN_CONFLICT', `another writer appended seq ${event.seq} to this chain first`);
      throw e;
    }
    await tx.updateTable('audit_chain_heads').set({ seq: event.seq, hash: event.hash }).where('chain_key', '=', chainKey).execute();
    return event;
  }

  async readRange(chainKey: string, range: AuditRange = {}): Promise<AuditEvent[]> {
    let q = this.db
      .selectFrom('audit_events')
      .selectAll()
      .where('chain_key', '=', chainKey)
      .where('seq', '>=', range.fromSeq ?? 1);
    if (range.toSeq !== undefined) q = q.where('seq', '<=', range.toSeq);
    if (range.limit !== undefined) q = q.limit(range.limit);
    return (await q.orderBy('seq').execute()).map(auditEventFromRow);
  }

  async head(chainKey: string): Promise<ChainHead> {
    const row = await this.db.selectFrom('audit_chain_heads').select(['seq', 'hash']).where('chain_key', '=', chainKey).executeTakeFirst();
    return row ? { seq: Number(row.seq), hash: row.hash } : { ...EMPTY_HEAD };
  }

  /**
   * From the events themselves, with the head rows: a head row moved back to
   * seq 0 or deleted must not hide a chain from `sotto audit verify` (its
   * events then fail the head check: `head_mismatch`).
   */
  async chainKeys(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('audit_events')
      .select('chain_key')
      .distinct()
      .union(this.db.selectFrom('audit_chain_heads').select('chain_key').where('seq', '>', 0))
      .execute();
    return rows.map((r) => r.chain_key).sort();
  }

  /** The seq range of events with from <= at < to, for exports by time; null when there are none. */
  async seqRangeForTime(chainKey: string, from: string | undefined, to: string | undefined): Promise<{ fromSeq: number; toSeq: number } | null> {
    let q = this.db.selectFrom('audit_events').select((eb) => [eb.fn.min('seq').as('lo'), eb.fn.max('seq').as('hi')]).where('chain_key', '=', chainKey);
    if (from !== undefined) q = q.where('at', '>=', from);
    if (to !== undefined) q = q.where('at', '<', to);
    const row = await q.executeTakeFirst();
    if (!row || row.lo === null || row.hi === null) return null;
    return { fromSeq: Number(row.lo), toSeq: Number(row.hi) };
  }

  /**
   * The seq range an export of [from, to) covers, fixed when it is asked for:
   * the whole chain up to its head now when neither is given, and an empty
   * range (a valid, empty export) for a window without events. The CLI and
   * the API export exactly this range.
   */
  async exportRange(chainKey: string, from: string | undefined, to: string | undefined): Promise<{ fromSeq: number; toSeq: number }> {
    if (from === undefined && to === undefined) return { fromSeq: 1, toSeq: (await this.head(chainKey)).seq };
    return (await this.seqRangeForTime(chainKey, from, to)) ?? { fromSeq: 1, toSeq: 0 };
  }

  /** Newest first, for the admin's audit view. */
  async query(q: AuditQuery): Promise<AuditEvent[]> {
    let s = this.db.selectFrom('audit_events').selectAll().where('chain_key', '=', q.chainKey);
    if (q.actorId !== undefined) s = s.where('actor_id', '=', q.actorId);
    if (q.action !== undefined) s = s.where('action', '=', q.action);
    const objectId = q.objectId;
    if (objectId === undefined) {
      if (q.objectType !== undefined) s = s.where('object_type', '=', q.objectType);
    } else {
      // "Who saw this message?" also takes in the lists that showed it (and its transcript):
      // one voicemail.list event names every message it returned in details.messageIds.
      const named = `%${JSON.stringify(objectId).replace(/[!%_]/g, '!$&')}%`;
      const inList = sql<boolean>`(${sql.ref('action')} = ${AUDIT_ACTIONS.voicemailList} and ${sql.ref('details')} like ${named} escape '!')`;
      s = s.where((eb) => {
        const direct = q.objectType === undefined ? eb('object_id', '=', objectId) : eb.and([eb('object_id', '=', objectId), eb('object_type', '=', q.objectType)]);
        return q.objectType === undefined || q.objectType === 'voicemail' ? eb.or([direct, inList]) : direct;
      });
    }
    if (q.from !== undefined) s = s.where('at', '>=', q.from);
    if (q.to !== undefined) s = s.where('at', '<', q.to);
    if (q.beforeSeq !== undefined) s = s.where('seq', '<', q.beforeSeq);
    return (await s.orderBy('seq', 'desc').limit(q.limit).execute()).map(auditEventFromRow);
  }
}

function toRow(chainKey: string, e: AuditEvent): AuditEventsTable {
  return {
    chain_key: chainKey,
    seq: e.seq,
    id: e.id,
    at: e.at,
    practice_id: e.practiceId,
    actor_type: e.actor.type,
    actor_id: e.actor.id,
    action: e.action,
    object_type: e.object?.type ?? null,
    object_id: e.object?.id ?? null,
    source_ip: e.sourceIp,
    outcome: e.outcome,
    details: canonicalJson(e.details),
    prev_hash: e.prevHash,
    hash: e.hash,
    key_id: e.keyId ?? null,
    mac: e.mac ?? null,
  };
}

/** Rows read back exactly as hashed; a row someone mangled is passed on as is for verify to flag. */
export function auditEventFromRow(r: AuditEventsTable): AuditEvent {
  let details: AuditDetails;
  try {
    details = JSON.parse(r.details) as AuditDetails;
  } catch {
    details = null as unknown as AuditDetails;
  }
  return {
    id: r.id,
    seq: Number(r.seq),
    at: r.at,
    practiceId: r.practice_id,
    actor: { type: r.actor_type as AuditEvent['actor']['type'], id: r.actor_id },
    action: r.action,
    object: r.object_type === null || r.object_id === null ? null : { type: r.object_type, id: r.object_id },
    sourceIp: r.source_ip,
    outcome: r.outcome as AuditEvent['outcome'],
    details,
    prevHash: r.prev_hash,
    hash: r.hash,
    keyId: r.key_id,
    mac: r.mac,
  };
}
