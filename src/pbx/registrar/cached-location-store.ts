// The location service kept in memory, with every change committed to the
// database in group commits. Lookups are answered from memory; a change is
// in memory at once and apply() resolves once the group commit holding it
// is in the database, at most `flushIntervalMs` later (10 ms by default).
// The registrar sends its 200 OK only then: an answered binding survives a
// restart or a crash of the process (RFC 3261 10.3 step 8 answers with the
// bindings "now" stored).
//
// A failed commit rejects apply() and the REGISTER is answered 500, which
// tells the phone nothing changed (it retries). So it must be true: the
// failed writes are dropped, not retried later, and memory gets back the
// row the database still holds for each (unless a newer write of the same
// contact has overtaken it: that one stands, and is committed or rolled
// back in its turn). Each pending write keeps the row the database holds
// for its contact, to roll back to.
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
  /** Told when a group commit fails, or leaves writes out (their REGISTERs are answered 500). */
  onFlushError?: (err: unknown) => void;
}

/** One apply(): settled once every write it made is committed (resolve) or one is not (reject). */
interface Ticket {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
  left: number;
  settled: boolean;
}

/** The last write of one (aor, contact) not yet committed, and the applies whose answer hangs on it. */
interface PendingWrite {
  write: BindingWrite;
  /** The row the database holds for this contact (undefined: none): what a failure rolls memory back to. */
  committed: Binding | undefined;
  readonly waiters: Ticket[];
}

/** One pending write per (aor, contact). */
function writeKey(w: BindingWrite): string {
  return w.kind === 'remove' ? `${w.aor}\u0000${w.contact}` : `${w.binding.aor}\u0000${w.binding.contact}`;
}

function target(w: BindingWrite): { aor: string; contact: string } {
  return w.kind === 'remove' ? w : w.binding;
}

function newTicket(): Ticket {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject, left: 0, settled: false };
}

function fail(t: Ticket, error: unknown): void {
  if (t.settled) return;
  t.settled = true;
  // Handled from here: a caller that stopped waiting (a stop in progress) must not turn a failed commit into an unhandled rejection.
  t.promise.catch(() => undefined);
  t.reject(error);
}

export class CachedLocationStore implements LocationStore {
  private readonly byAor = new Map<string, Binding[]>();
  /** Writes not yet committed, one per (aor, contact): the last one wins, and its waiters include the ones it replaced. */
  private pending = new Map<string, PendingWrite>();
  /** The group commit under way. */
  private inFlight: Map<string, PendingWrite> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** The group commit or reload under way: one at a time (a reload must not miss a commit's rows). */
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

  /**
   * Changes memory at once; resolves when the change is committed, rejects
   * when it is not (memory then holds the earlier rows again, unless a newer
   * change of the same contact came meanwhile).
   */
  apply(practiceId: string, aor: string, upsert: Binding[], remove: string[]): Promise<void> {
    if (this.closed) throw new Error('location store closed');
    if (upsert.length === 0 && remove.length === 0) return Promise.resolve();
    const ticket = newTicket();
    const rows = this.byAor.get(aor)?.slice() ?? [];
    for (const contact of remove) {
      const at = rows.findIndex((b) => b.contact === contact);
      this.queue({ kind: 'remove', aor, contact }, at >= 0 ? rows[at] : undefined, ticket);
      if (at >= 0) rows.splice(at, 1);
    }
    for (const b of upsert) {
      const at = rows.findIndex((x) => x.contact === b.contact);
      this.queue({ kind: 'upsert', practiceId, binding: b }, at >= 0 ? rows[at] : undefined, ticket);
      if (at >= 0) rows[at] = b;
      else rows.push(b);
    }
    this.put(aor, rows);
    this.scheduleFlush();
    return ticket.promise;
  }

  async removeDevice(deviceId: string): Promise<number> {
    // Out of memory first, pending writes included: from here no lookup reaches a disabled (or
    // stolen) phone, whether or not the database writes below succeed.
    this.forgetDevice(deviceId);
    for (const [key, p] of this.pending) {
      if (p.write.kind !== 'upsert' || p.write.binding.deviceId !== deviceId) continue;
      this.pending.delete(key);
      for (const t of p.waiters) fail(t, new Error('device removed'));
    }
    // Whatever the commit under way does, the rows are deleted: a failed
    // flush must not bring a disabled device's bindings back on restart.
    await this.flush().catch(() => undefined);
    // A commit that failed meanwhile rolled memory back to rows it may have held.
    this.forgetDevice(deviceId);
    return this.backend.removeDevice(deviceId);
  }

  async purgeExpired(now: number): Promise<number> {
    await this.flush().catch(() => undefined);
    for (const [aor, rows] of this.byAor) {
      const live = rows.filter((b) => b.expiresAt > now);
      if (live.length !== rows.length) this.put(aor, live);
    }
    return this.backend.purgeExpired(now);
  }

  /**
   * Commits every pending write now; resolves once they are in the database
   * or left out (their applies rejected), rejects when the commit failed.
   */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    // One group commit at a time; writes that arrive meanwhile go in the next.
    while (this.flushing) await this.flushing.catch(() => undefined);
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.inFlight = batch;
    const writes: BindingWrite[] = [];
    for (const p of batch.values()) writes.push(p.write);
    this.flushing = this.backend.applyBatch(writes).then(
      (dropped) => {
        this.inFlight = undefined;
        if (dropped.length === 0) {
          for (const [key, p] of batch) this.settle(key, p, undefined);
          return;
        }
        const refused = new Map<BindingWrite, unknown>(dropped.map((d) => [d.write, d.error]));
        for (const [key, p] of batch) this.settle(key, p, refused.has(p.write) ? (refused.get(p.write) ?? new Error('write refused')) : undefined);
        this.o.onFlushError?.(dropped[0]?.error);
      },
      (err: unknown) => {
        this.inFlight = undefined;
        for (const [key, p] of batch) this.settle(key, p, err ?? new Error('commit failed'));
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
    // Our own writes go first, then the table is read back whole. Writes
    // made meanwhile stay pending (reload() lays them over what it reads),
    // and the lookup is still answered.
    await this.flush().catch(() => undefined);
    while (this.flushing) await this.flushing.catch(() => undefined);
    // No group commit runs during the load: one that committed after the
    // read but took its writes out of `pending` would vanish from memory.
    const reloading = this.reload();
    this.flushing = reloading;
    try {
      await reloading;
    } finally {
      this.flushing = undefined;
    }
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
    // Writes still pending (made while the load ran) stay in force, over the rows just read.
    for (const [key, p] of this.pending) {
      const { aor, contact } = target(p.write);
      const rows = this.byAor.get(aor) ?? [];
      p.committed = rows.find((b) => b.contact === contact);
      const kept = rows.filter((b) => b.contact !== contact);
      if (p.write.kind === 'upsert') kept.push(p.write.binding);
      this.put(aor, kept);
    }
  }

  /** Adds one write of `ticket`'s apply; `current` is the row memory holds for its contact. */
  private queue(w: BindingWrite, current: Binding | undefined, ticket: Ticket): void {
    const key = writeKey(w);
    const p = this.pending.get(key);
    if (!p) {
      // Memory holds what the database does, unless this contact's last write is still being committed.
      const flying = this.inFlight?.get(key);
      this.pending.set(key, { write: w, committed: flying ? flying.committed : current, waiters: [ticket] });
      ticket.left++;
      return;
    }
    // Coalesced: an apply whose write this replaces is answered with the commit of this one.
    p.write = w;
    if (p.waiters[p.waiters.length - 1] !== ticket) {
      p.waiters.push(ticket);
      ticket.left++;
    }
  }

  /** The outcome of one committed (error undefined) or failed write. */
  private settle(key: string, p: PendingWrite, error: unknown): void {
    const newer = this.pending.get(key);
    if (error === undefined) {
      if (newer) newer.committed = p.write.kind === 'upsert' ? p.write.binding : undefined;
      for (const t of p.waiters) if (--t.left === 0 && !t.settled) {
        t.settled = true;
        t.resolve();
      }
      return;
    }
    // Not written: memory gets back what the database holds, unless a newer write of this contact stands.
    if (!newer) {
      const { aor, contact } = target(p.write);
      const before = p.committed;
      const rows = (this.byAor.get(aor) ?? []).filter((b) => b.contact !== contact);
      if (before) rows.push(before);
      this.put(aor, rows);
    }
    for (const t of p.waiters) fail(t, error);
  }

  private forgetDevice(deviceId: string): void {
    for (const [aor, rows] of this.byAor) {
      const kept = rows.filter((b) => b.deviceId !== deviceId);
      if (kept.length !== rows.length) this.put(aor, kept);
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
