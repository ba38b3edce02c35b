// In-memory repositories for unit tests and tools. Semantics match the
// interfaces' contracts (compare-and-set, one data key per practice) so
// tests exercise the same races a database would. `snapshot()`/`restore()`
// let the crash test carry state across a killed child process.

import type {
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

function cloneKey(r: DataKeyRecord): DataKeyRecord {
  return { ...r, wrappedKey: Buffer.from(r.wrappedKey) };
}

/** A copy for the caller (short-lived: a slice of Node's buffer pool is the cheapest). */
function cloneObject(r: ObjectRecord): ObjectRecord {
  return { ...r, wrappedContentKey: r.wrappedContentKey ? Buffer.from(r.wrappedContentKey) : null };
}

/** A copy to keep as a row: its key in memory of its own (see ownCopy). */
function storedObject(r: ObjectRecord): ObjectRecord {
  return { ...r, wrappedContentKey: r.wrappedContentKey ? ownCopy(r.wrappedContentKey) : null };
}

/**
 * A copy in its own memory. Buffer.from would slice Node's shared 8 KiB
 * pool, and a row kept here would pin the whole slab (and whatever blob
 * bytes share it) for as long as the row lives.
 */
function ownCopy(b: Buffer): Buffer {
  // An ArrayBuffer of its own, never V8's on-heap form for small typed
  // arrays (allocUnsafeSlow's), which native code (the unwrap) would have
  // to move out on first use.
  const out = Buffer.from(new ArrayBuffer(b.length));
  b.copy(out);
  return out;
}

class MemoryDataKeys implements DataKeyRepository {
  readonly rows = new Map<string, DataKeyRecord>();

  async findByPractice(practiceId: string): Promise<DataKeyRecord | undefined> {
    for (const r of this.rows.values()) if (r.practiceId === practiceId) return cloneKey(r);
    return undefined;
  }
  async get(keyId: string): Promise<DataKeyRecord | undefined> {
    const r = this.rows.get(keyId);
    return r && cloneKey(r);
  }
  async insert(record: DataKeyRecord): Promise<'inserted' | 'conflict'> {
    for (const r of this.rows.values()) if (r.practiceId === record.practiceId) return 'conflict';
    if (this.rows.has(record.keyId)) return 'conflict';
    this.rows.set(record.keyId, cloneKey(record));
    return 'inserted';
  }
  async listAll(): Promise<DataKeyRecord[]> {
    return [...this.rows.values()].map(cloneKey);
  }
  async rewrap(
    keyId: string,
    expectedMasterKeyId: string,
    next: { wrappedKey: Buffer; masterKeyId: string; rotatedAt: Date },
  ): Promise<boolean> {
    const r = this.rows.get(keyId);
    if (!r || r.masterKeyId !== expectedMasterKeyId) return false;
    this.rows.set(keyId, { ...r, wrappedKey: Buffer.from(next.wrappedKey), masterKeyId: next.masterKeyId, rotatedAt: next.rotatedAt });
    return true;
  }
}

class MemoryObjects implements ObjectRepository {
  readonly rows = new Map<string, ObjectRecord>();
  constructor(private readonly receipts: MemoryReceipts) {}

  async insert(record: ObjectRecord): Promise<void> {
    if (this.rows.has(record.id)) throw new Error(`duplicate object id ${record.id}`);
    this.rows.set(record.id, storedObject(record));
  }
  async get(id: string): Promise<ObjectRecord | undefined> {
    return this.getNow(id);
  }
  /** The reference for the database's synchronous lookup (SQLite's prepared statement): the same copy as get(). */
  getNow(id: string): ObjectRecord | undefined {
    const r = this.rows.get(id);
    return r && cloneObject(r);
  }
  async findByBlobRef(blobRef: string): Promise<ObjectRecord | undefined> {
    for (const r of this.rows.values()) if (r.blobRef === blobRef) return cloneObject(r);
    return undefined;
  }
  async transition(
    id: string,
    from: readonly ObjectState[],
    patch: { state: ObjectState; size?: number | null; sealedAt?: Date | null },
  ): Promise<ObjectRecord | undefined> {
    const r = this.rows.get(id);
    if (!r || !from.includes(r.state)) return undefined;
    const next: ObjectRecord = {
      ...r,
      state: patch.state,
      size: patch.size === undefined ? r.size : patch.size,
      sealedAt: patch.sealedAt === undefined ? r.sealedAt : patch.sealedAt,
    };
    this.rows.set(id, next);
    return cloneObject(next);
  }
  async listByState(state: ObjectState, limit: number): Promise<ObjectRecord[]> {
    return [...this.rows.values()].filter((r) => r.state === state).slice(0, limit).map(cloneObject);
  }
  async listExpired(now: Date, limit: number): Promise<ObjectRecord[]> {
    return [...this.rows.values()]
      .filter(
        (r) =>
          (r.state === 'committed' || r.state === 'partial') &&
          !r.legalHold &&
          r.retentionDeadline !== null &&
          r.retentionDeadline.getTime() <= now.getTime(),
      )
      .sort((a, b) => a.retentionDeadline!.getTime() - b.retentionDeadline!.getTime())
      .slice(0, limit)
      .map(cloneObject);
  }
  async listByPractice(practiceId: string): Promise<ObjectRecord[]> {
    return [...this.rows.values()]
      .filter((r) => r.practiceId === practiceId && r.state !== 'shredded')
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .map(cloneObject);
  }
  async setLegalHold(id: string, hold: boolean): Promise<boolean> {
    const r = this.rows.get(id);
    if (!r) return false;
    r.legalHold = hold;
    return true;
  }
  async setRetentionDeadline(id: string, deadline: Date | null): Promise<boolean> {
    const r = this.rows.get(id);
    if (!r) return false;
    r.retentionDeadline = deadline;
    return true;
  }
  async shred(id: string, from: readonly ObjectState[], reason: DeletionReason): Promise<ObjectRecord | undefined> {
    const r = this.rows.get(id);
    if (!r || r.legalHold || !from.includes(r.state)) return undefined;
    const before = cloneObject(r);
    r.wrappedContentKey?.fill(0);
    this.rows.set(id, { ...r, wrappedContentKey: null, state: 'shredded', shredReason: reason });
    return before;
  }
  async finishShred(id: string, receipt: DeletionReceipt): Promise<void> {
    this.rows.delete(id);
    this.receipts.rows.push({ ...receipt });
  }
}

class MemoryReceipts implements DeletionReceiptRepository {
  readonly rows: DeletionReceipt[] = [];
  async list(filter: { practiceId?: string; since?: Date }): Promise<DeletionReceipt[]> {
    return this.rows
      .filter((r) => filter.practiceId === undefined || r.practiceId === filter.practiceId)
      .filter((r) => filter.since === undefined || r.deletedAt.getTime() >= filter.since.getTime())
      .map((r) => ({ ...r }));
  }
}

class MemoryUserHolds implements UserHoldRepository {
  readonly rows = new Map<string, UserHold>();
  async place(hold: UserHold): Promise<void> {
    this.rows.set(`${hold.practiceId}\u0000${hold.userId}`, { ...hold });
  }
  async release(practiceId: string, userId: string): Promise<boolean> {
    return this.rows.delete(`${practiceId}\u0000${userId}`);
  }
  async isHeld(practiceId: string, userId: string): Promise<boolean> {
    return this.rows.has(`${practiceId}\u0000${userId}`);
  }
  async list(practiceId: string): Promise<UserHold[]> {
    return [...this.rows.values()].filter((h) => h.practiceId === practiceId).map((h) => ({ ...h }));
  }
}

/** JSON-safe image of all rows (dates as ISO strings, buffers as base64). */
export interface MemorySnapshot {
  dataKeys: Record<string, unknown>[];
  objects: Record<string, unknown>[];
  receipts: Record<string, unknown>[];
  userHolds: Record<string, unknown>[];
}

export class MemoryVaultRepositories implements VaultRepositories {
  readonly receipts = new MemoryReceipts();
  readonly dataKeys = new MemoryDataKeys();
  readonly objects = new MemoryObjects(this.receipts);
  readonly userHolds = new MemoryUserHolds();

  snapshot(): MemorySnapshot {
    return JSON.parse(
      JSON.stringify(
        {
          dataKeys: [...this.dataKeys.rows.values()],
          objects: [...this.objects.rows.values()],
          receipts: this.receipts.rows,
          userHolds: [...this.userHolds.rows.values()],
        },
        (_key, value: unknown) => {
          if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer') {
            return { $b64: Buffer.from((value as { data: number[] }).data).toString('base64') };
          }
          return value;
        },
      ),
    ) as MemorySnapshot;
  }

  static restore(snapshot: MemorySnapshot): MemoryVaultRepositories {
    const repos = new MemoryVaultRepositories();
    const revive = (row: Record<string, unknown>): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row)) {
        if (v && typeof v === 'object' && '$b64' in v) out[k] = Buffer.from(String((v as { $b64: string }).$b64), 'base64');
        else if (typeof v === 'string' && /At$|Deadline$/.test(k)) out[k] = new Date(v);
        else out[k] = v;
      }
      return out;
    };
    for (const row of snapshot.dataKeys) {
      const r = revive(row) as unknown as DataKeyRecord;
      repos.dataKeys.rows.set(r.keyId, r);
    }
    for (const row of snapshot.objects) {
      const r = revive(row) as unknown as ObjectRecord;
      repos.objects.rows.set(r.id, r);
    }
    for (const row of snapshot.receipts) repos.receipts.rows.push(revive(row) as unknown as DeletionReceipt);
    for (const row of snapshot.userHolds) {
      const h = revive(row) as unknown as UserHold;
      repos.userHolds.rows.set(`${h.practiceId}\u0000${h.userId}`, h);
    }
    return repos;
  }
}
