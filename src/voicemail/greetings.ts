// Custom greetings: recorded by phone (the mailbox menu's 'record-greeting'
// action) or uploaded through the API. Sealed in the vault like any other
// recording of a voice (kind 'voicemail', owned by the box owner); the row
// names the current object, and the one it replaces is crypto-shredded.
import type { Kysely } from 'kysely';
import { AUDIT_ACTIONS } from '../audit/index.ts';
import type { Database } from '../db/index.ts';
import { recordAudit, type Actor } from '../directory/index.ts';
import { decodeUlaw, encodeUlaw } from '../media/codecs/g711.ts';
import type { Vault } from '../vault/index.ts';
import { VoicemailError } from './voicemail-error.ts';

export type GreetingWhich = 'unavailable' | 'busy';

/** Half a second to two minutes: shorter is a slip of the finger, longer is not a greeting. */
export const GREETING_MIN_MS = 500;
export const GREETING_MAX_MS = 120_000;

/** A greeting's length in ms, or VOICEMAIL_BAD_AUDIO when it is too short or too long to be one. */
export function greetingDurationMs(pcm: Int16Array): number {
  const ms = Math.floor(pcm.length / 8);
  if (ms < GREETING_MIN_MS || ms > GREETING_MAX_MS) throw new VoicemailError('VOICEMAIL_BAD_AUDIO', `a greeting must last ${GREETING_MIN_MS / 1000} s to ${GREETING_MAX_MS / 1000} s`);
  return ms;
}

/** The port the mailbox menu (src/voicemail/mailbox/) calls; signature fixed by the shared contract. */
export interface GreetingStore {
  saveGreeting(boxId: string, which: GreetingWhich, pcm: Int16Array, actor: Actor): Promise<void>;
}

export class VaultGreetingStore implements GreetingStore {
  /**
   * Decoded greetings by box and kind (played on every call to the box), with
   * the object they came from: a new greeting replaces the entry, so a
   * shredded greeting's audio does not stay in memory.
   */
  private readonly cache = new Map<string, { objectId: string; pcm: Int16Array }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly vault: Vault,
  ) {}

  async saveGreeting(boxId: string, which: GreetingWhich, pcm: Int16Array, actor: Actor): Promise<void> {
    const ms = greetingDurationMs(pcm);
    const box = await this.db.selectFrom('voicemail_boxes').select(['id', 'practice_id', 'owner_user_id']).where('id', '=', boxId).executeTakeFirst();
    if (!box) throw new VoicemailError('VOICEMAIL_NOT_FOUND', 'voicemail box not found');
    const sealed = await this.vault.sealBytes({ practiceId: box.practice_id, kind: 'voicemail', ownerUserId: box.owner_user_id }, encodeUlaw(pcm));
    const previous = await this.db.selectFrom('voicemail_greetings').select('object_id').where('box_id', '=', boxId).where('which', '=', which).executeTakeFirst();
    await this.db.transaction().execute(async (trx) => {
      const values = { object_id: sealed.id, duration_ms: ms, updated_at: new Date().toISOString(), updated_by: actor.id };
      await trx
        .insertInto('voicemail_greetings')
        .values({ box_id: boxId, which, practice_id: box.practice_id, ...values })
        .onConflict((oc) => oc.columns(['box_id', 'which']).doUpdateSet(values))
        .execute();
      await recordAudit(trx, box.practice_id, actor, { action: AUDIT_ACTIONS.voicemailGreetingUpdate, object: { type: 'voicemail_box', id: boxId }, details: { which, durationMs: ms } });
    });
    if (previous) await this.vault.destroyReleased({ practiceId: box.practice_id, objectId: previous.object_id }, 'requested');
  }

  /** The box's recorded greeting of that kind (unavailable stands in for a missing busy one), or undefined. */
  async greeting(boxId: string, which: GreetingWhich): Promise<Int16Array | undefined> {
    const rows = await this.db.selectFrom('voicemail_greetings').select(['which', 'object_id', 'practice_id']).where('box_id', '=', boxId).execute();
    const row = rows.find((r) => r.which === which) ?? rows.find((r) => r.which === 'unavailable');
    if (!row) return undefined;
    const key = `${boxId}:${row.which}`;
    const cached = this.cache.get(key);
    if (cached?.objectId === row.object_id) return cached.pcm;
    const pcm = decodeUlaw(await this.vault.openBytes({ practiceId: row.practice_id, objectId: row.object_id }));
    this.cache.set(key, { objectId: row.object_id, pcm });
    return pcm;
  }
}
