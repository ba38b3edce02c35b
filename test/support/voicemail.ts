// Leaves a voicemail in a box without a phone call: the store's deposit
// steps (row, sealed writer, commit) exactly as the deposit path runs them.
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/index.ts';
import { listExtensions } from '../../src/directory/index.ts';
import { encodeUlaw } from '../../src/media/codecs/g711.ts';
import { writeWav, pcm16ToBytes } from '../../src/media/wav.ts';
import type { VoicemailMessage, VoicemailStore } from '../../src/voicemail/index.ts';

/** A 440 Hz tone of `ms` milliseconds at 8 kHz. */
export function tone(ms: number, hz = 440, amplitude = 8000): Int16Array {
  return new Int16Array(8 * ms).map((_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / 8000)));
}

export function pcmWav(pcm: Int16Array): Buffer {
  return writeWav({ encoding: 'pcm16' }, pcm16ToBytes(pcm));
}

export async function boxOf(db: Kysely<Database>, practiceId: string, extension: string): Promise<{ id: string; practiceId: string; ownerUserId: string | null }> {
  const ext = (await listExtensions(db, practiceId)).find((e) => e.number === extension);
  if (!ext?.voicemailBoxId) throw new Error(`extension ${extension} has no box`);
  const row = await db.selectFrom('voicemail_boxes').select('owner_user_id').where('id', '=', ext.voicemailBoxId).executeTakeFirstOrThrow();
  return { id: ext.voicemailBoxId, practiceId, ownerUserId: row.owner_user_id };
}

export async function leaveMessage(store: VoicemailStore, box: { id: string; practiceId: string; ownerUserId: string | null }, pcm: Int16Array = tone(2000)): Promise<VoicemailMessage> {
  const { messageId, writer } = await store.startRecording(box);
  await writer.write(encodeUlaw(pcm));
  const sealed = await writer.commit();
  return store.commitRecording(messageId, Number(sealed.size), false);
}
