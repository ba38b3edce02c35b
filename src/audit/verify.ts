/**
 * Walks a chain in seq order and reports the first broken link. This is what
 * `sotto audit verify` runs against the database and what an auditor runs
 * against an export. Streaming: memory stays flat however long the chain.
 *
 * Two layers are checked. The SHA-256 chain (chain.ts): every event re-hashes
 * to its hash and links to the one before. The keyed tags (audit-key.ts),
 * when the verifier holds the audit keys: every tag under a held key checks
 * out, and the chain's tail is tagged under a held key, which authenticates
 * everything before it. The rules that stop a database writer from getting
 * around the key:
 *  - no unkeyed event after a keyed one (an upgraded install's unkeyed events
 *    are a prefix; a forger cannot append the old, unkeyed way);
 *  - a key, once left, never comes back, and nothing follows the current key
 *    but the current key (rotation only moves forward);
 *  - where the key changes away from a key the verifier does not hold (a
 *    retired master key since destroyed), the first event under the new key
 *    must be the checkpoint Sotto writes only after it verified the old
 *    segment with the old key (checkpoint.ts);
 *  - the tail must be authenticated: with the keys at hand, a chain ending in
 *    an unkeyed event fails too (`unkeyed_tail`), since every start tags a
 *    checkpoint onto an upgraded install's unkeyed chains.
 */
import { AUDIT_ACTIONS } from './actions.ts';
import { isAuditKeyId, keyById, macMatches, type AuditKeyring } from './audit-key.ts';
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
  | 'head_mismatch'
  /** The event's tag is not HMAC(audit key, hash): rewritten by someone without the key. */
  | 'mac_mismatch'
  /** An unkeyed event after keyed ones: a downgrade. */
  | 'unkeyed_after_keyed'
  /** An event under a key the chain had already moved on from. */
  | 'stale_key'
  /** The key changed away from a key not at hand without Sotto's checkpoint: the old segment was never verified. */
  | 'key_change_unverified'
  /** The chain ends in events no key at hand authenticates. */
  | 'unauthenticated_tail'
  /**
   * The chain ends in an unkeyed event although the keys are at hand: every
   * start tags a checkpoint onto an unkeyed chain (checkpoint.ts), so a live
   * chain ends tagged; an unkeyed tail is a chain rewritten without tags.
   */
  | 'unkeyed_tail';

export interface ChainBreak {
  /** The seq at which the chain stops holding (the expected seq when the row's own is unusable). */
  seq: number;
  reason: ChainBreakReason;
  /** The offending event's id, when a readable event is at fault. */
  id?: string;
}

/** Where a chain became keyed: its first keyed event. */
export interface KeyedFrom {
  seq: number;
  id: string;
}

/**
 * A run of consecutive events tagged under one audit key. After `sotto keys
 * rotate` a chain has two: the events before under the old key, the
 * re-keying checkpoint and what follows under the new one. An auditor writes
 * down the key of each range, not only the head's.
 */
export interface KeySegment {
  keyId: string;
  fromSeq: number;
  /** The segment's first event: after a rotation, the re-keying checkpoint. */
  fromId: string;
  toSeq: number;
  /** True when the first event is Sotto's re-keying checkpoint from the key before. */
  checkpoint: boolean;
}

export type ChainVerification =
  | {
      ok: true;
      count: number;
      head: ChainHead;
      /** The first keyed event; null for a chain written entirely before keying (or empty). */
      keyedFrom: KeyedFrom | null;
      /** The key that tags the last event; null when it is unkeyed. */
      headKeyId: string | null;
      /** The keyed events, one entry per key in chain order; empty when none is keyed. */
      keySegments: KeySegment[];
      /** True when the keys were at hand and a valid tag covers the whole chain. */
      authenticated: boolean;
    }
  | {
      ok: false;
      break: ChainBreak;
      verifiedCount: number;
      /** The keys of the events verified before the break, as for an intact chain: an auditor still learns which key tags which range. */
      keySegments: KeySegment[];
    };

export interface VerifyOptions {
  /** The chain's key as the store knows it; events with another practiceId are refused. Omit to take it from the first event. */
  practiceId?: string | null;
  /** Start mid-chain (a ranged export): the head just before the first event. Default: the chain's beginning. */
  start?: ChainHead;
  /** The head recorded independently (chain-head table, a previous export): detects a cut-off tail. */
  expectedHead?: ChainHead;
  /** The audit keys. Without them only the SHA-256 chain is checked (an auditor off the box with no published checkpoint). */
  keys?: AuditKeyring;
  /**
   * Default true: a tail no key at hand authenticates is a break. A live
   * chain always ends under the current key (checkpoint.ts); an export made
   * before a rotation legitimately ends under a retired one, so verifyExport
   * reports it as not authenticated instead.
   */
  requireAuthenticatedTail?: boolean;
}

export class ChainVerifier {
  #head: ChainHead;
  #count = 0;
  #practiceId: string | null | undefined;
  #broken: ChainBreak | null = null;
  readonly #keys: AuditKeyring | undefined;
  readonly #requireTail: boolean;
  #keyedFrom: KeyedFrom | null = null;
  /** Key of the previous keyed event. */
  #keyId: string | null = null;
  readonly #segments: KeySegment[] = [];
  readonly #leftKeys = new Set<string>();
  /** First keyed event not yet covered by a tag under a key at hand. */
  #unauthenticated: KeyedFrom | null = null;
  #lastId: string | undefined;

  constructor(options: VerifyOptions = {}) {
    this.#head = { ...(options.start ?? { seq: 0, hash: GENESIS_HASH }) };
    this.#practiceId = options.practiceId;
    this.#keys = options.keys;
    this.#requireTail = options.requireAuthenticatedTail ?? true;
  }

  get head(): ChainHead {
    return { ...this.#head };
  }

  /** Feeds the next event; returns the break once found (and keeps returning it). */
  push(row: unknown): ChainBreak | null {
    if (this.#broken) return this.#broken;
    const expectedSeq = this.#head.seq + 1;
    if (!isAuditEvent(row)) return this.#fail(expectedSeq, 'malformed');
    const id = row.id;
    if (this.#practiceId === undefined) this.#practiceId = row.practiceId;
    if (row.practiceId !== this.#practiceId) return this.#fail(row.seq, 'wrong_chain', id);
    if (row.seq > expectedSeq) return this.#fail(expectedSeq, 'missing_events', id);
    if (row.seq < expectedSeq) return this.#fail(row.seq, 'out_of_order', id);
    if (row.prevHash !== this.#head.hash) return this.#fail(row.seq, 'prev_hash_mismatch', id);
    let recomputed: string;
    try {
      recomputed = computeEventHash(row.prevHash, row);
    } catch {
      return this.#fail(row.seq, 'malformed', id); // e.g. a float or odd object smuggled into details
    }
    if (recomputed !== row.hash) return this.#fail(row.seq, 'hash_mismatch', id);
    const keyBreak = this.#checkKey(row);
    if (keyBreak) return this.#fail(row.seq, keyBreak, id);
    this.#head = { seq: row.seq, hash: row.hash };
    this.#lastId = id;
    this.#count++;
    return null;
  }

  #checkKey(row: AuditEvent): ChainBreakReason | null {
    const keyId = row.keyId ?? null;
    if (keyId === null) return this.#keyedFrom === null ? null : 'unkeyed_after_keyed';
    this.#keyedFrom ??= { seq: row.seq, id: row.id };
    const changed = this.#keyId !== null && keyId !== this.#keyId;
    if (this.#leftKeys.has(keyId)) return 'stale_key';
    const keys = this.#keys;
    if (keys) {
      if (this.#keyId === keys.current.id && keyId !== keys.current.id) return 'stale_key';
      // RFC 2104 tag under a key at hand: checked, and it covers every event before it through the hash chain.
      const key = keyById(keys, keyId);
      if (changed && this.#unauthenticated !== null && !isCheckpointFrom(row, this.#keyId!)) return 'key_change_unverified';
      if (key) {
        if (!macMatches(key, row.hash, row.mac!)) return 'mac_mismatch';
        this.#unauthenticated = null;
      } else {
        this.#unauthenticated ??= { seq: row.seq, id: row.id };
      }
    }
    const segment = this.#segments[this.#segments.length - 1];
    if (segment !== undefined && !changed) segment.toSeq = row.seq;
    else this.#segments.push({ keyId, fromSeq: row.seq, fromId: row.id, toSeq: row.seq, checkpoint: changed && isCheckpointFrom(row, this.#keyId!) });
    if (changed) this.#leftKeys.add(this.#keyId!);
    this.#keyId = keyId;
    return null;
  }

  finish(expectedHead?: ChainHead): ChainVerification {
    if (!this.#broken && expectedHead) {
      if (this.#head.seq < expectedHead.seq) this.#fail(this.#head.seq + 1, 'truncated');
      else if (this.#head.seq !== expectedHead.seq || this.#head.hash !== expectedHead.hash) this.#fail(this.#head.seq, 'head_mismatch');
    }
    if (!this.#broken && this.#keys && this.#requireTail) {
      if (this.#unauthenticated !== null) this.#fail(this.#unauthenticated.seq, 'unauthenticated_tail', this.#unauthenticated.id);
      else if (this.#count > 0 && this.#keyedFrom === null) this.#fail(this.#head.seq, 'unkeyed_tail', this.#lastId);
    }
    const keySegments = this.#segments.map((x) => ({ ...x }));
    if (this.#broken) return { ok: false, break: this.#broken, verifiedCount: this.#count, keySegments };
    return {
      ok: true,
      count: this.#count,
      head: this.head,
      keyedFrom: this.#keyedFrom,
      headKeyId: this.#keyId,
      keySegments,
      authenticated: this.#keys !== undefined && this.#keyedFrom !== null && this.#unauthenticated === null,
    };
  }

  #fail(seq: number, reason: ChainBreakReason, id?: string): ChainBreak {
    this.#broken = id === undefined ? { seq, reason } : { seq, reason, id };
    return this.#broken;
  }
}

/** Sotto's re-keying checkpoint (checkpoint.ts), naming the key it moves on from. */
function isCheckpointFrom(row: AuditEvent, fromKeyId: string): boolean {
  return row.action === AUDIT_ACTIONS.auditKeyCheckpoint && row.actor.type === 'system' && row.details['fromKeyId'] === fromKeyId;
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
    HEX64.test(e['hash']) &&
    keyFieldsWellFormed(e['keyId'], e['mac'])
  );
}

/** Unkeyed: neither field (or both null). Keyed: a key id and a 64-hex tag. */
function keyFieldsWellFormed(keyId: unknown, mac: unknown): boolean {
  if (keyId === undefined || keyId === null) return mac === undefined || mac === null;
  return isAuditKeyId(keyId) && typeof mac === 'string' && HEX64.test(mac);
}
