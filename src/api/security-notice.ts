// The account security notice (notify/templates/security-notice.ts) that a
// change to how someone signs in sends to that person: their password was
// changed, their two-step sign-in was reset. It is queued after the change
// committed; the outbox keeps the address and ids only.
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import { accountEmail } from '../directory/index.ts';
import type { SecurityEvent, SecurityJob } from '../notify/index.ts';

/** Queues a security notice (the notifier's outbox); absent when no mail server is configured. */
export type SecurityNoticeSink = (job: SecurityJob) => Promise<unknown>;

/**
 * Tells the account's holder what happened, from where. The change stands
 * whatever happens here: a notice that cannot be queued is logged by its
 * code (never the address) and the answer is still the change's.
 */
export async function queueSecurityNotice(
  sink: SecurityNoticeSink | undefined,
  db: Kysely<Database>,
  req: FastifyRequest,
  userId: string,
  event: SecurityEvent,
  occurredAt: number,
  /** Where it goes, when not the account's address now: an email change is told to the address it replaced. */
  to?: string,
): Promise<void> {
  if (!sink) return;
  try {
    const agent = req.headers['user-agent'];
    await sink({ kind: 'security', userId, to: to ?? (await accountEmail(db, userId)), event, occurredAt, ipAddress: req.ip, ...(typeof agent === 'string' ? { userAgent: agent } : {}) });
  } catch (e) {
    req.log.warn({ notice: event, code: (e as { code?: unknown }).code ?? 'error' }, 'notify.security_not_queued');
  }
}
