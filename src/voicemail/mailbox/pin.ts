// Voicemail PINs: choosing one, storing it, checking it on the phone.
//
// Hashing reuses the directory's PIN hash (argon2id, 19 MiB, t=2: OWASP's
// minimum for passwords, about 40 ms here), the one addUser already stores in
// voicemail_boxes.pin_hash, so PINs set at user creation, by the CLI and by
// phone verify alike. A 6-digit PIN has only 20 bits: no hash makes it safe
// against a stolen database for long. What protects it is the lockout below
// (5 wrong PINs, per box and per caller, lock entry for 15 minutes) and the
// hash buys the time to notice and reset PINs.
//
// Lockout counts live in voicemail_pin_failures (0007-mailbox) so a restart
// does not reset them. Every sign-in attempt, lock and PIN change is an audit
// event written in the same transaction as the change it records.
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/index.ts';
import { getBox } from '../boxes.ts';
import { recordAudit, verifyPin as verifyPinHash } from '../../directory/index.ts';
import { hashPin } from '../../directory/secrets.ts';
import type { Actor } from './ports.ts';

export const PIN_MIN_DIGITS = 6;
export const PIN_MAX_DIGITS = 16;
export const PIN_LOCKOUT = Object.freeze({ maxFailures: 5, lockMs: 15 * 60_000, windowMs: 60 * 60_000 });

/** Audit actions of the mailbox by phone (stable codes; auditors search by them). */
export const MAILBOX_AUDIT = Object.freeze({
  signIn: 'voicemail.mailbox_sign_in',
  locked: 'voicemail.pin_locked',
  pinChange: 'voicemail.pin_change',
});

export type PinRejection = 'not-digits' | 'too-short' | 'too-long' | 'too-simple';

export class MailboxPinError extends Error {
  constructor(
    readonly code: 'PIN_INVALID' | 'BOX_NOT_FOUND',
    message: string,
    readonly reason?: PinRejection,
  ) {
    super(message);
    this.name = 'MailboxPinError';
  }
}

/**
 * Whether `pin` may be chosen: digits only, 6 to 16 of them, not one digit
 * repeated, not a run up or down the keypad (123456, 987654), not the box's
 * own extension. Pure.
 */
export function checkPinChoice(pin: string, extension?: string): PinRejection | undefined {
  if (!/^[0-9]*$/.test(pin)) return 'not-digits';
  if (pin.length < PIN_MIN_DIGITS) return 'too-short';
  if (pin.length > PIN_MAX_DIGITS) return 'too-long';
  if (/^(\d)\1*$/.test(pin)) return 'too-simple';
  const steps = new Set<number>();
  for (let i = 1; i < pin.length; i++) steps.add((pin.charCodeAt(i) - pin.charCodeAt(i - 1) + 10) % 10);
  if (steps.size === 1 && (steps.has(1) || steps.has(9))) return 'too-simple';
  if (extension !== undefined && extension.length > 0) {
    // The extension, repeated or padded with a digit or two, is the first thing a guesser tries.
    if (extension.repeat(Math.ceil(pin.length / extension.length)).startsWith(pin)) return 'too-simple';
    if (pin.includes(extension) && pin.length - extension.length < 3) return 'too-simple';
  }
  return undefined;
}

/** Sets a box's PIN (hashed), audited in the same transaction. Throws MailboxPinError for a PIN that may not be chosen. */
export async function setPin(db: Kysely<Database>, boxId: string, pin: string, actor: Actor): Promise<void> {
  const box = await getBox(db, boxId);
  if (!box) throw new MailboxPinError('BOX_NOT_FOUND', 'no such voicemail box');
  const rejected = checkPinChoice(pin, box.extension);
  if (rejected) throw new MailboxPinError('PIN_INVALID', pinRejectionText(rejected), rejected);
  const hash = await hashPin(pin);
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('voicemail_boxes').set({ pin_hash: hash }).where('id', '=', boxId).execute();
    // A new PIN clears the box's lock: the owner (or an admin) has just proven control.
    await trx.deleteFrom('voicemail_pin_failures').where('key', '=', boxKey(boxId)).execute();
    await recordAudit(trx, box.practiceId, actor, { action: MAILBOX_AUDIT.pinChange, object: { type: 'voicemail_box', id: boxId } });
  });
}

export function pinRejectionText(r: PinRejection): string {
  switch (r) {
    case 'not-digits':
      return 'a PIN is digits only';
    case 'too-short':
      return `a PIN has at least ${PIN_MIN_DIGITS} digits`;
    case 'too-long':
      return `a PIN has at most ${PIN_MAX_DIGITS} digits`;
    case 'too-simple':
      return 'that PIN is too easy to guess (repeated digits, a run such as 123456, or the extension)';
  }
}

export type PinCheck =
  | { readonly outcome: 'ok'; readonly boxId: string; readonly ownerUserId: string | null }
  /** Wrong PIN, or no such box: the caller cannot tell which. */
  | { readonly outcome: 'wrong' }
  | { readonly outcome: 'locked'; readonly retryAfterMs: number };

export interface PinAttempt {
  readonly practiceId: string;
  /** The box asked for; null when the extension entered has none (still costs a hash and counts). */
  readonly boxId: string | null;
  readonly pin: string;
  /**
   * Who is calling, as an id (the device id of an authenticated phone, a
   * trunk's id and the call's source): hashed before it is stored.
   */
  readonly callerKey: string;
  readonly now?: number;
}

/**
 * Checks a PIN entered on the phone. Refused without looking at the PIN
 * while the box or the caller is locked; a wrong PIN counts against both;
 * the fifth in an hour locks that key for 15 minutes (audited). Never signs
 * anyone in by caller id: a PIN is always asked for.
 */
export async function verifyMailboxPin(db: Kysely<Database>, a: PinAttempt): Promise<PinCheck> {
  const now = a.now ?? Date.now();
  const keys = [...(a.boxId ? [boxKey(a.boxId)] : []), callerKey(a.callerKey)];
  const rows = await db.selectFrom('voicemail_pin_failures').selectAll().where('key', 'in', keys).execute();
  const lockedUntil = Math.max(0, ...rows.map((r) => (r.locked_until === null ? 0 : Number(r.locked_until))));
  if (lockedUntil > now) return { outcome: 'locked', retryAfterMs: lockedUntil - now };

  const box = a.boxId ? await db.selectFrom('voicemail_boxes').select(['id', 'pin_hash', 'owner_user_id', 'practice_id']).where('id', '=', a.boxId).executeTakeFirst() : undefined;
  const sameOrg = box !== undefined && box.practice_id === a.practiceId;
  // An unknown box or a box with no PIN still pays for a hash, so timing does not tell boxes apart.
  const stored = sameOrg && box.pin_hash ? box.pin_hash : await placeholderHash();
  let good = false;
  try {
    good = await verifyPinHash(stored, a.pin);
  } catch {
    good = false;
  }
  good = good && sameOrg && box.pin_hash !== null;
  const object = sameOrg ? { type: 'voicemail_box', id: box.id } : null;

  return db.transaction().execute(async (trx): Promise<PinCheck> => {
    if (good) {
      await trx.deleteFrom('voicemail_pin_failures').where('key', 'in', keys).execute();
      await recordAudit(trx, a.practiceId, phoneActor(box!.owner_user_id), { action: MAILBOX_AUDIT.signIn, object, details: { method: 'pin' } });
      return { outcome: 'ok', boxId: box!.id, ownerUserId: box!.owner_user_id };
    }
    const locked: string[] = [];
    for (const key of keys) {
      if (await countFailure(trx, key, a.practiceId, now)) locked.push(key.startsWith('box:') ? 'box' : 'caller');
    }
    await recordAudit(trx, a.practiceId, phoneActor(null), { action: MAILBOX_AUDIT.signIn, object, outcome: 'failure', details: { method: 'pin' } });
    for (const scope of locked) {
      await recordAudit(trx, a.practiceId, phoneActor(null), { action: MAILBOX_AUDIT.locked, object: scope === 'box' ? object : null, outcome: 'denied', details: { scope, minutes: PIN_LOCKOUT.lockMs / 60_000 } });
    }
    return locked.length > 0 ? { outcome: 'locked', retryAfterMs: PIN_LOCKOUT.lockMs } : { outcome: 'wrong' };
  });
}

/** Counts one failure under `key`; true when it just locked. */
async function countFailure(trx: Transaction<Database>, key: string, practiceId: string, now: number): Promise<boolean> {
  const row = await trx.selectFrom('voicemail_pin_failures').selectAll().where('key', '=', key).executeTakeFirst();
  // Failures older than the window, or from before a lock that has run out, start a fresh count.
  const fresh = !row || now - Number(row.first_failure_at) > PIN_LOCKOUT.windowMs || (row.locked_until !== null && Number(row.locked_until) <= now);
  const failures = fresh ? 1 : row.failures + 1;
  const lock = failures >= PIN_LOCKOUT.maxFailures;
  const values = { failures: lock ? 0 : failures, first_failure_at: fresh ? now : Number(row.first_failure_at), locked_until: lock ? now + PIN_LOCKOUT.lockMs : null };
  if (row) await trx.updateTable('voicemail_pin_failures').set(values).where('key', '=', key).execute();
  else await trx.insertInto('voicemail_pin_failures').values({ key, practice_id: practiceId, ...values }).execute();
  return lock;
}

/** The audit actor of a phone session: the box owner once signed in, else the phone system. */
export function phoneActor(ownerUserId: string | null): Actor {
  return ownerUserId ? { type: 'user', id: ownerUserId } : { type: 'system', id: 'mailbox-phone' };
}

function boxKey(boxId: string): string {
  return `box:${boxId}`;
}

function callerKey(key: string): string {
  return `caller:${createHash('sha256').update(key).digest('hex')}`;
}

let placeholder: Promise<string> | undefined;
function placeholderHash(): Promise<string> {
  placeholder ??= hashPin('sotto-no-such-box');
  return placeholder;
}
