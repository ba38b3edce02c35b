import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';

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

/** Lets a user open a voicemail box that is not their own (a shared or clinical box). */
export async function grantVoicemailBox(db: Kysely<Database>, boxId: string, userId: string, grantedBy: string | null): Promise<void> {
  await db
    .insertInto('voicemail_box_grants')
    .values({ box_id: boxId, user_id: userId, granted_by: grantedBy, granted_at: new Date().toISOString() })
    .onConflict((oc) => oc.columns(['box_id', 'user_id']).doNothing())
    .execute();
}
