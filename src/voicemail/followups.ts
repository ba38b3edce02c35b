// What happens after a message is committed (DESIGN.md step 5), per policy:
//   transcription on-box where the tier and the box owner's switch allow it
//   (the transcript sealed in the vault, labelled a machine draft), then an
//   email notice to each user of the box whose notices are on (the outbox
//   holds ids only; the notifier reads the rest at send time).
// The row's `followups` column makes this resumable: a restart between the
// commit and these steps is picked up by resume().
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import { getVoicemailSettings } from '../directory/index.ts';
import type { NoticeJob } from '../notify/index.ts';
import type { Transcriber } from '../transcribe/index.ts';
import { boxRecipients } from './boxes.ts';
import type { VoicemailMessage, VoicemailStore } from './message-store.ts';

export interface FollowupLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface VoicemailFollowupsOptions {
  db: Kysely<Database>;
  store: VoicemailStore;
  /** The notifier's enqueue; absent when no SMTP server is configured. */
  enqueue?: (job: NoticeJob) => Promise<unknown>;
  transcriber?: Transcriber;
  logger?: FollowupLogger;
  /** Called when a message's follow-ups are done (tests wait on it). */
  onDone?: (messageId: string) => void;
}

export class VoicemailFollowups {
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly o: VoicemailFollowupsOptions) {}

  /** The deposit path's `committed` hook: starts the follow-ups without waiting. */
  committed = (message: VoicemailMessage): void => {
    void this.run(message);
  };

  /** Follow-ups left undone by a restart. */
  async resume(): Promise<number> {
    const pending = await this.o.store.pendingFollowups();
    await Promise.all(pending.map((m) => this.run(m)));
    return pending.length;
  }

  /** Resolves when nothing is running (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  run(message: VoicemailMessage): Promise<void> {
    const existing = this.running.get(message.id);
    if (existing) return existing;
    const p = this.steps(message)
      .catch((e: unknown) => this.o.logger?.warn({ event: 'voicemail.followups_failed', messageId: message.id, code: codeOf(e) }, 'voicemail'))
      .finally(() => {
        this.running.delete(message.id);
        this.o.onDone?.(message.id);
      });
    this.running.set(message.id, p);
    return p;
  }

  private async steps(message: VoicemailMessage): Promise<void> {
    const box = await this.o.db.selectFrom('voicemail_boxes').select('owner_user_id').where('id', '=', message.boxId).executeTakeFirst();
    if (!box) return;
    if (message.followups !== 'done' && !message.transcriptObjectId && box.owner_user_id) {
      const settings = await getVoicemailSettings(this.o.db, message.practiceId, box.owner_user_id).catch(() => undefined);
      if (settings?.effective.voicemail_transcription.enabled && this.o.transcriber) {
        await this.o.store.setFollowups(message.id, 'transcribing');
        await this.transcribe(message);
      }
    }
    if (this.o.enqueue) {
      for (const recipientId of await boxRecipients(this.o.db, message.boxId)) {
        // Whether this user gets mail (and what is in it) is decided again at send time.
        const settings = await getVoicemailSettings(this.o.db, message.practiceId, recipientId).catch(() => undefined);
        if (!settings?.effective.voicemail_email_notice.enabled) continue;
        await this.o.enqueue({ kind: 'voicemail', messageId: message.id, recipientId });
      }
    }
    await this.o.store.setFollowups(message.id, 'done');
  }

  private async transcribe(message: VoicemailMessage): Promise<void> {
    const transcriber = this.o.transcriber!;
    try {
      const bytes = await this.o.store.audioBytes(message);
      const t = await transcriber.transcribe({ kind: 'raw', bytes, format: { encoding: 'mulaw', sampleRate: 8000 } });
      await this.o.store.attachTranscript(message, t.text, t.engine);
      this.o.logger?.info({ event: 'voicemail.transcribed', messageId: message.id, engine: t.engine, audioMs: t.audioMs }, 'voicemail');
    } catch (e) {
      // No transcript is not a lost message: the notice still goes.
      this.o.logger?.warn({ event: 'voicemail.transcription_failed', messageId: message.id, code: codeOf(e) }, 'voicemail');
    }
  }
}

function codeOf(e: unknown): string {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : 'error';
}
