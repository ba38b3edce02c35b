// "Apply safe defaults" (the HIPAA posture page, POST
// /api/v1/compliance/apply-safe-defaults): every PHI-bearing switch of the
// practice and of each active user back to its HIPAA-safe default, in ONE
// transaction with its feature-change rows and audit events. Per user it
// once ran a transaction each, so a failure half-way left the practice's
// switches and some users changed and the rest not, while the page said
// nothing had happened (review finding). Now it is all or nothing.
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import { safeDefaultPolicy, SAFE_DEFAULT_VOICEMAIL_SETTINGS, tierIncludes, type VoicemailSettings } from '../policy/index.ts';
import type { Actor } from './model.ts';
import { applyPolicyPatch, getPractice } from './practices.ts';
import { applyVoicemailSettingsPatch, listVoicemailSettings } from './voicemail-settings.ts';

export interface SafeDefaultsResult {
  /** Users whose voicemail switches changed (those already safe are left alone and get no event). */
  usersChanged: number;
}

export async function applySafeDefaults(db: Kysely<Database>, practiceId: string, actor: Actor): Promise<SafeDefaultsResult> {
  return db.transaction().execute(async (trx) => {
    const practice = await getPractice(trx, practiceId);
    // Retention periods are the practice's records decision, not a PHI switch: kept as they are. A switch the plan leaves out is safe off.
    const { retention: _keepRetention, ...switches } = safeDefaultPolicy(practice.tier);
    await applyPolicyPatch(trx, practiceId, switches, actor);
    // Transcription stays on the box (no PHI leaves it), so it is part of the safe set where the plan has it.
    const safe: VoicemailSettings = { ...SAFE_DEFAULT_VOICEMAIL_SETTINGS, transcription: SAFE_DEFAULT_VOICEMAIL_SETTINGS.transcription && tierIncludes(practice.tier, 'voicemail_transcription') };
    let usersChanged = 0;
    for (const u of await listVoicemailSettings(trx, practiceId)) {
      // A user already on the safe settings is left alone: an event per user saying "before {} after {}" only buries the real changes.
      const patch = Object.fromEntries((Object.keys(safe) as Array<keyof VoicemailSettings>).filter((k) => u.settings[k] !== safe[k]).map((k) => [k, safe[k]]));
      if (Object.keys(patch).length === 0) continue;
      await applyVoicemailSettingsPatch(trx, practiceId, u.userId, patch, actor);
      usersChanged++;
    }
    return { usersChanged };
  });
}
