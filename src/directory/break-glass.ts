// Break-glass: a user opens another user's PHI without a standing grant, in
// an emergency, by stating why. Time-limited, audited, and shown to admins
// at the top of the audit log. The reason is the user's own words, so it is
// kept in break_glass_grants beside the event, never inside the event.
import type { Kysely } from 'kysely';
import { newId, type Database } from '../db/index.ts';
import { recordAudit } from './audit.ts';
import { checkDisplayText, DISPLAY_TEXT_MAX } from './display-text.ts';
import { DirectoryError } from './errors.ts';
import type { Actor } from './model.ts';

export const BREAK_GLASS_TARGETS = ['voicemail_box', 'user'] as const;
export type BreakGlassTarget = (typeof BREAK_GLASS_TARGETS)[number];
export const BREAK_GLASS_DEFAULT_MINUTES = 60;
export const BREAK_GLASS_MAX_MINUTES = 240;

export interface BreakGlassGrant {
  id: string;
  userId: string;
  targetType: BreakGlassTarget;
  targetId: string;
  createdAt: string;
  expiresAt: string;
}

export async function openBreakGlass(
  db: Kysely<Database>,
  practiceId: string,
  input: { userId: string; targetType: BreakGlassTarget; targetId: string; reason: string; minutes?: number },
  actor: Actor,
): Promise<BreakGlassGrant> {
  const minutes = input.minutes ?? BREAK_GLASS_DEFAULT_MINUTES;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > BREAK_GLASS_MAX_MINUTES) {
    throw new DirectoryError('INVALID_INPUT', `break-glass lasts 1 to ${BREAK_GLASS_MAX_MINUTES} minutes`, { field: 'minutes' });
  }
  checkDisplayText(input.reason, { field: 'reason', what: 'a reason', max: DISPLAY_TEXT_MAX.breakGlassReason });
  const reason = input.reason.trim();
  if (reason.length < 10) throw new DirectoryError('INVALID_INPUT', 'state the reason in a sentence (10 characters at least)', { field: 'reason' });
  return db.transaction().execute(async (trx) => {
    const exists =
      input.targetType === 'voicemail_box'
        ? await trx.selectFrom('voicemail_boxes').select('id').where('practice_id', '=', practiceId).where('id', '=', input.targetId).executeTakeFirst()
        : await trx.selectFrom('users').select('id').where('practice_id', '=', practiceId).where('id', '=', input.targetId).executeTakeFirst();
    if (!exists) throw new DirectoryError('NOT_FOUND', `${input.targetType === 'user' ? 'user' : 'voicemail box'} not found`);
    const now = Date.now();
    const grant: BreakGlassGrant = {
      id: newId(now),
      userId: input.userId,
      targetType: input.targetType,
      targetId: input.targetId,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + minutes * 60_000).toISOString(),
    };
    await trx
      .insertInto('break_glass_grants')
      .values({
        id: grant.id,
        practice_id: practiceId,
        user_id: grant.userId,
        target_type: grant.targetType,
        target_id: grant.targetId,
        reason,
        created_at: grant.createdAt,
        expires_at: grant.expiresAt,
        source_ip: actor.sourceIp ?? null,
      })
      .execute();
    await recordAudit(trx, practiceId, actor, {
      action: 'breakglass.open',
      object: { type: grant.targetType, id: grant.targetId },
      details: { grantId: grant.id, minutes, expiresAt: grant.expiresAt },
    });
    return grant;
  });
}

/** The reasons behind break-glass grants, for the admin's audit view. */
export async function breakGlassReasons(db: Kysely<Database>, practiceId: string, grantIds: string[]): Promise<Map<string, string>> {
  if (grantIds.length === 0) return new Map();
  const rows = await db.selectFrom('break_glass_grants').select(['id', 'reason']).where('practice_id', '=', practiceId).where('id', 'in', grantIds).execute();
  return new Map(rows.map((r) => [r.id, r.reason]));
}

/** What a user may open beyond their own box: standing grants, and break-glass grants still running. */
export interface AccessGrants {
  voicemailBoxIds: string[];
  breakGlass: BreakGlassGrant[];
}

export async function loadAccessGrants(db: Kysely<Database>, practiceId: string, userId: string, nowMs: number = Date.now()): Promise<AccessGrants> {
  const boxes = await db
    .selectFrom('voicemail_box_grants')
    .innerJoin('voicemail_boxes', 'voicemail_boxes.id', 'voicemail_box_grants.box_id')
    .select('voicemail_box_grants.box_id')
    .where('voicemail_boxes.practice_id', '=', practiceId)
    .where('voicemail_box_grants.user_id', '=', userId)
    .execute();
  const glass = await db
    .selectFrom('break_glass_grants')
    .select(['id', 'user_id', 'target_type', 'target_id', 'created_at', 'expires_at'])
    .where('practice_id', '=', practiceId)
    .where('user_id', '=', userId)
    .where('expires_at', '>', new Date(nowMs).toISOString())
    .execute();
  return {
    voicemailBoxIds: boxes.map((b) => b.box_id),
    breakGlass: glass.map((g) => ({
      id: g.id,
      userId: g.user_id,
      targetType: g.target_type as BreakGlassTarget,
      targetId: g.target_id,
      createdAt: g.created_at,
      expiresAt: g.expires_at,
    })),
  };
}

export interface VoicemailBoxRef {
  id: string;
  practiceId: string;
  ownerUserId: string | null;
}

export async function getVoicemailBoxRef(db: Kysely<Database>, practiceId: string, boxId: string): Promise<VoicemailBoxRef> {
  const row = await db.selectFrom('voicemail_boxes').select(['id', 'practice_id', 'owner_user_id']).where('practice_id', '=', practiceId).where('id', '=', boxId).executeTakeFirst();
  if (!row) throw new DirectoryError('NOT_FOUND', 'voicemail box not found');
  return { id: row.id, practiceId: row.practice_id, ownerUserId: row.owner_user_id };
}
