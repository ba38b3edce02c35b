// What the outbox stores: a reference to a notice, never the notice. A
// voicemail job is two ids; everything else (practice name, mailbox label,
// the policy decisions, the transcript and the recording) is read again at
// send time through a NoticeResolver. So the outbox never holds PHI, a
// retry honours a policy change made in the meantime, and a message deleted
// meanwhile is simply not announced.
import { isIP } from 'node:net';
import { isOpaqueId } from './portal-links.ts';
import { singleLine } from './templates/html.ts';
import { isSecurityEvent, type SecurityEvent } from './templates/security-notice.ts';

export interface VoicemailJob {
  kind: 'voicemail';
  /** The voicemail (UUID). */
  messageId: string;
  /** The user to tell (UUID); their address is looked up at send time. */
  recipientId: string;
}

/**
 * A security notice is about the account, not a patient, and it must reach
 * the address it was meant for even if the account changes after (an
 * "email changed" notice goes to the old address): so it keeps its address.
 */
export interface SecurityJob {
  kind: 'security';
  /** The user the event happened to (UUID). */
  userId: string;
  to: string;
  event: SecurityEvent;
  occurredAt: number;
  ipAddress?: string;
  userAgent?: string;
}

export type NoticeJob = VoicemailJob | SecurityJob;

/** RFC 5321 addr-spec, loosely: one @, no spaces or controls, bounded length. */
const MAILBOX = /^[^\s@<>()[\]\\,;:"\u0000-\u001f\u007f]{1,64}@[A-Za-z0-9.-]{1,253}$/;

export function isMailAddress(value: string): boolean {
  return MAILBOX.test(value);
}

/**
 * A fresh job holding exactly the known fields, each checked. Whatever else
 * a caller's object carries (a caller number, a transcript) is not copied:
 * this is the gate that keeps PHI out of the outbox. A bad field is a bug
 * upstream and throws.
 */
export function toStoredJob(job: NoticeJob): NoticeJob {
  if (job.kind === 'voicemail') {
    if (!isOpaqueId(job.messageId) || !isOpaqueId(job.recipientId)) throw new Error('voicemail job: ids must be UUIDs');
    return { kind: 'voicemail', messageId: job.messageId, recipientId: job.recipientId };
  }
  if (job.kind === 'security') {
    if (!isOpaqueId(job.userId)) throw new Error('security job: userId must be a UUID');
    if (!isMailAddress(job.to)) throw new Error('security job: not a mail address');
    if (!isSecurityEvent(job.event)) throw new Error('security job: unknown event');
    if (!Number.isSafeInteger(job.occurredAt)) throw new Error('security job: occurredAt must be epoch milliseconds');
    const out: SecurityJob = { kind: 'security', userId: job.userId, to: job.to, event: job.event, occurredAt: job.occurredAt };
    if (job.ipAddress !== undefined && isIP(job.ipAddress) !== 0) out.ipAddress = job.ipAddress;
    if (job.userAgent !== undefined) {
      const agent = singleLine(job.userAgent, 160);
      if (agent !== '') out.userAgent = agent;
    }
    return out;
  }
  throw new Error('notice job: unknown kind');
}

/** One pending notice per key: enqueueing the same voicemail for the same user twice sends once. */
export function jobKey(job: NoticeJob): string {
  return job.kind === 'voicemail'
    ? `voicemail:${job.messageId}:${job.recipientId}`
    : `security:${job.userId}:${job.event}:${job.occurredAt}`;
}
