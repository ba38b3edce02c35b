// A user's call settings: do-not-disturb and how long their phones ring
// before the caller goes to voicemail. A user without a row has the
// defaults; the first change writes the row. Every change is audited with
// its actor, in the same transaction.
import type { Kysely } from 'kysely';
import { flag, type Database } from '../db/index.ts';
import { recordAudit } from './audit.ts';
import { DirectoryError } from './errors.ts';
import type { Actor } from './model.ts';

export interface CallSettings {
  doNotDisturb: boolean;
  /** 5-120; the B2BUA cancels the callee's phones after this long. */
  ringTimeoutSeconds: number;
}

export interface CallSettingsView {
  userId: string;
  settings: CallSettings;
  updatedAt: string | null;
}

export const DEFAULT_CALL_SETTINGS: CallSettings = { doNotDisturb: false, ringTimeoutSeconds: 20 };
export const RING_TIMEOUT_LIMITS = { min: 5, max: 120 } as const;

function fromRow(row: { do_not_disturb: number; ring_timeout_seconds: number } | undefined): CallSettings {
  return row ? { doNotDisturb: row.do_not_disturb === 1, ringTimeoutSeconds: Number(row.ring_timeout_seconds) } : { ...DEFAULT_CALL_SETTINGS };
}

async function userExists(db: Kysely<Database>, practiceId: string, userId: string): Promise<boolean> {
  return (await db.selectFrom('users').select('id').where('practice_id', '=', practiceId).where('id', '=', userId).executeTakeFirst()) !== undefined;
}

export async function getCallSettings(db: Kysely<Database>, practiceId: string, userId: string): Promise<CallSettingsView> {
  if (!(await userExists(db, practiceId, userId))) throw new DirectoryError('NOT_FOUND', 'user not found');
  const row = await db.selectFrom('call_settings').selectAll().where('practice_id', '=', practiceId).where('user_id', '=', userId).executeTakeFirst();
  return { userId, settings: fromRow(row), updatedAt: row?.updated_at ?? null };
}

export async function updateCallSettings(db: Kysely<Database>, practiceId: string, userId: string, patch: Partial<CallSettings>, actor: Actor): Promise<CallSettingsView> {
  const t = patch.ringTimeoutSeconds;
  if (t !== undefined && (!Number.isInteger(t) || t < RING_TIMEOUT_LIMITS.min || t > RING_TIMEOUT_LIMITS.max)) {
    throw new DirectoryError('INVALID_INPUT', `ringTimeoutSeconds must be a whole number from ${RING_TIMEOUT_LIMITS.min} to ${RING_TIMEOUT_LIMITS.max}`, { field: 'ringTimeoutSeconds' });
  }
  await db.transaction().execute(async (trx) => {
    if (!(await userExists(trx, practiceId, userId))) throw new DirectoryError('NOT_FOUND', 'user not found');
    const row = await trx.selectFrom('call_settings').selectAll().where('practice_id', '=', practiceId).where('user_id', '=', userId).executeTakeFirst();
    const before = fromRow(row);
    const after: CallSettings = { ...before, ...patch };
    const now = new Date().toISOString();
    const values = { do_not_disturb: flag(after.doNotDisturb), ring_timeout_seconds: after.ringTimeoutSeconds, updated_at: now, updated_by: actor.id ?? null };
    if (row) await trx.updateTable('call_settings').set(values).where('user_id', '=', userId).execute();
    else await trx.insertInto('call_settings').values({ user_id: userId, practice_id: practiceId, ...values }).execute();
    const changed: { before: Record<string, boolean | number>; after: Record<string, boolean | number> } = { before: {}, after: {} };
    for (const key of Object.keys(after) as Array<keyof CallSettings>) {
      if (before[key] === after[key]) continue;
      changed.before[key] = before[key];
      changed.after[key] = after[key];
    }
    // Nothing changed (the same values sent again): no event saying "before {} after {}".
    if (Object.keys(changed.after).length > 0) await recordAudit(trx, practiceId, actor, { action: 'settings.update', object: { type: 'call_settings', id: userId }, details: changed });
  });
  return getCallSettings(db, practiceId, userId);
}

/**
 * The settings of the user an extension belongs to (the B2BUA, per callee);
 * defaults for an extension without settings; null when the practice has no
 * such extension (the caller gets 404, not voicemail).
 */
export async function callSettingsForExtension(db: Kysely<Database>, practiceId: string, extension: string): Promise<CallSettings | null> {
  const row = await db
    .selectFrom('extensions')
    .leftJoin('call_settings', 'call_settings.user_id', 'extensions.user_id')
    .select(['call_settings.do_not_disturb', 'call_settings.ring_timeout_seconds'])
    .where('extensions.practice_id', '=', practiceId)
    .where('extensions.number', '=', extension)
    .executeTakeFirst();
  if (!row) return null;
  return row.do_not_disturb !== null && row.ring_timeout_seconds !== null ? fromRow({ do_not_disturb: row.do_not_disturb, ring_timeout_seconds: row.ring_timeout_seconds }) : { ...DEFAULT_CALL_SETTINGS };
}
