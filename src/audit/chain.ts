/**
 * The hash chain. Event n carries
 *   prevHash_n = hash_{n-1}            (hash_0 = 32 zero bytes)
 *   hash_n     = SHA-256( prevHash_n as 32 raw bytes || UTF-8 canonicalJson(body_n) )
 * where body_n is the event without prevHash and hash (canonical.ts). Editing,
 * deleting, inserting or reordering any event changes a hash that every later
 * event depends on, so verify.ts finds the first place the chain breaks.
 */
import { createHash } from 'node:crypto';
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
  return {
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
}

export function canonicalEventBody(body: AuditEventBody): string {
  return canonicalJson(eventBody(body) as unknown as CanonicalValue);
}

export function computeEventHash(prevHash: string, body: AuditEventBody): string {
  if (!/^[0-9a-f]{64}$/.test(prevHash)) throw new Error('prevHash must be 64 lower-case hex digits');
  return createHash('sha256').update(Buffer.from(prevHash, 'hex')).update(canonicalEventBody(body), 'utf8').digest('hex');
}

/** Links a new body onto a chain head. */
export function linkEvent(head: ChainHead, body: AuditEventBody): AuditEvent {
  if (body.seq !== head.seq + 1) throw new Error(`seq ${body.seq} does not follow head ${head.seq}`);
  return { ...eventBody(body), prevHash: head.hash, hash: computeEventHash(head.hash, body) };
}
