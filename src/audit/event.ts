/**
 * The audit event: who (actor) did what (action) to which object, from where,
 * when, with what outcome. Never the PHI itself: see phi-guard.ts.
 *
 * Events form one hash chain per practice (plus one for installation-wide
 * events, practiceId null). `seq` numbers a chain from 1 without gaps.
 */
import { isIP } from 'node:net';
import { AuditError } from './errors.ts';
import { assertIdentifier, assertSafeDetails, type AuditDetails } from './phi-guard.ts';

export const ACTOR_TYPES = ['user', 'token', 'system', 'sip-device'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

export const OUTCOMES = ['success', 'failure', 'denied'] as const;
/** success: done; failure: attempted and failed (bad password); denied: refused by authorization. */
export type AuditOutcome = (typeof OUTCOMES)[number];

export interface AuditActor {
  type: ActorType;
  id: string;
}

export interface AuditObject {
  /** e.g. "voicemail", "user", "settings", "key". */
  type: string;
  id: string;
}

/** What a caller supplies; the log adds id, seq, at and the hashes. */
export interface AuditEventInput {
  practiceId: string | null;
  actor: AuditActor;
  /** A stable dotted code: "voicemail.play", "auth.sign_in", "breakglass.open". */
  action: string;
  object: AuditObject | null;
  sourceIp: string | null;
  outcome: AuditOutcome;
  details?: AuditDetails;
}

/** The part of an event that is hashed. */
export interface AuditEventBody {
  id: string;
  seq: number;
  /** ISO 8601 UTC with milliseconds, exactly as stored; the DB must round-trip it verbatim. */
  at: string;
  practiceId: string | null;
  actor: AuditActor;
  action: string;
  object: AuditObject | null;
  sourceIp: string | null;
  outcome: AuditOutcome;
  details: AuditDetails;
  /**
   * The audit key that tags this event (audit-key.ts); hashed with the body.
   * Null or absent: written before the chain was keyed (an upgraded install),
   * and then left out of the hashed body so those hashes are unchanged.
   */
  keyId?: string | null;
}

export interface AuditEvent extends AuditEventBody {
  /** Hex SHA-256 of the previous event in the chain (64 zeros for the first). */
  prevHash: string;
  /** Hex SHA-256(prevHash bytes || canonicalJson(body)). */
  hash: string;
  /** Hex HMAC-SHA-256(audit key `keyId`, hash bytes); null exactly when keyId is. */
  mac?: string | null;
}

const ACTION = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,3}$/;
const OBJECT_TYPE = /^[a-z][a-z0-9_-]{0,31}$/;

/** The chain an event belongs to. */
export function chainKeyFor(practiceId: string | null): string {
  return practiceId ?? INSTALLATION_CHAIN;
}

export const INSTALLATION_CHAIN = 'installation';

/** Validates caller input; throws AuditError so the enclosing action fails. */
export function validateEventInput(input: AuditEventInput): AuditEventInput & { details: AuditDetails } {
  if (input.practiceId !== null) assertIdentifier(input.practiceId, 'practiceId');
  if (!input.actor || !ACTOR_TYPES.includes(input.actor.type)) {
    throw new AuditError('AUDIT_EVENT_INVALID', `actor.type must be one of ${ACTOR_TYPES.join(', ')}`, 'actor.type');
  }
  assertIdentifier(input.actor.id, 'actor.id');
  if (typeof input.action !== 'string' || !ACTION.test(input.action)) {
    throw new AuditError('AUDIT_EVENT_INVALID', 'action must be a dotted lower-case code like "voicemail.play"', 'action');
  }
  if (input.object !== null) {
    if (!input.object || typeof input.object.type !== 'string' || !OBJECT_TYPE.test(input.object.type)) {
      throw new AuditError('AUDIT_EVENT_INVALID', 'object.type must be a short lower-case code', 'object.type');
    }
    assertIdentifier(input.object.id, 'object.id');
  }
  if (input.sourceIp !== null && isIP(input.sourceIp) === 0) {
    throw new AuditError('AUDIT_EVENT_INVALID', 'sourceIp must be an IPv4 or IPv6 address', 'sourceIp');
  }
  if (!OUTCOMES.includes(input.outcome)) {
    throw new AuditError('AUDIT_EVENT_INVALID', `outcome must be one of ${OUTCOMES.join(', ')}`, 'outcome');
  }
  return { ...input, details: assertSafeDetails(input.details) };
}
