// Voicemail messages: rows in voicemail_messages, audio sealed in the vault
// as 8 kHz G.711 mu-law (1 byte a sample: a second is 8000 bytes, the
// SealedWriter's default durability step, and the duration is size / 8).
//
// Durability order of a deposit (DESIGN.md, "The way a voicemail travels"):
//   1. the row, state 'recording', naming the audio object id up front;
//   2. the sealed audio, chunk by chunk as frames arrive, then committed;
//   3. the row 'committed' with its audit event, in one transaction.
// A crash between 1 and 3 is finished by recoverInterrupted() at start-up.
//
// Never open a vault object inside a database transaction: on SQLite the
// vault's tamper hook writes audit in its own transaction and would wait.
import type { Kysely, Transaction } from 'kysely';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { AUDIT_ACTIONS } from '../audit/index.ts';
import { flag, newId, type Database, type VoicemailMessagesTable } from '../db/index.ts';
import { recordAudit, type Actor } from '../directory/index.ts';
import { decodeUlaw } from '../media/codecs/g711.ts';
import { pcm16ToBytes, wavHeader } from '../media/wav.ts';
import { isGoneError, isVaultError, newObjectId, type SealedWriter, type Vault } from '../vault/index.ts';
import type { MailboxAccess, MailboxMessage } from './mailbox-access.ts';
import { VoicemailError } from './voicemail-error.ts';

/** The deposit path acts as this system actor in the audit log. */
export const VOICEMAIL_ACTOR: Actor = { type: 'system', id: 'voicemail' };

/** Audio bytes per millisecond (8 kHz, one mu-law byte a sample). */
export const BYTES_PER_MS = 8;

export interface VoicemailMessage extends MailboxMessage {
  readonly practiceId: string;
  readonly audioObjectId: string;
  readonly transcriptObjectId: string | null;
  readonly transcriptEngine: string | null;
  readonly followups: 'pending' | 'transcribing' | 'done';
}

export interface RecordingStart {
  readonly messageId: string;
  readonly writer: SealedWriter;
}

function toMessage(r: VoicemailMessagesTable): VoicemailMessage {
  return {
    id: r.id,
    boxId: r.box_id,
    practiceId: r.practice_id,
    receivedAt: r.received_at,
    durationMs: Number(r.duration_ms),
    heard: Number(r.heard) === 1,
    partial: Number(r.partial) === 1,
    audioObjectId: r.audio_object_id,
    transcriptObjectId: r.transcript_object_id,
    transcriptEngine: r.transcript_engine,
    followups: r.followups as VoicemailMessage['followups'],
  };
}

/** Unheard first, then newest first (the order a phone menu plays them). */
function mailboxOrder(a: VoicemailMessage, b: VoicemailMessage): number {
  if (a.heard !== b.heard) return a.heard ? 1 : -1;
  return a.receivedAt < b.receivedAt ? 1 : a.receivedAt > b.receivedAt ? -1 : 0;
}

/** Where a change came from, when not the API or CLI (which say so by their actor). */
type Via = { via?: 'phone' };

/** Why an attempt on a message was refused, as its denied audit event records it (ids and codes only). */
export type VoicemailRefusal = { reason: 'not_granted' } | { reason: 'break_glass_read_only'; breakGlassId: string };

export class VoicemailStore implements MailboxAccess {
  private readonly listeners = new Set<(boxId: string) => void>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly vault: Vault,
    private readonly now: () => Date = () => new Date(),
  ) {}

  // ------------------------------------------------------------ deposit

  /** Steps 1 and 2 begin: the row, then the sealed writer for its audio. */
  async startRecording(box: { id: string; practiceId: string; ownerUserId: string | null }, options: { flushIntervalMs?: number } = {}): Promise<RecordingStart> {
    const messageId = newId();
    const audioObjectId = newObjectId();
    await this.db
      .insertInto('voicemail_messages')
      .values({
        id: messageId,
        practice_id: box.practiceId,
        box_id: box.id,
        state: 'recording',
        received_at: this.now().toISOString(),
        duration_ms: 0,
        heard: 0,
        partial: 0,
        audio_object_id: audioObjectId,
        transcript_object_id: null,
        transcript_engine: null,
        followups: 'pending',
      })
      .execute();
    try {
      const writer = await this.vault.createWriter(
        { practiceId: box.practiceId, kind: 'voicemail', ownerUserId: box.ownerUserId, id: audioObjectId },
        { ...(options.flushIntervalMs !== undefined ? { flushIntervalMs: options.flushIntervalMs } : {}) },
      );
      return { messageId, writer };
    } catch (e) {
      await this.db.deleteFrom('voicemail_messages').where('id', '=', messageId).execute();
      throw e;
    }
  }

  /** Step 3: the audio is committed; the row and its audit event follow in one transaction. */
  async commitRecording(messageId: string, audioBytes: number, partial: boolean): Promise<VoicemailMessage> {
    const durationMs = Math.floor(audioBytes / BYTES_PER_MS);
    const row = await this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('voicemail_messages')
        .set({ state: 'committed', duration_ms: durationMs, partial: flag(partial) })
        .where('id', '=', messageId)
        .where('state', '=', 'recording')
        .returningAll()
        .executeTakeFirst();
      if (!updated) throw new VoicemailError('VOICEMAIL_NOT_FOUND', 'no message being recorded with that id');
      await recordAudit(trx, updated.practice_id, VOICEMAIL_ACTOR, {
        action: AUDIT_ACTIONS.voicemailDeposit,
        object: { type: 'voicemail', id: messageId },
        details: { boxId: updated.box_id, durationMs, partial },
      });
      return updated;
    });
    const message = toMessage(row);
    this.changed(message.boxId);
    return message;
  }

  /** A recording too short to be a message (a hang-up at the tone): nothing is kept. */
  async discardRecording(messageId: string, writer: SealedWriter): Promise<void> {
    await writer.abort().catch(() => {});
    await this.db.deleteFrom('voicemail_messages').where('id', '=', messageId).where('state', '=', 'recording').execute();
  }

  /**
   * Start-up: rows left 'recording' by a crash. The vault's own recovery has
   * already kept every durable chunk and marked the object partial (or
   * committed, if the final chunk made it); such a message is delivered,
   * marked partial. A row whose audio never became durable is removed.
   */
  async recoverInterrupted(): Promise<{ recovered: VoicemailMessage[]; dropped: number }> {
    const rows = await this.db.selectFrom('voicemail_messages').selectAll().where('state', '=', 'recording').execute();
    const recovered: VoicemailMessage[] = [];
    let dropped = 0;
    for (const row of rows) {
      let state: string | undefined;
      let size = 0;
      try {
        const record = await this.vault.stat({ practiceId: row.practice_id, objectId: row.audio_object_id });
        state = record.state;
        size = Number(record.size ?? 0);
      } catch (e) {
        if (!isVaultError(e)) throw e;
      }
      if (state === 'partial' || state === 'committed') {
        recovered.push(await this.commitRecording(row.id, size, true));
      } else if (state !== 'writing') {
        await this.db.deleteFrom('voicemail_messages').where('id', '=', row.id).execute();
        dropped += 1;
      }
    }
    return { recovered, dropped };
  }

  // ------------------------------------------------------------ reads

  async find(messageId: string): Promise<VoicemailMessage | undefined> {
    const row = await this.db.selectFrom('voicemail_messages').selectAll().where('id', '=', messageId).where('state', '=', 'committed').executeTakeFirst();
    return row && toMessage(row);
  }

  /** A committed message of this practice, or VOICEMAIL_NOT_FOUND. */
  async get(practiceId: string, messageId: string): Promise<VoicemailMessage> {
    const m = await this.find(messageId);
    if (!m || m.practiceId !== practiceId) throw new VoicemailError('VOICEMAIL_NOT_FOUND', 'voicemail not found');
    return m;
  }

  async listBoxes(boxIds: readonly string[]): Promise<VoicemailMessage[]> {
    if (boxIds.length === 0) return [];
    const rows = await this.db.selectFrom('voicemail_messages').selectAll().where('box_id', 'in', [...boxIds]).where('state', '=', 'committed').execute();
    return rows.map(toMessage).sort(mailboxOrder);
  }

  async list(boxId: string): Promise<MailboxMessage[]> {
    return (await this.listBoxes([boxId])).map(({ id, boxId: b, receivedAt, durationMs, heard, partial }) => ({ id, boxId: b, receivedAt, durationMs, heard, partial }));
  }

  async counts(boxId: string): Promise<{ newMessages: number; oldMessages: number }> {
    const rows = await this.db
      .selectFrom('voicemail_messages')
      .select(['heard', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('box_id', '=', boxId)
      .where('state', '=', 'committed')
      .groupBy('heard')
      .execute();
    const count = (h: number) => Number(rows.find((r) => Number(r.heard) === h)?.n ?? 0);
    return { newMessages: count(0), oldMessages: count(1) };
  }

  /** Messages whose notices or transcription were not queued yet (a restart came between). */
  async pendingFollowups(): Promise<VoicemailMessage[]> {
    const rows = await this.db.selectFrom('voicemail_messages').selectAll().where('state', '=', 'committed').where('followups', '!=', 'done').execute();
    return rows.map(toMessage);
  }

  async setFollowups(messageId: string, followups: VoicemailMessage['followups']): Promise<void> {
    await this.db.updateTable('voicemail_messages').set({ followups }).where('id', '=', messageId).execute();
  }

  // ------------------------------------------------------------ audio and transcript

  /** The recording's mu-law bytes (no audit: callers audit their own access). */
  async audioBytes(message: VoicemailMessage): Promise<Buffer> {
    return this.vault.openBytes({ practiceId: message.practiceId, objectId: message.audioObjectId });
  }

  /**
   * The recording as a PCM16 WAV stream and its exact length. The play is
   * audited once the sealed audio is open and before a byte of it goes out;
   * a recording that cannot be opened is recorded as a failed play with its
   * vault code (and one already destroyed is VOICEMAIL_NOT_FOUND).
   */
  async openAudioWav(practiceId: string, messageId: string, actor: Actor, details: Record<string, string | number | boolean> = {}): Promise<{ length: number; stream: Readable }> {
    const message = await this.get(practiceId, messageId);
    const ref = { practiceId, objectId: message.audioObjectId };
    const { record, source } = await this.opened(message, actor, details, async () => {
      const record = await this.vault.stat(ref);
      return { record, source: await this.vault.openStream(ref) };
    }, (a) => a.source.destroy());
    const samples = Number(record.size ?? 0);
    const header = wavHeader({ encoding: 'pcm16' }, samples * 2);
    let first = true;
    const toPcm = new Transform({
      transform(chunk: Buffer, _enc, done) {
        const pcm = pcm16ToBytes(decodeUlaw(chunk));
        done(null, first ? ((first = false), Buffer.concat([header, pcm])) : pcm);
      },
      flush(done) {
        done(null, first ? header : null);
      },
    });
    source.on('error', (e) => toPcm.destroy(e));
    return { length: header.length + samples * 2, stream: source.pipe(toPcm) };
  }

  async audio(messageId: string, actor: Actor): Promise<Int16Array> {
    const message = await this.find(messageId);
    if (!message) throw new VoicemailError('VOICEMAIL_NOT_FOUND', 'voicemail not found');
    return decodeUlaw(await this.opened(message, actor, { via: 'phone' }, () => this.audioBytes(message), (bytes) => bytes.fill(0)));
  }

  /**
   * Opens a message's audio with `open`, then records the play: a success
   * only once the audio is at hand (nothing of it has left yet), a failure
   * with the vault's code otherwise. If the success cannot be recorded, what
   * was opened is dropped and the play fails.
   */
  private async opened<T>(message: VoicemailMessage, actor: Actor, details: Record<string, string | number | boolean>, open: () => Promise<T>, discard: (audio: T) => void): Promise<T> {
    let audio: T;
    try {
      audio = await open();
    } catch (e) {
      const code = isVaultError(e) ? e.code : 'VOICEMAIL_AUDIO_FAILED';
      await this.audit(message, actor, AUDIT_ACTIONS.voicemailPlay, { ...details, code }, 'failure');
      if (isGoneError(e)) throw new VoicemailError('VOICEMAIL_NOT_FOUND', 'voicemail not found');
      throw e;
    }
    try {
      await this.audit(message, actor, AUDIT_ACTIONS.voicemailPlay, details);
    } catch (e) {
      discard(audio);
      throw e;
    }
    return audio;
  }

  /** The sealed machine transcript, if there is one. */
  async transcript(message: VoicemailMessage): Promise<{ text: string; engine: string } | null> {
    if (!message.transcriptObjectId) return null;
    try {
      const parsed = JSON.parse((await this.vault.openBytes({ practiceId: message.practiceId, objectId: message.transcriptObjectId })).toString('utf8')) as { text?: unknown };
      return typeof parsed.text === 'string' ? { text: parsed.text, engine: message.transcriptEngine ?? 'unknown' } : null;
    } catch (e) {
      if (isVaultError(e)) return null;
      throw e;
    }
  }

  /** Seals a machine transcript (labelled as a draft) and links it to its message, audited. */
  async attachTranscript(message: VoicemailMessage, text: string, engine: string): Promise<void> {
    const body = Buffer.from(JSON.stringify({ text, engine, label: 'machine-draft' }), 'utf8');
    const box = await this.db.selectFrom('voicemail_boxes').select('owner_user_id').where('id', '=', message.boxId).executeTakeFirst();
    const record = await this.vault.sealBytes({ practiceId: message.practiceId, kind: 'transcript', ownerUserId: box?.owner_user_id ?? null }, body);
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('voicemail_messages').set({ transcript_object_id: record.id, transcript_engine: engine }).where('id', '=', message.id).execute();
      // A hold on the message covers its transcript, one made after the hold too (read here, in the transaction, so a hold placed meanwhile is seen).
      const audio = await trx.selectFrom('vault_objects').select('legal_hold').where('id', '=', message.audioObjectId).executeTakeFirst();
      if (audio?.legal_hold) await trx.updateTable('vault_objects').set({ legal_hold: 1 }).where('id', '=', record.id).execute();
      await recordAudit(trx, message.practiceId, VOICEMAIL_ACTOR, { action: AUDIT_ACTIONS.transcriptCreate, object: { type: 'voicemail', id: message.id }, details: { engine, transcriptObjectId: record.id } });
    });
  }

  // ------------------------------------------------------------ changes

  async markHeard(messageId: string, actor: Actor, heard = true, via: Via = {}): Promise<void> {
    const message = await this.find(messageId);
    if (!message) throw new VoicemailError('VOICEMAIL_NOT_FOUND', 'voicemail not found');
    // Already so (marked twice, a second click): nothing changes, nothing is recorded, MWI has nothing new to say.
    if (message.heard === heard) return;
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('voicemail_messages').set({ heard: flag(heard) }).where('id', '=', messageId).execute();
      await recordAudit(trx, message.practiceId, actor, { action: AUDIT_ACTIONS.voicemailMarkHeard, object: { type: 'voicemail', id: messageId }, details: { heard, ...via } });
    });
    this.changed(message.boxId);
  }

  /**
   * Deletes a message: the row and its audit event first, then the audio and
   * transcript are crypto-shredded. A legal hold (on the recording, the
   * transcript or the box owner) refuses the whole delete.
   */
  async delete(messageId: string, actor: Actor, via: Via = {}): Promise<void> {
    const message = await this.find(messageId);
    if (!message) throw new VoicemailError('VOICEMAIL_NOT_FOUND', 'voicemail not found');
    // Fail closed: only an object already gone (shredded by retention, never written) is no reason to keep the message.
    for (const objectId of [message.audioObjectId, message.transcriptObjectId]) {
      if (!objectId) continue;
      const hold = await this.vault.holdOn({ practiceId: message.practiceId, objectId }).catch((e: unknown) => {
        if (isGoneError(e)) return null;
        throw e;
      });
      if (hold !== null) throw new VoicemailError('VOICEMAIL_LEGAL_HOLD', 'this voicemail is under a legal hold');
    }
    await this.db.transaction().execute(async (trx) => {
      // Again under the write: a hold placed since the check above wins, and nothing is deleted (no held audio left without its message).
      if (await heldNow(trx, message)) throw new VoicemailError('VOICEMAIL_LEGAL_HOLD', 'this voicemail is under a legal hold');
      await trx.deleteFrom('voicemail_messages').where('id', '=', messageId).execute();
      await recordAudit(trx, message.practiceId, actor, { action: AUDIT_ACTIONS.voicemailDelete, object: { type: 'voicemail', id: messageId }, details: { boxId: message.boxId, ...via } });
    });
    for (const objectId of [message.audioObjectId, message.transcriptObjectId]) {
      if (objectId) await this.vault.destroyReleased({ practiceId: message.practiceId, objectId }, 'requested');
    }
    this.changed(message.boxId);
  }

  /** The mailbox as the phone menu uses it: heard-marks and deletes recorded `via: "phone"`, as its plays are. */
  phoneAccess(): MailboxAccess {
    return {
      list: (boxId) => this.list(boxId),
      audio: (messageId, actor) => this.audio(messageId, actor),
      markHeard: (messageId, actor) => this.markHeard(messageId, actor, true, { via: 'phone' }),
      delete: (messageId, actor) => this.delete(messageId, actor, { via: 'phone' }),
      counts: (boxId) => this.counts(boxId),
      onChange: (listener) => this.onChange(listener),
    };
  }

  // ------------------------------------------------------------ retention

  /** Committed messages whose recording is no longer in the vault: a retention purge destroyed it. */
  async withoutAudio(practiceId: string): Promise<VoicemailMessage[]> {
    const rows = await this.db
      .selectFrom('voicemail_messages as m')
      .selectAll('m')
      .where('m.practice_id', '=', practiceId)
      .where('m.state', '=', 'committed')
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('vault_objects as o').select('o.id').whereRef('o.id', '=', 'm.audio_object_id'))))
      .execute();
    return rows.map(toMessage);
  }

  /**
   * A purge run's end: the messages whose recording it destroyed leave the
   * inbox, links to transcripts it destroyed are dropped, and `record` (the
   * run's audit event) is written in the same transaction; the lamps of the
   * boxes concerned follow.
   */
  async removePurged(practiceId: string, messages: readonly VoicemailMessage[], transcriptObjectIds: readonly string[], record: (trx: Transaction<Database>) => Promise<void>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (messages.length > 0) await trx.deleteFrom('voicemail_messages').where('practice_id', '=', practiceId).where('id', 'in', messages.map((m) => m.id)).execute();
      if (transcriptObjectIds.length > 0) {
        await trx.updateTable('voicemail_messages').set({ transcript_object_id: null, transcript_engine: null }).where('practice_id', '=', practiceId).where('transcript_object_id', 'in', [...transcriptObjectIds]).execute();
      }
      await record(trx);
    });
    for (const boxId of new Set(messages.map((m) => m.boxId))) this.changed(boxId);
  }

  /** Records a read of PHI (list, read, play) before the data is handed out. */
  async audit(message: { id: string; practiceId: string }, actor: Actor, action: string, details: Record<string, string | number | boolean> = {}, outcome: 'success' | 'failure' = 'success'): Promise<void> {
    await this.db.transaction().execute((trx) => recordAudit(trx, message.practiceId, actor, { action, object: { type: 'voicemail', id: message.id }, outcome, details }));
  }

  /**
   * A refused attempt on a message: by default one the actor may not read (the caller was told
   * "not found"); `refusal` names another reason, e.g. a change tried on break-glass access.
   */
  async auditRefused(message: { id: string; practiceId: string }, actor: Actor, action: string, refusal: VoicemailRefusal = { reason: 'not_granted' }): Promise<void> {
    await this.db.transaction().execute((trx) =>
      recordAudit(trx, message.practiceId, actor, { action, object: { type: 'voicemail', id: message.id }, outcome: 'denied', details: { ...refusal } }),
    );
  }

  /** A listing of messages (API): one event with the count, and any break-glass grants it rested on. */
  async auditList(practiceId: string, actor: Actor, messageIds: readonly string[], breakGlassIds: readonly string[]): Promise<void> {
    // The ids, not just a count: an auditor must be able to tell whose messages (and transcripts) were read.
    await this.db.transaction().execute((trx) =>
      recordAudit(trx, practiceId, actor, {
        action: AUDIT_ACTIONS.voicemailList,
        object: null,
        details: { count: messageIds.length, messageIds: [...messageIds], ...(breakGlassIds.length > 0 ? { breakGlassIds: [...breakGlassIds] } : {}) },
      }),
    );
  }

  onChange(listener: (boxId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(boxId: string): void {
    for (const l of this.listeners) {
      try {
        l(boxId);
      } catch {
        // A listener's failure (MWI) must not undo a committed message.
      }
    }
  }
}

/** Whether a hold covers the message now, read in `trx`: one on its recording or transcript, or on the owner of what it holds. */
async function heldNow(trx: Transaction<Database>, message: VoicemailMessage): Promise<boolean> {
  const ids = [message.audioObjectId, message.transcriptObjectId].filter((id): id is string => id !== null);
  const objects = await trx.selectFrom('vault_objects').select(['legal_hold', 'owner_user_id']).where('id', 'in', ids).execute();
  if (objects.some((o) => Boolean(o.legal_hold))) return true;
  const owners = [...new Set(objects.map((o) => o.owner_user_id).filter((id): id is string => id !== null))];
  if (owners.length === 0) return false;
  const hold = await trx.selectFrom('vault_user_holds').select('user_id').where('practice_id', '=', message.practiceId).where('user_id', 'in', owners).executeTakeFirst();
  return hold !== undefined;
}
