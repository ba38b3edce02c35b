/**
 * The hash chain. Event n carries
 *   prevHash_n = hash_{n-1}            (hash_0 = 32 zero bytes)
 *   hash_n     = SHA-256( prevHash_n as 32 raw bytes || UTF-8 canonicalJson(body_n) )
 * where body_n is the event without prevHash and hash (canonical.ts). Editing,
 * deleting, inserting or reordering any event changes a hash that every later
 * event depends on, so verify.ts finds the first place the chain breaks.
 *
 * A keyed event (every event since the chain was keyed) also names its audit
 * key in the body (`keyId`) and carries mac_n = HMAC(audit key, hash_n): see
 * audit-key.ts for why the tag sits on top of the hash rather than replacing it.
 */
import { createHash } from 'node:crypto';
import { macOf, type AuditKey } from './audit-key.ts';
import { canonicalJson, type CanonicalValue } from './canonical.ts';
import type { AuditEvent, AuditEventBody } from './event.ts';

export const GENESIS_HASH = '0'.repeat(64);

/** Where a chain ends: its last seq (0 when empty) and that event's hash. */
export interface ChainHead {
  seq: number;
  hash: string;
}

export const EMPTY_HEAD: Readonly<ChainHead> = Object.freeze({ seq: 0, hash: GENESIS_HASH });

/** Only the body fields, in case a stored row carries extra columns. */
export function eventBody(event: AuditEventBody): AuditEventBody {
  const body: AuditEventBody = {
    id: event.id,
    seq: event.seq,
    at: event.at,
    practiceId: event.practiceId,
    actor: { type: event.actor.type, id: event.actor.id },
    action: event.action,
    object: event.object === null ? null : { type: event.object.type, id: event.object.id },
    sourceIp: event.sourceIp,
    outcome: event.outcome,
    details: event.details,
  };
  // Unkeyed events were hashed without the field; keyed ones hash it, so a key id cannot be swapped or stripped without breaking the link.
  if (event.keyId !== undefined && event.keyId !== null) body.keyId = event.keyId;
  return body;
}

export function canonicalEventBody(body: AuditEventBody): string {
  return canonicalJson(eventBody(body) as unknown as CanonicalValue);
}

export function computeEventHash(prevHash: string, body: AuditEventBody): string {
  if (!/^[0-9a-f]{64}$/.test(prevHash)) throw new Error('prevHash must be 64 lower-case hex digits');
  return createHash('sha256').update(Buffer.from(prevHash, 'hex')).update(canonicalEventBody(body), 'utf8').digest('hex');
}

/**
 * Links a new body onto a chain head, tagged under `key`. Without a key the
 * event is written the pre-keying way (tests of the legacy format, stores no
 * runtime has keyed); verify refuses such an event after a keyed one.
 */
export function linkEvent(head: ChainHead, body: AuditEventBody, key: AuditKey | null = null): AuditEvent {
  if (body.seq !== head.seq + 1) throw new Error(`seq ${body.seq} does not follow head ${head.seq}`);
  const keyed: AuditEventBody = { ...eventBody(body), keyId: key?.id ?? null };
  const hash = computeEventHash(head.hash, keyed);
  return { ...keyed, prevHash: head.hash, hash, mac: key ? macOf(key, hash) : null };
}
