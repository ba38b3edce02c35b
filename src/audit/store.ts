/**
 * Where audit events live. The lead's Kysely implementation and the
 * in-memory one below share this interface.
 *
 * SERIALISING APPENDS. Each chain (one per practice, plus the installation
 * chain) must have exactly one writer at a time, or two transactions could
 * both link onto the same head and fork the chain. `append` runs inside the
 * caller's transaction, the same one as the action it records, so if either
 * fails both roll back. How a database implementation should do it:
 *
 *  PostgreSQL
 *   - table audit_chain_heads(chain_key text primary key, seq bigint, hash text)
 *   - in the caller's transaction:
 *       INSERT INTO audit_chain_heads VALUES ($key, 0, GENESIS_HASH) ON CONFLICT DO NOTHING;
 *       SELECT seq, hash FROM audit_chain_heads WHERE chain_key = $key FOR UPDATE;
 *       -- build(head) --
 *       INSERT INTO audit_events (...);
 *       UPDATE audit_chain_heads SET seq = $seq, hash = $hash WHERE chain_key = $key;
 *     The row lock is held to commit, so other writers to this practice wait,
 *     other practices do not. Append as the transaction's last statement to
 *     keep that wait short.
 *  SQLite (better-sqlite3)
 *   - one writer per database: run the action in a write transaction begun
 *     IMMEDIATE (better-sqlite3's `db.transaction(fn).immediate()`), then the
 *     same statements without FOR UPDATE.
 *  Both
 *   - UNIQUE (chain_key, seq) on audit_events as a backstop: a writer that
 *     slipped past the lock fails instead of forking the chain.
 *   - Append-only: a trigger refusing UPDATE and DELETE on audit_events
 *     (PostgreSQL: also REVOKE UPDATE, DELETE from the application role).
 *   - Store `at` as text and `details` as its canonical JSON text (or jsonb
 *     re-canonicalised on read), seq as an integer read back as a JS number,
 *     so every event reads back exactly as hashed.
 *   - The head table doubles as the anchor for `verify`'s truncation check.
 *     Copy head hashes off the box now and then (logs, exports): a rewrite of
 *     the whole chain by someone with database access is caught only against
 *     an anchor they could not reach.
 */
import { EMPTY_HEAD, type ChainHead } from './chain.ts';
import type { AuditEvent } from './event.ts';

export interface AuditRange {
  /** Inclusive; default 1. */
  fromSeq?: number;
  /** Inclusive; default the head. */
  toSeq?: number;
  /** Default: no limit. */
  limit?: number;
}

/** What the event at the head's seq carries: enough to check its tag before linking onto it (append-guard.ts). */
export interface ChainTail {
  hash: string;
  keyId: string | null;
  mac: string | null;
}

export interface AuditStore<Tx> {
  /**
   * Under the chain's write lock and inside `tx`: read the head and the event
   * at its seq (`tail`, null when the chain is empty or that row is missing),
   * call `build(head, tail)` (pure and synchronous: it checks the tail and
   * computes the linked event), insert the result, advance the head.
   * Returns the stored event.
   */
  append(tx: Tx, chainKey: string, build: (head: ChainHead, tail: ChainTail | null) => AuditEvent): Promise<AuditEvent>;
  /** Committed events of one chain, ascending seq. */
  readRange(chainKey: string, range?: AuditRange): Promise<AuditEvent[]>;
  /** The committed head of a chain (EMPTY_HEAD when it has no events). */
  head(chainKey: string): Promise<ChainHead>;
  /** Every chain that has events or a head row, for `sotto audit verify`: from the events themselves, so a head row moved back to seq 0 or deleted cannot hide a chain. */
  chainKeys(): Promise<string[]>;
}

/** A transaction of the in-memory store: events staged until commit. */
export interface MemoryAuditTx {
  readonly staged: Map<string, AuditEvent[]>;
}

/**
 * In-memory AuditStore with real transaction semantics: transactions run one
 * at a time (like SQLite's single writer), staged events become visible at
 * commit and vanish if the transaction throws.
 */
export class MemoryAuditStore implements AuditStore<MemoryAuditTx> {
  readonly #chains = new Map<string, AuditEvent[]>();
  /** Kept apart from the rows, like the audit_chain_heads table. */
  readonly #heads = new Map<string, ChainHead>();
  #queue: Promise<unknown> = Promise.resolve();

  transaction<T>(fn: (tx: MemoryAuditTx) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const tx: MemoryAuditTx = { staged: new Map() };
      const result = await fn(tx);
      for (const [key, events] of tx.staged) {
        const chain = this.#chains.get(key) ?? [];
        chain.push(...events);
        this.#chains.set(key, chain);
        const last = events.at(-1);
        if (last) this.#heads.set(key, { seq: last.seq, hash: last.hash });
      }
      return result;
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async append(tx: MemoryAuditTx, chainKey: string, build: (head: ChainHead, tail: ChainTail | null) => AuditEvent): Promise<AuditEvent> {
    const staged = tx.staged.get(chainKey) ?? [];
    const last = staged.at(-1);
    const head = last ? { seq: last.seq, hash: last.hash } : { ...(this.#heads.get(chainKey) ?? EMPTY_HEAD) };
    const row = last ?? (head.seq > 0 ? this.#chains.get(chainKey)?.find((e) => e.seq === head.seq) : undefined);
    const event = build(head, row ? { hash: row.hash, keyId: row.keyId ?? null, mac: row.mac ?? null } : null);
    if (event.seq !== head.seq + 1 || event.prevHash !== head.hash) throw new Error('built event does not extend the head');
    staged.push(structuredClone(event));
    tx.staged.set(chainKey, staged);
    return event;
  }

  async readRange(chainKey: string, range: AuditRange = {}): Promise<AuditEvent[]> {
    const from = range.fromSeq ?? 1;
    const to = range.toSeq ?? Number.MAX_SAFE_INTEGER;
    const rows = (this.#chains.get(chainKey) ?? []).filter((e) => e.seq >= from && e.seq <= to).sort((a, b) => a.seq - b.seq);
    return structuredClone(range.limit === undefined ? rows : rows.slice(0, range.limit));
  }

  async head(chainKey: string): Promise<ChainHead> {
    return { ...(this.#heads.get(chainKey) ?? EMPTY_HEAD) };
  }

  /** Chains with events or a head row: a head row moved back or removed must not hide a chain's events from verify. */
  async chainKeys(): Promise<string[]> {
    const keys = new Set([...this.#heads.keys(), ...[...this.#chains].filter(([, rows]) => rows.length > 0).map(([k]) => k)]);
    return [...keys].sort();
  }

  /**
   * Tests only: direct access to a chain's stored rows, to play the attacker
   * with database access (edit, delete, reorder) and check verify catches it.
   */
  rawRows(chainKey: string): AuditEvent[] {
    return this.#chains.get(chainKey) ?? [];
  }

  /** Tests only: the attacker moving the head row to match a rewritten chain. */
  rawSetHead(chainKey: string, head: ChainHead): void {
    this.#heads.set(chainKey, { ...head });
  }

  /** Tests only: the attacker deleting a chain's head row. */
  rawDeleteHead(chainKey: string): void {
    this.#heads.delete(chainKey);
  }

  /** Tests only: the attacker writing a whole chain of their own (rows and head row). */
  rawSetChain(chainKey: string, rows: AuditEvent[]): void {
    this.#chains.set(chainKey, rows);
    const last = rows.at(-1);
    if (last) this.#heads.set(chainKey, { seq: last.seq, hash: last.hash });
  }
}
