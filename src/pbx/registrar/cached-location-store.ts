// The location service kept in memory, with every change committed to the
// database in group commits. Lookups are answered from memory; a change is
// in memory at once and apply() resolves once the group commit holding it
// is in the database, at most `flushIntervalMs` later (10 ms by default).
// The registrar sends its 200 OK only then: an answered binding survives a
// restart or a crash of the process (RFC 3261 10.3 step 8 answers with the
// bindings "now" stored). A failed commit rejects apply(), the REGISTER is
// answered 500 and the phone retries; the writes stay pending and are
// retried with the next commit.
//
// Why: reading the AOR's rows and committing one transaction per REGISTER
// cost more CPU than everything else a registration does. One commit for
// every REGISTER of a flush window, with repeated updates of the same
// contact coalesced, makes the database cost per REGISTER small and
// independent of the rate; the price is up to one window of latency on the
// 200 OK, not durability.
//
// Coherence: this process is the only writer of sip_bindings while it runs,
// except for CLI commands run beside it (`sotto user disable`). Those commit
// on another connection, which SQLite's data_version reveals; the table is
// then reloaded from the database, within `reloadCheckMs` (250 ms). A
// device disabled by the CLI is in any case refused on its next REGISTER
// (its credential is gone; the credential cache lives at most 2 s).
import type { Binding } from './binding.ts';
import type { BindingWrite, LocationBackend, LocationStore } from './location-store.ts';

export interface CachedLocationStoreOptions {
  /** Longest a binding change waits for its group commit (and its REGISTER for the 200 OK); default 10 ms. */
  flushIntervalMs?: number;
  /** How often at most data_version is read to see other processes' writes; default 250 ms. */
  reloadCheckMs?: number;
  now?: () => number;
  /** Told when a group commit fails (the writes are retried on the next flush). */
  onFlushError?: (err: unknown) => void;
}

/** One pending write per (aor, contact). */
function writeKey(w: BindingWrite): string {
  return w.kind === 'remove' ? `${w.aor}\u0000${w.contact}` : `${w.binding.aor}\u0000${w.binding.contact}`;
}

export class CachedLocationStore implements LocationStore {
  private readonly byAor = new Map<string, Binding[]>();
  /** Writes not yet committed, one per (aor, contact): the last one wins. */
  private pending = new Map<string, BindingWrite>();
  /** Settled when the writes now pending are committed: every apply() of the window shares it. */
  private commit: Deferred | undefined;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private version: number | undefined;
  private checkedAt = 0;
  private closed = false;
  private readonly flushIntervalMs: number;
  private readonly reloadCheckMs: number;
  private readonly now: () => number;

  private constructor(
    private readonly backend: LocationBackend,
    private readonly o: CachedLocationStoreOptions,
  ) {
    this.flushIntervalMs = o.flushIntervalMs ?? 10;
    this.reloadCheckMs = o.reloadCheckMs ?? 250;
    this.now = o.now ?? Date.now;
  }

  /** Loads every binding from the database and starts serving from memory. */
  static async open(backend: LocationBackend, options: CachedLocationStoreOptions = {}): Promise<CachedLocationStore> {
    const store = new CachedLocationStore(backend, options);
    await store.reload();
    return store;
  }

  /** Writes waiting for their group commit (for figures and tests). */
  get pendingWrites(): number {
    return this.pending.size;
  }

  /** From memory, at once; first (a promise) a reload when another process changed the table. */
  lookup(aor: string): Binding[] | Promise<Binding[]> {
    const reloading = this.reloadIfChangedElsewhere();
    if (reloading) return reloading.then(() => this.byAor.get(aor)?.slice() ?? []);
    return this.byAor.get(aor)?.slice() ?? [];
  }

  /** Changes memory at once; resolves when the change is committed, rejects when that commit failed. */
  apply(practiceId: string, aor: string, upsert: Binding[], remove: string[]): Promise<void> {
    if (this.closed) throw new Error('location store closed');
    if (upsert.length === 0 && remove.length === 0) return Promise.resolve();
    const rows = this.byAor.get(aor)?.slice() ?? [];
    for (const contact of remove) {
      const at = rows.findIndex((b) => b.contact === contact);
      if (at >= 0) rows.splice(at, 1);
      const w: BindingWrite = { kind: 'remove', aor, contact };
      this.pending.set(writeKey(w), w);
    }
    for (const b of upsert) {
      const at = rows.findIndex((x) => x.contact === b.contact);
      if (at >= 0) rows[at] = b;
      else rows.push(b);
      const w: BindingWrite = { kind: 'upsert', practiceId, binding: b };
      this.pending.set(writeKey(w), w);
    }
    this.put(aor, rows);
    this.scheduleFlush();
    this.commit ??= deferred();
    return this.commit.promise;
  }

  async removeDevice(deviceId: string): Promise<number> {
    // Out of memory first, pending writes included: from here no lookup reaches a disabled (or
    // stolen) phone, whether or not the database writes below succeed.
    for (const [aor, rows] of this.byAor) {
      const kept = rows.filter((b) => b.deviceId !== deviceId);
      if (kept.length !== rows.length) this.put(aor, kept);
    }
    for (const [key, w] of this.pending) if (w.kind === 'upsert' && w.binding.deviceId === deviceId) this.pending.delete(key);
    await this.flush();
    return this.backend.removeDevice(deviceId);
  }

  async purgeExpired(now: number): Promise<number> {
    await this.flush();
    for (const [aor, rows] of this.byAor) {
      const live = rows.filter((b) => b.expiresAt > now);
      if (live.length !== rows.length) this.put(aor, live);
    }
    return this.backend.purgeExpired(now);
  }

  /** Commits every pending write now; resolves once they are in the database. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    // One group commit at a time; writes that arrive meanwhile go in the next.
    while (this.flushing) await this.flushing.catch(() => undefined);
    const commit = this.commit;
    this.commit = undefined;
    if (this.pending.size === 0) {
      commit?.resolve();
      return;
    }
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.flushing = this.backend.applyBatch(batch).then(
      () => commit?.resolve(),
      (err: unknown) => {
        commit?.reject(err);
        // Put the batch back under any newer writes, and try again later.
        const newer = this.pending;
        this.pending = new Map(batch.map((w) => [writeKey(w), w]));
        for (const [k, w] of newer) this.pending.set(k, w);
        if (!this.closed) this.scheduleFlush();
        this.o.onFlushError?.(err);
        throw err;
      },
    );
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
    }
  }

  /** Flushes and stops accepting writes (graceful shutdown). */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private scheduleFlush(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch(() => undefined);
    }, this.flushIntervalMs);
  }

  /** Undefined when memory is current (the usual case); else the reload's promise. */
  private reloadIfChangedElsewhere(): Promise<void> | undefined {
    const now = this.now();
    if (now - this.checkedAt < this.reloadCheckMs && now >= this.checkedAt) return undefined;
    this.checkedAt = now;
    const v = this.backend.externalVersion();
    if (v === undefined || v === this.version) return undefined;
    return this.reloadFromDatabase();
  }

  private async reloadFromDatabase(): Promise<void> {
    // Our own writes go first, then the table is read back whole. A failed
    // flush keeps its writes pending (reload() lays them over what it reads),
    // and the lookup is still answered.
    await this.flush().catch(() => undefined);
    await this.reload();
  }

  private async reload(): Promise<void> {
    this.version = this.backend.externalVersion();
    const all = await this.backend.loadAll();
    this.byAor.clear();
    for (const b of all) {
      const rows = this.byAor.get(b.aor);
      if (rows) rows.push(b);
      else this.byAor.set(b.aor, [b]);
    }
    // Writes still pending (made while the load ran) stay in force.
    for (const w of this.pending.values()) {
      const aor = w.kind === 'remove' ? w.aor : w.binding.aor;
      const contact = w.kind === 'remove' ? w.contact : w.binding.contact;
      const rows = (this.byAor.get(aor) ?? []).filter((b) => b.contact !== contact);
      if (w.kind === 'upsert') rows.push(w.binding);
      this.put(aor, rows);
    }
  }

  /** Stores an AOR's rows ordered by contact, as the database returns them; none means no entry. */
  private put(aor: string, rows: Binding[]): void {
    if (rows.length === 0) {
      this.byAor.delete(aor);
      return;
    }
    rows.sort((a, b) => (a.contact < b.contact ? -1 : a.contact > b.contact ? 1 : 0));
    this.byAor.set(aor, rows);
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A caller that stopped waiting (a stop in progress) must not turn a failed commit into an unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
