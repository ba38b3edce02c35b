// The location service (RFC 3261 10.3): bindings per address-of-record,
// kept in the database so they survive a restart.
import type SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Database, SipBindingsTable } from '../../db/index.ts';
import type { Binding } from './binding.ts';

/** One binding change as the database receives it: a row to write, or a contact to drop. */
export type BindingWrite =
  | { readonly kind: 'upsert'; readonly practiceId: string; readonly binding: Binding }
  | { readonly kind: 'remove'; readonly aor: string; readonly contact: string };

/** A write applyBatch() left out, and why: it is not in the database. */
export interface DroppedWrite {
  readonly write: BindingWrite;
  readonly error: unknown;
}

/** What a CachedLocationStore needs of the database: a full load, a batch write, and (SQLite) a change counter. */
export interface LocationBackend {
  loadAll(): Promise<Binding[]>;
  /**
   * Commits `writes`. Rejects when none was written (the database is busy,
   * read-only, full, failing); resolves with the writes it had to leave out
   * (each refused for a reason of its own row, such as a device deleted
   * elsewhere), every other write being committed.
   */
  applyBatch(writes: BindingWrite[]): Promise<readonly DroppedWrite[]>;
  /** Changes when another connection commits (SQLite PRAGMA data_version); undefined when unknown. */
  externalVersion(): number | undefined;
  removeDevice(deviceId: string): Promise<number>;
  purgeExpired(now: number): Promise<number>;
}

export interface LocationStore {
  /** Live and expired bindings of one AOR (the registrar filters by time); at once when held in memory. */
  lookup(aor: string): Binding[] | Promise<Binding[]>;
  /** Applies one REGISTER's outcome atomically. */
  apply(practiceId: string, aor: string, upsert: Binding[], remove: string[]): Promise<void>;
  /** Drops every binding of a device (disabled device or user). Returns how many. */
  removeDevice(deviceId: string): Promise<number>;
  /** Deletes bindings whose time is up. Returns how many. */
  purgeExpired(now: number): Promise<number>;
}

/**
 * The statements every REGISTER runs, prepared once on the raw SQLite
 * connection: building, compiling and preparing them through Kysely on each
 * call cost more CPU than SQLite's own work. A re-registration updates its
 * row in place (no delete and re-insert: fewer index and foreign-key
 * writes); the row ends up the same either way.
 */
class PreparedBindings {
  private readonly select: SQLite.Statement<[string], SipBindingsTable>;
  private readonly del: SQLite.Statement<[string, string]>;
  private readonly update: SQLite.Statement<SipBindingsTable>;
  private readonly insert: SQLite.Statement<SipBindingsTable>;
  private readonly applyTx: (aor: string, rows: SipBindingsTable[], remove: string[]) => void;
  private readonly selectAll: SQLite.Statement<[], SipBindingsTable>;
  private readonly dataVersion: SQLite.Statement<[], number>;
  private readonly batchTx: (writes: BindingWrite[]) => void;

  constructor(private readonly sqlite: SQLite.Database) {
    this.select = sqlite.prepare<[string], SipBindingsTable>('SELECT * FROM sip_bindings WHERE aor = ? ORDER BY contact');
    this.del = sqlite.prepare<[string, string]>('DELETE FROM sip_bindings WHERE aor = ? AND contact = ?');
    const rest = COLUMNS.filter((c) => c !== 'aor' && c !== 'contact');
    this.update = sqlite.prepare<SipBindingsTable>(`UPDATE sip_bindings SET ${rest.map((c) => `${c} = @${c}`).join(', ')} WHERE aor = @aor AND contact = @contact`);
    this.insert = sqlite.prepare<SipBindingsTable>(`INSERT INTO sip_bindings (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})`);
    this.applyTx = sqlite.transaction((aor: string, rows: SipBindingsTable[], remove: string[]) => {
      for (const c of remove) this.del.run(aor, c);
      for (const r of rows) this.upsert(r);
    });
    this.selectAll = sqlite.prepare<[], SipBindingsTable>('SELECT * FROM sip_bindings ORDER BY aor, contact');
    this.dataVersion = sqlite.prepare<[], number>('PRAGMA data_version').pluck();
    this.batchTx = sqlite.transaction((writes: BindingWrite[]) => {
      for (const w of writes) this.write(w);
    });
  }

  private upsert(r: SipBindingsTable): void {
    if (this.update.run(r).changes === 0) this.insert.run(r);
  }

  private write(w: BindingWrite): void {
    if (w.kind === 'remove') this.del.run(w.aor, w.contact);
    else this.upsert(toRow(w.practiceId, w.binding));
  }

  /**
   * Kysely runs on this same connection and may hold a transaction open
   * across an await; a statement run then would join (and commit or roll
   * back with) that transaction. Only use the prepared path when none is open.
   */
  get usable(): boolean {
    return !this.sqlite.inTransaction;
  }

  lookup(aor: string): SipBindingsTable[] {
    return this.select.all(aor);
  }

  apply(aor: string, rows: SipBindingsTable[], remove: string[]): void {
    this.applyTx(aor, rows, remove);
  }

  loadAll(): SipBindingsTable[] {
    return this.selectAll.all();
  }

  /** SQLite's count of commits by other connections (PRAGMA data_version). */
  version(): number {
    return this.dataVersion.get() as number;
  }

  /**
   * All writes in one transaction. When a row of its own is refused (a row
   * whose device another process deleted breaks the foreign key), each write
   * is retried alone, in its own transaction, and the refused ones are
   * reported: one stale row must not hold back every other phone's binding.
   * Any other failure (busy, read-only, full, I/O) concerns every row: it is
   * thrown at once, nothing written. Retrying row by row then would only
   * repeat it, each try blocking the event loop for the busy timeout.
   */
  applyBatch(writes: BindingWrite[]): DroppedWrite[] {
    try {
      this.batchTx(writes);
      return [];
    } catch (e) {
      if (!refusedForItsRow(e)) throw e;
    }
    const dropped: DroppedWrite[] = [];
    let fatal: unknown;
    for (const w of writes) {
      if (fatal !== undefined) {
        dropped.push({ write: w, error: fatal });
        continue;
      }
      try {
        this.batchTx([w]);
      } catch (e) {
        dropped.push({ write: w, error: e });
        // The database itself failed in the meantime: the rest are left out, not tried.
        if (!refusedForItsRow(e)) fatal = e;
      }
    }
    return dropped;
  }
}

/**
 * Whether a write failed for a reason of its own row (a constraint, a value
 * the column refuses) rather than of the database (busy, locked, read-only,
 * full, I/O). better-sqlite3 names SQLite's extended result code
 * (SQLITE_CONSTRAINT_FOREIGNKEY ...); pg names the SQLSTATE, whose class 23
 * is "integrity constraint violation" and 22 "data exception".
 */
export function refusedForItsRow(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  if (code.startsWith('SQLITE_')) return code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_MISMATCH' || code === 'SQLITE_TOOBIG';
  return /^2[23][0-9A-Z]{3}$/.test(code);
}

const COLUMNS: ReadonlyArray<keyof SipBindingsTable> = [
  'aor',
  'contact',
  'practice_id',
  'device_id',
  'call_id',
  'cseq',
  'expires_at',
  'q',
  'instance_id',
  'reg_id',
  'source_transport',
  'source_address',
  'source_port',
  'user_agent',
];

export class KyselyLocationStore implements LocationStore, LocationBackend {
  private readonly prepared: PreparedBindings | undefined;

  /** `sqlite`: the raw connection under `db` when it is SQLite, for prepared statements. */
  constructor(
    private readonly db: Kysely<Database>,
    sqlite?: SQLite.Database,
  ) {
    this.prepared = sqlite ? new PreparedBindings(sqlite) : undefined;
  }

  async lookup(aor: string): Promise<Binding[]> {
    if (this.prepared?.usable) return this.prepared.lookup(aor).map(fromRow);
    const rows = await this.db.selectFrom('sip_bindings').selectAll().where('aor', '=', aor).orderBy('contact').execute();
    return rows.map(fromRow);
  }

  async apply(practiceId: string, aor: string, upsert: Binding[], remove: string[]): Promise<void> {
    if (this.prepared?.usable) {
      return this.prepared.apply(
        aor,
        upsert.map((b) => toRow(practiceId, b)),
        remove,
      );
    }
    await this.db.transaction().execute(async (trx) => {
      const contacts = [...remove, ...upsert.map((b) => b.contact)];
      if (contacts.length > 0) await trx.deleteFrom('sip_bindings').where('aor', '=', aor).where('contact', 'in', contacts).execute();
      if (upsert.length > 0) await trx.insertInto('sip_bindings').values(upsert.map((b) => toRow(practiceId, b))).execute();
    });
  }

  async loadAll(): Promise<Binding[]> {
    if (this.prepared?.usable) return this.prepared.loadAll().map(fromRow);
    const rows = await this.db.selectFrom('sip_bindings').selectAll().orderBy('aor').orderBy('contact').execute();
    return rows.map(fromRow);
  }

  externalVersion(): number | undefined {
    return this.prepared?.version();
  }

  /** Writes many bindings of many AORs in one transaction (a CachedLocationStore's group commit); see LocationBackend. */
  async applyBatch(writes: BindingWrite[]): Promise<readonly DroppedWrite[]> {
    if (writes.length === 0) return [];
    if (this.prepared?.usable) return this.prepared.applyBatch(writes);
    const write = async (trx: Kysely<Database>, w: BindingWrite): Promise<void> => {
      const aor = w.kind === 'remove' ? w.aor : w.binding.aor;
      const contact = w.kind === 'remove' ? w.contact : w.binding.contact;
      await trx.deleteFrom('sip_bindings').where('aor', '=', aor).where('contact', '=', contact).execute();
      if (w.kind === 'upsert') await trx.insertInto('sip_bindings').values(toRow(w.practiceId, w.binding)).execute();
    };
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const w of writes) await write(trx, w);
      });
      return [];
    } catch (e) {
      if (!refusedForItsRow(e)) throw e;
    }
    // As on the prepared path: one row refused must not hold back the rest; a failing database stops the retries.
    const dropped: DroppedWrite[] = [];
    let fatal: unknown;
    for (const w of writes) {
      if (fatal !== undefined) {
        dropped.push({ write: w, error: fatal });
        continue;
      }
      try {
        await this.db.transaction().execute((trx) => write(trx, w));
      } catch (e) {
        dropped.push({ write: w, error: e });
        if (!refusedForItsRow(e)) fatal = e;
      }
    }
    return dropped;
  }

  async removeDevice(deviceId: string): Promise<number> {
    const r = await this.db.deleteFrom('sip_bindings').where('device_id', '=', deviceId).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async purgeExpired(now: number): Promise<number> {
    const r = await this.db.deleteFrom('sip_bindings').where('expires_at', '<=', new Date(now).toISOString()).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

function toRow(practiceId: string, b: Binding): SipBindingsTable {
  return {
    aor: b.aor,
    contact: b.contact,
    practice_id: practiceId,
    device_id: b.deviceId,
    call_id: b.callId,
    cseq: b.cseq,
    expires_at: new Date(b.expiresAt).toISOString(),
    q: b.q === null ? null : String(b.q),
    instance_id: b.instanceId,
    reg_id: b.regId,
    source_transport: b.source.transport,
    source_address: b.source.address,
    source_port: b.source.port,
    user_agent: b.userAgent,
  };
}

function fromRow(r: SipBindingsTable): Binding {
  return {
    aor: r.aor,
    contact: r.contact,
    callId: r.call_id,
    cseq: Number(r.cseq),
    expiresAt: Date.parse(r.expires_at),
    q: r.q === null ? null : Number(r.q),
    instanceId: r.instance_id,
    regId: r.reg_id === null ? null : Number(r.reg_id),
    source: { transport: r.source_transport, address: r.source_address, port: Number(r.source_port) },
    deviceId: r.device_id,
    userAgent: r.user_agent,
  };
}
