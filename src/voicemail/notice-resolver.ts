// What a queued notice refers to, read at send time (notify/'s
// NoticeResolver): the message (gone if deleted), the recipient (gone if
// disabled or their notices are off), and the policy decisions evaluated
// now. The recording and transcript are read from the vault only when the
// decisions put them in the mail; the caller's number is never an input.
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import { getPolicy, getPractice, getVoicemailSettings } from '../directory/index.ts';
import { writeWav, pcm16ToBytes } from '../media/wav.ts';
import { decodeUlaw } from '../media/codecs/g711.ts';
import type { NoticeResolver, SecurityJob, VoicemailJob, VoicemailNoticeInput } from '../notify/index.ts';
import { getBox } from './boxes.ts';
import { VOICEMAIL_ACTOR, type VoicemailStore } from './message-store.ts';
import { AUDIT_ACTIONS } from '../audit/index.ts';

export class VoicemailNoticeResolver implements NoticeResolver {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly store: VoicemailStore,
    private readonly portalUrl: string,
  ) {}

  async voicemail(job: VoicemailJob): Promise<{ to: string; input: VoicemailNoticeInput } | null> {
    const message = await this.store.find(job.messageId);
    if (!message) return null;
    const user = await this.db.selectFrom('users').select(['email', 'status', 'practice_id']).where('id', '=', job.recipientId).executeTakeFirst();
    if (!user || user.status !== 'active' || user.practice_id !== message.practiceId) return null;
    const settings = await getVoicemailSettings(this.db, message.practiceId, job.recipientId);
    if (!settings.effective.voicemail_email_notice.enabled) return null;
    const practice = await getPractice(this.db, message.practiceId);
    const box = await getBox(this.db, message.boxId);
    const decisions = { voicemail_email_audio: settings.effective.voicemail_email_audio, voicemail_email_transcript: settings.effective.voicemail_email_transcript };
    const input: VoicemailNoticeInput = {
      practiceName: practice.name,
      mailboxLabel: box ? `Extension ${box.extension}` : 'your mailbox',
      portalUrl: this.portalUrl,
      messageId: message.id,
      receivedAt: new Date(message.receivedAt),
      durationMs: message.durationMs,
      decisions,
    };
    if (decisions.voicemail_email_transcript.enabled) {
      const transcript = await this.store.transcript(message);
      if (transcript) input.transcript = transcript.text;
    }
    if (decisions.voicemail_email_audio.enabled) {
      input.audio = writeWav({ encoding: 'pcm16' }, pcm16ToBytes(decodeUlaw(await this.store.audioBytes(message))));
    }
    return { to: user.email, input };
  }

  /** PHI left the box by email (what the practice chose): recorded like any other disclosure, once the mail server took it. */
  async disclosed(job: VoicemailJob, what: { audio: boolean; transcript: boolean }): Promise<void> {
    const message = await this.store.find(job.messageId);
    if (!message) return;
    await this.store.audit(message, VOICEMAIL_ACTOR, AUDIT_ACTIONS.voicemailForward, { via: 'email', recipientId: job.recipientId, audio: what.audio, transcript: what.transcript });
  }

  async security(job: SecurityJob): Promise<{ practiceName: string; portalUrl: string } | null> {
    const user = await this.db.selectFrom('users').select('practice_id').where('id', '=', job.userId).executeTakeFirst();
    if (!user) return null;
    const practice = await getPractice(this.db, user.practice_id);
    await getPolicy(this.db, user.practice_id);
    return { practiceName: practice.name, portalUrl: this.portalUrl };
  }
}
