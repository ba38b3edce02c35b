/**
 * Walks a chain in seq order and reports the first broken link. This is what
 * `sotto audit verify` runs against the database and what an auditor runs
 * against an export. Streaming: memory stays flat however long the chain.
 */
import { GENESIS_HASH, computeEventHash, type ChainHead } from './chain.ts';
import { ACTOR_TYPES, OUTCOMES, type AuditEvent } from './event.ts';

export type ChainBreakReason =
  /** A row that is not an audit event (missing or mistyped field). */
  | 'malformed'
  /** An event of another chain (practice) in this one. */
  | 'wrong_chain'
  /** seq jumps ahead: events were deleted. */
  | 'missing_events'
  /** seq repeats or goes back: events were duplicated or reordered. */
  | 'out_of_order'
  /** prevHash is not the previous event's hash: a neighbour was removed, inserted or rewritten. */
  | 'prev_hash_mismatch'
  /** The event's content no longer matches its hash: it was edited. */
  | 'hash_mismatch'
  /** The chain ends before the head recorded elsewhere: its tail was cut off. */
  | 'truncated'
  /** The chain's last event is not the recorded head. */
  | 'head_mismatch';

export interface ChainBreak {
  /** The seq at which the chain stops holding (the expected seq when the row's own is unusable). */
  seq: number;
  reason: ChainBreakReason;
}

export type ChainVerification =
  | { ok: true; count: number; head: ChainHead }
  | { ok: false; break: ChainBreak; verifiedCount: number };

export interface VerifyOptions {
  /** The chain's key as the store knows it; events with another practiceId are refused. Omit to take it from the first event. */
  practiceId?: string | null;
  /** Start mid-chain (a ranged export): the head just before the first event. Default: the chain's beginning. */
  start?: ChainHead;
  /** The head recorded independently (chain-head table, a previous export): detects a cut-off tail. */
  expectedHead?: ChainHead;
}

export class ChainVerifier {
  #head: ChainHead;
  #count = 0;
  #practiceId: string | null | undefined;
  #broken: ChainBreak | null = null;

  constructor(options: VerifyOptions = {}) {
    this.#head = { ...(options.start ?? { seq: 0, hash: GENESIS_HASH }) };
    this.#practiceId = options.practiceId;
  }

  get head(): ChainHead {
    return { ...this.#head };
  }

  /** Feeds the next event; returns the break once found (and keeps returning it). */
  push(row: unknown): ChainBreak | null {
    if (this.#broken) return this.#broken;
    const expectedSeq = this.#head.seq + 1;
    if (!isAuditEvent(row)) return this.#fail(expectedSeq, 'malformed');
    if (this.#practiceId === undefined) this.#practiceId = row.practiceId;
    if (row.practiceId !== this.#practiceId) return this.#fail(row.seq, 'wrong_chain');
    if (row.seq > expectedSeq) return this.#fail(expectedSeq, 'missing_events');
    if (row.seq < expectedSeq) return this.#fail(row.seq, 'out_of_order');
    if (row.prevHash !== this.#head.hash) return this.#fail(row.seq, 'prev_hash_mismatch');
    let recomputed: string;
    try {
      recomputed = computeEventHash(row.prevHash, row);
    } catch {
      return this.#fail(row.seq, 'malformed'); // e.g. a float or odd object smuggled into details
    }
    if (recomputed !== row.hash) return this.#fail(row.seq, 'hash_mismatch');
    this.#head = { seq: row.seq, hash: row.hash };
    this.#count++;
    return null;
  }

  finish(expectedHead?: ChainHead): ChainVerification {
    if (!this.#broken && expectedHead) {
      if (this.#head.seq < expectedHead.seq) this.#fail(this.#head.seq + 1, 'truncated');
      else if (this.#head.seq !== expectedHead.seq || this.#head.hash !== expectedHead.hash) this.#fail(this.#head.seq, 'head_mismatch');
    }
    if (this.#broken) return { ok: false, break: this.#broken, verifiedCount: this.#count };
    return { ok: true, count: this.#count, head: this.head };
  }

  #fail(seq: number, reason: ChainBreakReason): ChainBreak {
    this.#broken = { seq, reason };
    return this.#broken;
  }
}

export function verifyChain(events: Iterable<unknown>, options: VerifyOptions = {}): ChainVerification {
  const verifier = new ChainVerifier(options);
  for (const e of events) if (verifier.push(e)) break;
  return verifier.finish(options.expectedHead);
}

export async function verifyChainAsync(events: AsyncIterable<unknown>, options: VerifyOptions = {}): Promise<ChainVerification> {
  const verifier = new ChainVerifier(options);
  for await (const e of events) if (verifier.push(e)) break;
  return verifier.finish(options.expectedHead);
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Shape check for rows read back from storage or an export; content rules are the hash's job. */
export function isAuditEvent(v: unknown): v is AuditEvent {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  const actor = e['actor'] as Record<string, unknown> | null | undefined;
  const object = e['object'] as Record<string, unknown> | null | undefined;
  const details = e['details'];
  return (
    typeof e['id'] === 'string' &&
    Number.isSafeInteger(e['seq']) &&
    (e['seq'] as number) >= 1 &&
    typeof e['at'] === 'string' &&
    (e['practiceId'] === null || typeof e['practiceId'] === 'string') &&
    typeof actor === 'object' &&
    actor !== null &&
    (ACTOR_TYPES as readonly unknown[]).includes(actor['type']) &&
    typeof actor['id'] === 'string' &&
    typeof e['action'] === 'string' &&
    (object === null || (typeof object === 'object' && typeof object['type'] === 'string' && typeof object['id'] === 'string')) &&
    (e['sourceIp'] === null || typeof e['sourceIp'] === 'string') &&
    (OUTCOMES as readonly unknown[]).includes(e['outcome']) &&
    typeof details === 'object' &&
    details !== null &&
    !Array.isArray(details) &&
    typeof e['prevHash'] === 'string' &&
    HEX64.test(e['prevHash']) &&
    typeof e['hash'] === 'string' &&
    HEX64.test(e['hash'])
  );
}
