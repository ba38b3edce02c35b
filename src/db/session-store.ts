// Portal sessions in the database (the contract is auth/session.ts): only the
// SHA-256 of each cookie is stored. bigint columns come back from pg as
// strings, hence the Number() on every read.
import type { Kysely } from 'kysely';
import type { SessionRecord, SessionStage, SessionStore } from '../auth/index.ts';
import type { Database, SessionsTable } from './schema.ts';

export class KyselySessionStore implements SessionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(r: SessionRecord): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id_hash: r.idHash,
        user_id: r.userId,
        practice_id: r.practiceId,
        stage: r.stage,
        created_at: r.createdAt,
        last_seen_at: r.lastSeenAt,
        absolute_expires_at: r.absoluteExpiresAt,
        idle_timeout_ms: r.idleTimeoutMs,
        source_ip: r.sourceIp,
      })
      .execute();
  }

  async findByIdHash(idHash: string): Promise<SessionRecord | null> {
    const row = await this.db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    return row ? fromRow(row) : null;
  }

  async updateLastSeen(idHash: string, lastSeenAt: number): Promise<void> {
    await this.db.updateTable('sessions').set({ last_seen_at: lastSeenAt }).where('id_hash', '=', idHash).execute();
  }

  async delete(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  async deleteForUser(userId: string): Promise<number> {
    const r = await this.db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async deleteExpired(nowMs: number): Promise<number> {
    const r = await this.db
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('absolute_expires_at', '<=', nowMs), eb(eb('last_seen_at', '+', eb.ref('idle_timeout_ms')), '<=', nowMs)]))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

function fromRow(r: SessionsTable): SessionRecord {
  return {
    idHash: r.id_hash,
    userId: r.user_id,
    practiceId: r.practice_id,
    stage: r.stage as SessionStage,
    createdAt: Number(r.created_at),
    lastSeenAt: Number(r.last_seen_at),
    absoluteExpiresAt: Number(r.absolute_expires_at),
    idleTimeoutMs: Number(r.idle_timeout_ms),
    sourceIp: r.source_ip,
  };
}
