import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import { recordAudit } from './audit.ts';
import { DirectoryError } from './errors.ts';
import type { Actor } from './model.ts';

export interface Extension {
  id: string;
  number: string;
  userId: string | null;
  voicemailBoxId: string | null;
}

export async function listExtensions(db: Kysely<Database>, practiceId: string): Promise<Extension[]> {
  const rows = await db
    .selectFrom('extensions')
    .leftJoin('voicemail_boxes', 'voicemail_boxes.extension_id', 'extensions.id')
    .select(['extensions.id', 'extensions.number', 'extensions.user_id', 'voicemail_boxes.id as box_id'])
    .where('extensions.practice_id', '=', practiceId)
    .orderBy('extensions.number')
    .execute();
  return rows.map((r) => ({ id: r.id, number: r.number, userId: r.user_id, voicemailBoxId: r.box_id }));
}

/** Lets a user open a voicemail box that is not their own (a shared or clinical box). Idempotent; audited when new. */
export async function grantVoicemailBox(db: Kysely<Database>, practiceId: string, boxId: string, userId: string, actor: Actor): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const box = await trx.selectFrom('voicemail_boxes').select('id').where('practice_id', '=', practiceId).where('id', '=', boxId).executeTakeFirst();
    const user = await trx.selectFrom('users').select('id').where('practice_id', '=', practiceId).where('id', '=', userId).executeTakeFirst();
    if (!box || !user) throw new DirectoryError('NOT_FOUND', 'voicemail box or user not found');
    const r = await trx
      .insertInto('voicemail_box_grants')
      .values({ box_id: boxId, user_id: userId, granted_by: actor.id, granted_at: new Date().toISOString() })
      .onConflict((oc) => oc.columns(['box_id', 'user_id']).doNothing())
      .executeTakeFirst();
    if (Number(r.numInsertedOrUpdatedRows ?? 0n) > 0) {
      await recordAudit(trx, practiceId, actor, { action: 'grant.create', object: { type: 'voicemail_box', id: boxId }, details: { userId } });
    }
  });
}
