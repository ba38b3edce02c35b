// Which voicemail box an extension owns, and the reverse (for the
// Message-Account line): a read of voicemail_boxes joined to extensions.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';

export interface MwiBox {
  readonly boxId: string;
  readonly practiceId: string;
  readonly extension: string;
}

/** What MWI needs of the directory. */
export interface MwiBoxDirectory {
  boxForExtension(practiceId: string, extension: string): Promise<MwiBox | undefined>;
}

export class KyselyMwiBoxDirectory implements MwiBoxDirectory {
  constructor(private readonly db: Kysely<Database>) {}

  async boxForExtension(practiceId: string, extension: string): Promise<MwiBox | undefined> {
    const row = await this.db
      .selectFrom('voicemail_boxes')
      .innerJoin('extensions', 'extensions.id', 'voicemail_boxes.extension_id')
      .select(['voicemail_boxes.id as box_id', 'voicemail_boxes.practice_id'])
      .where('voicemail_boxes.practice_id', '=', practiceId)
      .where('extensions.number', '=', extension)
      .executeTakeFirst();
    return row ? { boxId: row.box_id, practiceId: row.practice_id, extension } : undefined;
  }
}
