import type { Kysely, Transaction } from 'kysely';
import { flag, newId, type Database, type PracticePolicyTable } from '../db/index.ts';
import {
  AUDIT_RETENTION_FLOOR_DAYS,
  isTier,
  lowestTierFor,
  safeDefaultPolicy,
  switchesOutsideTier,
  switchesTurnedOnOutsideTier,
  tierLabel,
  type PracticePolicy,
  type RetentionPolicy,
  type Tier,
} from '../policy/index.ts';
import { recordAudit } from './audit.ts';
import { checkDisplayText, DISPLAY_TEXT_MAX } from './display-text.ts';
import { DirectoryError } from './errors.ts';
import { recordFeatureChange } from './feature-changes.ts';
import { CLI_ACTOR, type Actor, type Practice } from './model.ts';

type Db = Kysely<Database> | Transaction<Database>;

function checkPracticeName(name: string): void {
  checkDisplayText(name, { field: 'name', what: "the practice's name", max: DISPLAY_TEXT_MAX.practiceName });
}

export async function createPractice(db: Kysely<Database>, input: { name: string; tier: Tier; sipDomain: string }, actor: Actor = CLI_ACTOR): Promise<Practice> {
  checkPracticeName(input.name);
  const now = new Date().toISOString();
  const practice: Practice = { id: newId(), name: input.name, tier: input.tier, sipDomain: input.sipDomain, createdAt: now };
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('practices')
      .values({ id: practice.id, name: practice.name, tier: practice.tier, sip_domain: practice.sipDomain, created_at: now })
      .execute();
    await trx.insertInto('practice_policy').values(policyToRow(practice.id, safeDefaultPolicy(practice.tier), now, null)).execute();
    await recordAudit(trx, practice.id, actor, { action: 'practice.create', object: { type: 'practice', id: practice.id }, details: { tier: practice.tier } });
  });
  return practice;
}

export async function listPractices(db: Db): Promise<Practice[]> {
  const rows = await db.selectFrom('practices').selectAll().orderBy('created_at').execute();
  return rows.map(practiceFromRow);
}

export async function getPractice(db: Db, id: string): Promise<Practice> {
  const row = await db.selectFrom('practices').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new DirectoryError('NOT_FOUND', 'practice not found');
  return practiceFromRow(row);
}

export async function updatePractice(db: Kysely<Database>, id: string, patch: { name?: string; tier?: Tier }, actor: Actor): Promise<Practice> {
  if (patch.name !== undefined) checkPracticeName(patch.name);
  return db.transaction().execute(async (trx) => {
    const before = await getPractice(trx, id);
    const update: { name?: string; tier?: string } = {};
    if (patch.name !== undefined) update.name = patch.name;
    if (patch.tier !== undefined) update.tier = patch.tier;
    if (Object.keys(update).length > 0) await trx.updateTable('practices').set(update).where('id', '=', id).execute();
    const after = await getPractice(trx, id);
    // Saved as it was: nothing changed, nothing to record (and no plan change to follow).
    if (after.name === before.name && after.tier === before.tier) return after;
    // The name is the practice's own text: the event says that it changed, not to what.
    await recordAudit(trx, id, actor, {
      action: 'settings.update',
      object: { type: 'practice', id },
      details: { renamed: before.name !== after.name, before: { tier: before.tier }, after: { tier: after.tier } },
    });
    if (after.tier !== before.tier) {
      // A switch the new plan leaves out is turned off (recorded as any policy change), so a later upgrade does not bring it back unasked;
      // so is one the old plan left out (set before plans were checked): an upgrade must not turn it on by itself.
      const policy = await getPolicy(trx, id);
      const off = [...new Set([...switchesOutsideTier(before.tier, policy), ...switchesOutsideTier(after.tier, policy)])];
      if (off.length > 0) await applyPolicyPatch(trx, id, Object.fromEntries(off.map((key) => [key, false])), actor);
    }
    return after;
  });
}

function practiceFromRow(row: { id: string; name: string; tier: string; sip_domain: string; created_at: string }): Practice {
  if (!isTier(row.tier)) throw new Error(`practice ${row.id} has unknown tier in database`);
  return { id: row.id, name: row.name, tier: row.tier, sipDomain: row.sip_domain, createdAt: row.created_at };
}

export async function getPolicy(db: Db, practiceId: string): Promise<PracticePolicy> {
  const row = await db.selectFrom('practice_policy').selectAll().where('practice_id', '=', practiceId).executeTakeFirst();
  if (!row) throw new DirectoryError('NOT_FOUND', 'practice policy not found');
  return policyFromRow(row);
}

export type PolicyPatch = Partial<Omit<PracticePolicy, 'retention'>> & { retention?: Partial<RetentionPolicy> };

/**
 * Changes the practice policy in one transaction, recording who switched
 * which feature and when (a PHI-bearing feature turned on is a decision an
 * auditor asks about).
 */
export async function updatePolicy(db: Kysely<Database>, practiceId: string, patch: PolicyPatch, actor: Actor): Promise<PracticePolicy> {
  if (patch.retention?.auditDays !== undefined && patch.retention.auditDays < AUDIT_RETENTION_FLOOR_DAYS) {
    throw new DirectoryError('RETENTION_TOO_SHORT', `audit log retention cannot be shorter than ${AUDIT_RETENTION_FLOOR_DAYS} days (six years)`, {
      field: 'retention.auditDays',
    });
  }
  return db.transaction().execute(async (trx) => {
    // A switch the plan leaves out cannot be turned on (it would do nothing now, and take effect unasked on an upgrade).
    const practice = await getPractice(trx, practiceId);
    const outside = switchesTurnedOnOutsideTier(practice.tier, patch)[0];
    if (outside) {
      throw new DirectoryError('FEATURE_NOT_IN_TIER', `${outside.key} needs the ${tierLabel(lowestTierFor(outside.feature))} plan; this practice is on ${tierLabel(practice.tier)}`, {
        field: outside.key,
      });
    }
    return applyPolicyPatch(trx, practiceId, patch, actor);
  });
}

/** updatePolicy's work, inside the caller's transaction (a plan change, safe defaults: the switches change with the rest or not at all). */
export async function applyPolicyPatch(trx: Transaction<Database>, practiceId: string, patch: PolicyPatch, actor: Actor): Promise<PracticePolicy> {
  const before = await getPolicy(trx, practiceId);
  const after: PracticePolicy = { ...before, ...patch, retention: { ...before.retention, ...patch.retention } };
  const now = new Date().toISOString();
  const row = policyToRow(practiceId, after, now, actor.id);
  await trx.updateTable('practice_policy').set(row).where('practice_id', '=', practiceId).execute();
  for (const [key, value] of Object.entries(after) as Array<[keyof PracticePolicy, unknown]>) {
    if (key === 'retention') continue;
    if (before[key] !== value) await recordFeatureChange(trx, practiceId, actor, 'practice', practiceId, `policy.${key}`, before[key], value, now);
  }
  const changes: { before: Record<string, boolean | number>; after: Record<string, boolean | number> } = { before: {}, after: {} };
  for (const [key, value] of Object.entries(after) as Array<[keyof PracticePolicy, unknown]>) {
    if (key === 'retention' || before[key] === value) continue;
    changes.before[key] = before[key] as boolean;
    changes.after[key] = value as boolean;
  }
  for (const [key, value] of Object.entries(after.retention) as Array<[keyof RetentionPolicy, number]>) {
    if (before.retention[key] !== value) {
      await recordFeatureChange(trx, practiceId, actor, 'practice', practiceId, `policy.retention.${key}`, before.retention[key], value, now);
      changes.before[`retention_${key}`] = before.retention[key];
      changes.after[`retention_${key}`] = value;
    }
  }
  // Nothing changed (safe defaults applied twice, a form saved as it was): no event saying "before {} after {}".
  if (Object.keys(changes.after).length > 0) await recordAudit(trx, practiceId, actor, { action: 'settings.update', object: { type: 'policy', id: practiceId }, details: changes });
  return after;
}

function policyFromRow(r: PracticePolicyTable): PracticePolicy {
  return {
    voicemailEmailNotices: r.voicemail_email_notices === 1,
    emailAttachmentsAllowed: r.email_attachments_allowed === 1,
    emailTranscriptsAllowed: r.email_transcripts_allowed === 1,
    voicemailTranscription: r.voicemail_transcription === 1,
    virtualFax: r.virtual_fax === 1,
    texting: r.texting === 1,
    callRecording: r.call_recording === 1,
    videoMeetings: r.video_meetings === 1,
    meetingRecording: r.meeting_recording === 1,
    callQueues: r.call_queues === 1,
    requireSrtp: r.require_srtp === 1,
    retention: {
      voicemailDays: r.retention_voicemail_days,
      faxDays: r.retention_fax_days,
      textDays: r.retention_text_days,
      transcriptDays: r.retention_transcript_days,
      callRecordingDays: r.retention_call_recording_days,
      meetingRecordingDays: r.retention_meeting_recording_days,
      auditDays: r.retention_audit_days,
    },
  };
}

function policyToRow(practiceId: string, p: PracticePolicy, now: string, updatedBy: string | null): PracticePolicyTable {
  return {
    practice_id: practiceId,
    voicemail_email_notices: flag(p.voicemailEmailNotices),
    email_attachments_allowed: flag(p.emailAttachmentsAllowed),
    email_transcripts_allowed: flag(p.emailTranscriptsAllowed),
    voicemail_transcription: flag(p.voicemailTranscription),
    virtual_fax: flag(p.virtualFax),
    texting: flag(p.texting),
    call_recording: flag(p.callRecording),
    video_meetings: flag(p.videoMeetings),
    meeting_recording: flag(p.meetingRecording),
    call_queues: flag(p.callQueues),
    require_srtp: flag(p.requireSrtp),
    retention_voicemail_days: p.retention.voicemailDays,
    retention_fax_days: p.retention.faxDays,
    retention_text_days: p.retention.textDays,
    retention_transcript_days: p.retention.transcriptDays,
    retention_call_recording_days: p.retention.callRecordingDays,
    retention_meeting_recording_days: p.retention.meetingRecordingDays,
    retention_audit_days: p.retention.auditDays,
    updated_at: now,
    updated_by: updatedBy,
  };
}
