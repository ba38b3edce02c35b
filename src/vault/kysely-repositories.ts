// The vault's repositories on Kysely: SQLite and PostgreSQL. Compare-and-set
// updates run as a conditional UPDATE inside a transaction, so two workers
// never both win a state change.
import type SQLite from 'better-sqlite3';
import type { Kysely, Selectable } from 'kysely';
import { isUniqueViolation, type Database, type VaultDataKeysTable, type VaultObjectsTable } from '../db/index.ts';
import { LOOKUP_LATER } from './repositories.ts';
import type {
  ArtifactKind,
  DataKeyRecord,
  DataKeyRepository,
  DeletionReason,
  DeletionReceipt,
  DeletionReceiptRepository,
  ObjectRecord,
  ObjectRepository,
  ObjectState,
  UserHold,
  UserHoldRepository,
  VaultRepositories,
} from './repositories.ts';

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());
const date = (s: string | null): Date | null => (s === null ? null : new Date(s));
// A row's bytes are the driver's fresh copy; only a plain Uint8Array needs one as a Buffer.
const buf = (b: Buffer | Uint8Array | null): Buffer | null => (b === null ? null : Buffer.isBuffer(b) ? b : Buffer.from(b));

function keyFromRow(r: Selectable<VaultDataKeysTable>): DataKeyRecord {
  return {
    keyId: r.key_id,
    practiceId: r.practice_id,
    wrappedKey: Buffer.from(r.wrapped_key),
    masterKeyId: r.master_key_id,
    createdAt: new Date(r.created_at),
    rotatedAt: date(r.rotated_at),
  };
}

function objectFromRow(r: Selectable<VaultObjectsTable>): ObjectRecord {
  return {
    id: r.id,
    practiceId: r.practice_id,
    kind: r.kind as ArtifactKind,
    ownerUserId: r.owner_user_id,
    dataKeyId: r.data_key_id,
    wrappedContentKey: buf(r.wrapped_content_key),
    blobRef: r.blob_ref,
    size: r.size === null ? null : Number(r.size),
    state: r.state as ObjectState,
    createdAt: new Date(r.created_at),
    sealedAt: date(r.sealed_at),
    retentionDeadline: date(r.retention_deadline),
    legalHold: r.legal_hold === 1,
    shredReason: r.shred_reason as DeletionReason | null,
  };
}

/** vault_objects' columns in the order of {@link ObjectColumns}. */
const OBJECT_COLUMNS = [
  'id',
  'practice_id',
  'kind',
  'owner_user_id',
  'data_key_id',
  'wrapped_content_key',
  'blob_ref',
  'size',
  'state',
  'created_at',
  'sealed_at',
  'retention_deadline',
  'legal_hold',
  'shred_reason',
] as const;

/** A raw row of `SELECT <OBJECT_COLUMNS> FROM vault_objects`. */
type ObjectRow = Selectable<VaultObjectsTable>;
type ObjectColumns = { -readonly [I in keyof typeof OBJECT_COLUMNS]: (typeof OBJECT_COLUMNS)[I] extends keyof ObjectRow ? ObjectRow[(typeof OBJECT_COLUMNS)[I]] : never };

function objectFromColumns(r: ObjectColumns): ObjectRecord {
  return {
    id: r[0],
    practiceId: r[1],
    kind: r[2] as ArtifactKind,
    ownerUserId: r[3],
    dataKeyId: r[4],
    wrappedContentKey: buf(r[5]),
    blobRef: r[6],
    size: r[7] === null ? null : Number(r[7]),
    state: r[8] as ObjectState,
    createdAt: new Date(r[9]),
    sealedAt: date(r[10]),
    retentionDeadline: date(r[11]),
    legalHold: r[12] === 1,
    shredReason: r[13] as DeletionReason | null,
  };
}

class KyselyDataKeys implements DataKeyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async findByPractice(practiceId: string): Promise<DataKeyRecord | undefined> {
    const r = await this.db.selectFrom('vault_data_keys').selectAll().where('practice_id', '=', practiceId).executeTakeFirst();
    return r && keyFromRow(r);
  }

  async get(keyId: string): Promise<DataKeyRecord | undefined> {
    const r = await this.db.selectFrom('vault_data_keys').selectAll().where('key_id', '=', keyId).executeTakeFirst();
    return r && keyFromRow(r);
  }

  async insert(record: DataKeyRecord): Promise<'inserted' | 'conflict'> {
    try {
      await this.db
        .insertInto('vault_data_keys')
        .values({
          key_id: record.keyId,
          practice_id: record.practiceId,
          wrapped_key: Buffer.from(record.wrappedKey),
          master_key_id: record.masterKeyId,
          created_at: record.createdAt.toISOString(),
          rotated_at: iso(record.rotatedAt),
        })
        .execute();
      return 'inserted';
    } catch (e) {
      if (isUniqueViolation(e)) return 'conflict';
      throw e;
    }
  }

  async listAll(): Promise<DataKeyRecord[]> {
    return (await this.db.selectFrom('vault_data_keys').selectAll().orderBy('created_at').execute()).map(keyFromRow);
  }

  async rewrap(keyId: string, expectedMasterKeyId: string, next: { wrappedKey: Buffer; masterKeyId: string; rotatedAt: Date }): Promise<boolean> {
    const r = await this.db
      .updateTable('vault_data_keys')
      .set({ wrapped_key: Buffer.from(next.wrappedKey), master_key_id: next.masterKeyId, rotated_at: next.rotatedAt.toISOString() })
      .where('key_id', '=', keyId)
      .where('master_key_id', '=', expectedMasterKeyId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}

function rowFromObject(r: ObjectRecord): Selectable<VaultObjectsTable> {
  return {
    id: r.id,
    practice_id: r.practiceId,
    kind: r.kind,
    owner_user_id: r.ownerUserId,
    data_key_id: r.dataKeyId,
    wrapped_content_key: buf(r.wrappedContentKey),
    blob_ref: r.blobRef,
    size: r.size,
    state: r.state,
    created_at: r.createdAt.toISOString(),
    sealed_at: iso(r.sealedAt),
    retention_deadline: iso(r.retentionDeadline),
    legal_hold: r.legalHold ? 1 : 0,
    shred_reason: r.shredReason,
  };
}

type TransitionPatch = { state: ObjectState; size?: number | null; sealedAt?: Date | null };

/**
 * The hot statements of a small object's life (insert, commit transition,
 * lookup) prepared once on the SQLite connection, run synchronously: the
 * same SQL Kysely compiles, without its per-query compile and the awaited
 * hops of its driver (a 1 KiB seal on SQLite cost ~800 us of CPU through
 * Kysely). Kysely shares this connection and may hold a transaction open
 * across an await; a statement run then would join it (see its uncommitted
 * writes, commit or roll back with it), so callers check `usable` and go
 * through Kysely otherwise. Prepared on first use, after the migrations.
 */
class PreparedObjects {
  readonly #sqlite: SQLite.Database;
  #byId: SQLite.Statement<[string], ObjectColumns> | undefined;
  #insert: SQLite.Statement<Selectable<VaultObjectsTable>> | undefined;
  #transition: SQLite.Statement<TransitionParams, ObjectColumns> | undefined;

  constructor(sqlite: SQLite.Database) {
    this.#sqlite = sqlite;
  }

  get usable(): boolean {
    return !this.#sqlite.inTransaction;
  }

  get(id: string): ObjectRecord | undefined {
    // Raw rows (arrays): an object row costs better-sqlite3 a property name
    // per column per row, ~2 us of a ~13 us lookup.
    this.#byId ??= this.#sqlite.prepare<[string], ObjectColumns>(`SELECT ${OBJECT_COLUMNS.join(', ')} FROM vault_objects WHERE id = ?`).raw(true) as unknown as SQLite.Statement<[string], ObjectColumns>;
    const r = this.#byId.get(id);
    return r && objectFromColumns(r);
  }

  insert(r: ObjectRecord): void {
    const row = rowFromObject(r);
    if (this.#insert === undefined) {
      // The columns are rowFromObject's, as Kysely's insert takes them.
      const columns = Object.keys(row);
      this.#insert = this.#sqlite.prepare<Selectable<VaultObjectsTable>>(`INSERT INTO vault_objects (${columns.join(', ')}) VALUES (${columns.map((c) => '@' + c).join(', ')})`);
    }
    this.#insert.run(row);
  }

  /**
   * Compare-and-set as KyselyObjects.transition, in one statement: the
   * UPDATE is atomic on its own and RETURNING reads the row back, so no
   * BEGIN, SELECT and COMMIT around it.
   */
  transition(id: string, from: readonly ObjectState[], patch: TransitionPatch): ObjectRecord | undefined {
    // `from` is one to four states of object-state.ts (no commas): matched as ",state," in ",a,b,".
    this.#transition ??= this.#sqlite
      .prepare<TransitionParams, ObjectColumns>(
        `UPDATE vault_objects SET state = @state,
            size = CASE WHEN @setSize THEN @size ELSE size END,
            sealed_at = CASE WHEN @setSealedAt THEN @sealedAt ELSE sealed_at END
          WHERE id = @id AND instr(@from, ',' || state || ',') > 0
          RETURNING ${OBJECT_COLUMNS.join(', ')}`,
      )
      .raw(true) as unknown as SQLite.Statement<TransitionParams, ObjectColumns>;
    const r = this.#transition.get({
      id,
      from: `,${from.join(',')},`,
      state: patch.state,
      setSize: patch.size === undefined ? 0 : 1,
      size: patch.size ?? null,
      setSealedAt: patch.sealedAt === undefined ? 0 : 1,
      sealedAt: iso(patch.sealedAt ?? null),
    });
    return r && objectFromColumns(r);
  }
}

type TransitionParams = { id: string; from: string; state: string; setSize: number; size: number | null; setSealedAt: number; sealedAt: string | null };

class KyselyObjects implements ObjectRepository {
  readonly #prepared: PreparedObjects | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    sqlite?: SQLite.Database,
  ) {
    this.#prepared = sqlite && new PreparedObjects(sqlite);
  }

  /** get() without a promise on SQLite (PreparedObjects); LOOKUP_LATER while Kysely holds a transaction, and always on PostgreSQL. */
  getNow(id: string): ObjectRecord | undefined | typeof LOOKUP_LATER {
    return this.#prepared?.usable ? this.#prepared.get(id) : LOOKUP_LATER;
  }

  async insert(r: ObjectRecord): Promise<void> {
    if (this.#prepared?.usable) return this.#prepared.insert(r);
    await this.db.insertInto('vault_objects').values(rowFromObject(r)).execute();
  }

  async get(id: string): Promise<ObjectRecord | undefined> {
    const r = await this.db.selectFrom('vault_objects').selectAll().where('id', '=', id).executeTakeFirst();
    return r && objectFromRow(r);
  }

  async findByBlobRef(blobRef: string): Promise<ObjectRecord | undefined> {
    const r = await this.db.selectFrom('vault_objects').selectAll().where('blob_ref', '=', blobRef).executeTakeFirst();
    return r && objectFromRow(r);
  }

  async transition(id: string, from: readonly ObjectState[], patch: TransitionPatch): Promise<ObjectRecord | undefined> {
    if (this.#prepared?.usable) return this.#prepared.transition(id, from, patch);
    return this.db.transaction().execute(async (trx) => {
      const set: { state: string; size?: number | null; sealed_at?: string | null } = { state: patch.state };
      if (patch.size !== undefined) set.size = patch.size;
      if (patch.sealedAt !== undefined) set.sealed_at = iso(patch.sealedAt);
      const u = await trx.updateTable('vault_objects').set(set).where('id', '=', id).where('state', 'in', [...from]).executeTakeFirst();
      if (Number(u.numUpdatedRows) !== 1) return undefined;
      const r = await trx.selectFrom('vault_objects').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      return objectFromRow(r);
    });
  }

  async listByState(state: ObjectState, limit: number): Promise<ObjectRecord[]> {
    return (await this.db.selectFrom('vault_objects').selectAll().where('state', '=', state).orderBy('created_at').limit(limit).execute()).map(objectFromRow);
  }

  async listExpired(now: Date, limit: number): Promise<ObjectRecord[]> {
    const rows = await this.db
      .selectFrom('vault_objects')
      .selectAll()
      .where('state', 'in', ['committed', 'partial'])
      .where('legal_hold', '=', 0)
      .where('retention_deadline', 'is not', null)
      .where('retention_deadline', '<=', now.toISOString())
      .orderBy('retention_deadline')
      .limit(limit)
      .execute();
    return rows.map(objectFromRow);
  }

  async listByPractice(practiceId: string): Promise<ObjectRecord[]> {
    const rows = await this.db.selectFrom('vault_objects').selectAll().where('practice_id', '=', practiceId).where('state', '!=', 'shredded').orderBy('created_at').orderBy('id').execute();
    return rows.map(objectFromRow);
  }

  async setLegalHold(id: string, hold: boolean): Promise<boolean> {
    const r = await this.db.updateTable('vault_objects').set({ legal_hold: hold ? 1 : 0 }).where('id', '=', id).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async setRetentionDeadline(id: string, deadline: Date | null): Promise<boolean> {
    const r = await this.db.updateTable('vault_objects').set({ retention_deadline: iso(deadline) }).where('id', '=', id).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async shred(id: string, from: readonly ObjectState[], reason: DeletionReason): Promise<ObjectRecord | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const before = await trx.selectFrom('vault_objects').selectAll().where('id', '=', id).executeTakeFirst();
      if (!before) return undefined;
      const u = await trx
        .updateTable('vault_objects')
        .set({ wrapped_content_key: null, state: 'shredded', shred_reason: reason })
        .where('id', '=', id)
        .where('legal_hold', '=', 0)
        .where('state', 'in', [...from])
        .executeTakeFirst();
      return Number(u.numUpdatedRows) === 1 ? objectFromRow(before) : undefined;
    });
  }

  async finishShred(id: string, receipt: DeletionReceipt): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('vault_objects').where('id', '=', id).execute();
      await trx
        .insertInto('vault_deletion_receipts')
        .values({
          id: receipt.id,
          object_id: receipt.objectId,
          practice_id: receipt.practiceId,
          kind: receipt.kind,
          deleted_at: receipt.deletedAt.toISOString(),
          reason: receipt.reason,
          method: receipt.method,
        })
        .execute();
    });
  }
}

class KyselyReceipts implements DeletionReceiptRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async list(filter: { practiceId?: string; since?: Date }): Promise<DeletionReceipt[]> {
    let q = this.db.selectFrom('vault_deletion_receipts').selectAll();
    if (filter.practiceId !== undefined) q = q.where('practice_id', '=', filter.practiceId);
    if (filter.since !== undefined) q = q.where('deleted_at', '>=', filter.since.toISOString());
    const rows = await q.orderBy('deleted_at').execute();
    return rows.map((r) => ({
      id: r.id,
      objectId: r.object_id,
      practiceId: r.practice_id,
      kind: r.kind as ArtifactKind,
      deletedAt: new Date(r.deleted_at),
      reason: r.reason as DeletionReason,
      method: 'crypto_shred',
    }));
  }
}

class KyselyUserHolds implements UserHoldRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async place(hold: UserHold): Promise<void> {
    await this.db
      .insertInto('vault_user_holds')
      .values({ practice_id: hold.practiceId, user_id: hold.userId, placed_at: hold.placedAt.toISOString(), reference: hold.reference })
      .onConflict((oc) => oc.columns(['practice_id', 'user_id']).doUpdateSet({ placed_at: hold.placedAt.toISOString(), reference: hold.reference }))
      .execute();
  }

  async release(practiceId: string, userId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('vault_user_holds').where('practice_id', '=', practiceId).where('user_id', '=', userId).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }

  async isHeld(practiceId: string, userId: string): Promise<boolean> {
    return (await this.db.selectFrom('vault_user_holds').select('user_id').where('practice_id', '=', practiceId).where('user_id', '=', userId).executeTakeFirst()) !== undefined;
  }

  async list(practiceId: string): Promise<UserHold[]> {
    const rows = await this.db.selectFrom('vault_user_holds').selectAll().where('practice_id', '=', practiceId).orderBy('placed_at').execute();
    return rows.map((r) => ({ practiceId: r.practice_id, userId: r.user_id, placedAt: new Date(r.placed_at), reference: r.reference }));
  }
}

export class KyselyVaultRepositories implements VaultRepositories {
  readonly dataKeys: KyselyDataKeys;
  readonly objects: KyselyObjects;
  readonly receipts: KyselyReceipts;
  readonly userHolds: KyselyUserHolds;

  /** `sqlite`: the connection under `db` when it is SQLite (DatabaseHandle.sqlite), for the prepared lookup and scrub(). */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly sqlite?: SQLite.Database,
  ) {
    this.dataKeys = new KyselyDataKeys(db);
    this.objects = new KyselyObjects(db, sqlite);
    this.receipts = new KyselyReceipts(db);
    this.userHolds = new KyselyUserHolds(db);
  }

  /**
   * SQLite: copy the WAL into the database file and truncate it, so the page
   * images that still held destroyed keys leave the WAL file (the database
   * file's freed space is zeroed by secure_delete, see db/connection.ts).
   * It waits for the shared connection (no Kysely transaction open on it),
   * and does not wait for readers in other processes: with the busy timeout
   * at 0 for the checkpoint, a reader (a CLI command, a backup) makes it
   * answer false at once instead of stalling the event loop for the usual
   * 5 s; the caller tries again later. PostgreSQL keeps dead row versions
   * until VACUUM reuses their space; that is the server's storage to protect
   * (README: encrypted volumes).
   */
  async scrub(): Promise<boolean> {
    const sqlite = this.sqlite;
    if (!sqlite || sqlite.memory) return true;
    return this.db.connection().execute(async () => {
      const busyTimeout = Number(sqlite.pragma('busy_timeout', { simple: true }));
      sqlite.pragma('busy_timeout = 0');
      try {
        const [result] = sqlite.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
        return result?.busy === 0;
      } finally {
        sqlite.pragma(`busy_timeout = ${busyTimeout}`);
      }
    });
  }
}
