// Voicemail boxes as the deposit path and the API see them: which box an
// extension has, and who owns it. Ids only; no names.
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';

export interface BoxInfo {
  readonly id: string;
  readonly practiceId: string;
  readonly ownerUserId: string | null;
  readonly extension: string;
}

export async function findBoxByExtension(db: Kysely<Database>, practiceId: string, extension: string): Promise<BoxInfo | undefined> {
  const row = await db
    .selectFrom('voicemail_boxes')
    .innerJoin('extensions', 'extensions.id', 'voicemail_boxes.extension_id')
    .select(['voicemail_boxes.id', 'voicemail_boxes.practice_id', 'voicemail_boxes.owner_user_id', 'extensions.number'])
    .where('voicemail_boxes.practice_id', '=', practiceId)
    .where('extensions.number', '=', extension)
    .executeTakeFirst();
  return row && { id: row.id, practiceId: row.practice_id, ownerUserId: row.owner_user_id, extension: row.number };
}

export async function getBox(db: Kysely<Database>, boxId: string): Promise<BoxInfo | undefined> {
  const row = await db
    .selectFrom('voicemail_boxes')
    .innerJoin('extensions', 'extensions.id', 'voicemail_boxes.extension_id')
    .select(['voicemail_boxes.id', 'voicemail_boxes.practice_id', 'voicemail_boxes.owner_user_id', 'extensions.number'])
    .where('voicemail_boxes.id', '=', boxId)
    .executeTakeFirst();
  return row && { id: row.id, practiceId: row.practice_id, ownerUserId: row.owner_user_id, extension: row.number };
}

export async function listBoxes(db: Kysely<Database>, practiceId: string): Promise<BoxInfo[]> {
  const rows = await db
    .selectFrom('voicemail_boxes')
    .innerJoin('extensions', 'extensions.id', 'voicemail_boxes.extension_id')
    .select(['voicemail_boxes.id', 'voicemail_boxes.practice_id', 'voicemail_boxes.owner_user_id', 'extensions.number'])
    .where('voicemail_boxes.practice_id', '=', practiceId)
    .execute();
  return rows.map((row) => ({ id: row.id, practiceId: row.practice_id, ownerUserId: row.owner_user_id, extension: row.number }));
}

/** Who hears about a new message in a box: its owner and everyone granted it. */
export async function boxRecipients(db: Kysely<Database>, boxId: string): Promise<string[]> {
  const box = await db.selectFrom('voicemail_boxes').select('owner_user_id').where('id', '=', boxId).executeTakeFirst();
  const grants = await db.selectFrom('voicemail_box_grants').select('user_id').where('box_id', '=', boxId).execute();
  return [...new Set([...(box?.owner_user_id ? [box.owner_user_id] : []), ...grants.map((g) => g.user_id)])];
}
