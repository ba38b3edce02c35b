// Directory commands record what they did in the audit log, inside their own
// transaction: if the event cannot be written (the PHI guard refuses it, the
// chain is contended), the command fails and nothing it did is kept.
// Details carry ids, booleans, numbers and codes only.
import type { Transaction } from 'kysely';
import { isIP } from 'node:net';
import { AuditLog, type AuditActor, type AuditDetails, type AuditEvent, type AuditObject, type AuditOutcome } from '../audit/index.ts';
import { auditKeysOf, KyselyAuditStore, type Database } from '../db/index.ts';
import type { Actor } from './model.ts';

const wallClock = { now: () => Date.now() };

/** The audit actor behind a directory actor: the CLI and the system act as "system" with a fixed id. */
export function auditActorOf(actor: Actor): AuditActor {
  if (actor.type === 'user' || actor.type === 'token') return { type: actor.type, id: actor.id ?? 'unknown' };
  return { type: 'system', id: actor.id ?? actor.type };
}

/** The caller's address if it is a plain IP address; anything else is not recorded. */
export function sourceIpOf(actor: Actor): string | null {
  const ip = actor.sourceIp ?? null;
  return ip !== null && isIP(ip) !== 0 ? ip : null;
}

export interface AuditRecord {
  action: string;
  object: AuditObject | null;
  details?: AuditDetails;
  outcome?: AuditOutcome;
}

export async function recordAudit(trx: Transaction<Database>, practiceId: string | null, actor: Actor, record: AuditRecord): Promise<AuditEvent> {
  // Tagged under the install's audit key, which the runtime bound to the database (db/audit-keys.ts).
  const log = new AuditLog({ store: new KyselyAuditStore(trx), clock: wallClock, keys: auditKeysOf(trx) });
  return log.record(trx, {
    practiceId,
    actor: auditActorOf(actor),
    action: record.action,
    object: record.object,
    sourceIp: sourceIpOf(actor),
    outcome: record.outcome ?? 'success',
    ...(record.details ? { details: record.details } : {}),
  });
}
