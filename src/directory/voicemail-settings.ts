import type { Kysely, Transaction } from 'kysely';
import { flag, type Database } from '../db/index.ts';
import { checkVoicemailSettings, decideForUser, lowestTierFor, tierLabel, type Decisions, type VoicemailSettings } from '../policy/index.ts';
import { recordAudit } from './audit.ts';
import { DirectoryError } from './errors.ts';
import { recordFeatureChange } from './feature-changes.ts';
import type { Actor } from './model.ts';
import { getPolicy, getPractice } from './practices.ts';

export interface VoicemailSettingsView {
  userId: string;
  settings: VoicemailSettings;
  /** What actually happens for this user after tier and practice policy. */
  effective: Decisions;
  updatedAt: string;
}

export async function getVoicemailSettings(db: Kysely<Database>, practiceId: string, userId: string): Promise<VoicemailSettingsView> {
  const row = await db
    .selectFrom('voicemail_settings')
    .selectAll()
    .where('practice_id', '=', practiceId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!row) throw new DirectoryError('NOT_FOUND', 'user not found');
  const practice = await getPractice(db, practiceId);
  const policy = await getPolicy(db, practiceId);
  const settings: VoicemailSettings = {
    emailNotifications: row.email_notifications === 1,
    attachAudio: row.attach_audio === 1,
    includeTranscript: row.include_transcript === 1,
    transcription: row.transcription === 1,
  };
  return { userId, settings, effective: decideForUser(practice.tier, policy, settings), updatedAt: row.updated_at };
}

/**
 * Changes a user's voicemail switches. Switching on what the tier does not
 * include, or what the practice forbids, is refused whole (no partial write);
 * each change is recorded with its actor.
 */
export async function updateVoicemailSettings(
  db: Kysely<Database>,
  practiceId: string,
  userId: string,
  patch: Partial<VoicemailSettings>,
  actor: Actor,
): Promise<VoicemailSettingsView> {
  await db.transaction().execute((trx) => applyVoicemailSettingsPatch(trx, practiceId, userId, patch, actor));
  return getVoicemailSettings(db, practiceId, userId);
}

/** updateVoicemailSettings's work, inside the caller's transaction (safe defaults change every user in one). */
export async function applyVoicemailSettingsPatch(
  trx: Transaction<Database>,
  practiceId: string,
  userId: string,
  patch: Partial<VoicemailSettings>,
  actor: Actor,
): Promise<void> {
  const practice = await getPractice(trx, practiceId);
  const policy = await getPolicy(trx, practiceId);
  const violation = checkVoicemailSettings(practice.tier, policy, patch)[0];
  if (violation) {
    if (violation.reason === 'tier') {
      const tier = tierLabel(lowestTierFor(violation.feature));
      throw new DirectoryError('FEATURE_NOT_IN_TIER', `${violation.field} needs the ${tier} plan; this practice is on ${tierLabel(practice.tier)}`, {
        field: violation.field,
      });
    }
    throw new DirectoryError('FEATURE_OFF_BY_POLICY', `${violation.field} is switched off for the whole practice by its policy`, { field: violation.field });
  }
  const row = await trx.selectFrom('voicemail_settings').selectAll().where('practice_id', '=', practiceId).where('user_id', '=', userId).executeTakeFirst();
  if (!row) throw new DirectoryError('NOT_FOUND', 'user not found');
  const before: VoicemailSettings = {
    emailNotifications: row.email_notifications === 1,
    attachAudio: row.attach_audio === 1,
    includeTranscript: row.include_transcript === 1,
    transcription: row.transcription === 1,
  };
  const after: VoicemailSettings = { ...before, ...patch };
  const now = new Date().toISOString();
  await trx
    .updateTable('voicemail_settings')
    .set({
      email_notifications: flag(after.emailNotifications),
      attach_audio: flag(after.attachAudio),
      include_transcript: flag(after.includeTranscript),
      transcription: flag(after.transcription),
      updated_at: now,
      updated_by: actor.id,
    })
    .where('user_id', '=', userId)
    .execute();
  const changed: { before: Record<string, boolean>; after: Record<string, boolean> } = { before: {}, after: {} };
  for (const key of Object.keys(after) as Array<keyof VoicemailSettings>) {
    if (before[key] === after[key]) continue;
    await recordFeatureChange(trx, practiceId, actor, 'user', userId, `voicemail.${key}`, before[key], after[key], now);
    changed.before[key] = before[key];
    changed.after[key] = after[key];
  }
  // Nothing changed (the same values sent again): no event saying "before {} after {}".
  if (Object.keys(changed.after).length > 0) await recordAudit(trx, practiceId, actor, { action: 'settings.update', object: { type: 'voicemail_settings', id: userId }, details: changed });
}

export async function listVoicemailSettings(db: Kysely<Database> | Transaction<Database>, practiceId: string): Promise<Array<{ userId: string; settings: VoicemailSettings }>> {
  const rows = await db
    .selectFrom('voicemail_settings')
    .innerJoin('users', 'users.id', 'voicemail_settings.user_id')
    .selectAll('voicemail_settings')
    .where('voicemail_settings.practice_id', '=', practiceId)
    .where('users.status', '=', 'active')
    .execute();
  return rows.map((r) => ({
    userId: r.user_id,
    settings: {
      emailNotifications: r.email_notifications === 1,
      attachAudio: r.attach_audio === 1,
      includeTranscript: r.include_transcript === 1,
      transcription: r.transcription === 1,
    },
  }));
}
