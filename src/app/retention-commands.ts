// Retention and legal holds as an admin drives them (API and `sotto
// retention`): what is kept how long, the deletion receipts, and holds on a
// user (every artifact they own) or on one voicemail (its recording and
// transcript). A hold and its audit event are written in one transaction;
// a change already in place changes nothing and records nothing.
import type { Kysely } from 'kysely';
import { AUDIT_ACTIONS } from '../audit/index.ts';
import type { Database } from '../db/index.ts';
import { getUser, recordAudit, type Actor } from '../directory/index.ts';
import { KyselyVaultRepositories } from '../vault/kysely-repositories.ts';
import { ARTIFACT_KINDS, isGoneError, type ArtifactKind, type DeletionReceipt, type Vault } from '../vault/index.ts';
import { VoicemailError, type VoicemailStore } from '../voicemail/index.ts';
import { practiceRetention, runRetentionPurge, syncPracticeRetention, type PurgeRun } from './retention-purge.ts';

export interface RetentionStatus {
  /** Days each kind is kept (null: until the policy changes). */
  days: Record<ArtifactKind, number | null>;
  /** Stored objects by kind: how many, how many under an object hold, the next deadline. */
  stored: Array<{ kind: ArtifactKind; count: number; held: number; nextDeadline: string | null }>;
  userHolds: number;
  /** The last purge run that destroyed something in this practice (its audit event's time), if any. */
  lastPurgeAt: string | null;
}

export interface LegalHolds {
  users: Array<{ userId: string; reference: string; placedAt: string }>;
  /** Messages whose recording or transcript is under an object hold. */
  voicemails: Array<{ id: string; boxId: string }>;
  /** Other objects under an object hold (none but messages' today). */
  objects: Array<{ id: string; kind: ArtifactKind }>;
}

export class RetentionCommands {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly vault: Vault,
    private readonly store: VoicemailStore,
  ) {}

  async status(practiceId: string): Promise<RetentionStatus> {
    const policy = await practiceRetention(this.db, practiceId);
    const days = Object.fromEntries(ARTIFACT_KINDS.map((k) => [k, policy[k] ?? null])) as Record<ArtifactKind, number | null>;
    const objects = (await this.vault.objects(practiceId)).filter((o) => o.state === 'committed' || o.state === 'partial');
    const stored = ARTIFACT_KINDS.flatMap((kind) => {
      const of = objects.filter((o) => o.kind === kind);
      if (of.length === 0) return [];
      const deadlines = of.flatMap((o) => (o.retentionDeadline ? [o.retentionDeadline.getTime()] : []));
      return [{ kind, count: of.length, held: of.filter((o) => o.legalHold).length, nextDeadline: deadlines.length > 0 ? new Date(Math.min(...deadlines)).toISOString() : null }];
    });
    const last = await this.db.selectFrom('audit_events').select('at').where('practice_id', '=', practiceId).where('action', '=', AUDIT_ACTIONS.retentionPurge).orderBy('at', 'desc').limit(1).executeTakeFirst();
    return { days, stored, userHolds: (await this.vault.userHolds(practiceId)).length, lastPurgeAt: last?.at ?? null };
  }

  /** Deletion receipts of the practice, newest first. */
  async receipts(practiceId: string, filter: { since?: Date; limit: number }): Promise<DeletionReceipt[]> {
    const all = await this.vault.receipts({ practiceId, ...(filter.since ? { since: filter.since } : {}) });
    return all.reverse().slice(0, filter.limit);
  }

  async holds(practiceId: string): Promise<LegalHolds> {
    const users = (await this.vault.userHolds(practiceId)).map((h) => ({ userId: h.userId, reference: h.reference, placedAt: h.placedAt.toISOString() }));
    const held = (await this.vault.objects(practiceId)).filter((o) => o.legalHold);
    const ids = held.map((o) => o.id);
    const messages =
      ids.length === 0
        ? []
        : await this.db
            .selectFrom('voicemail_messages')
            .select(['id', 'box_id', 'audio_object_id', 'transcript_object_id'])
            .where('practice_id', '=', practiceId)
            .where((eb) => eb.or([eb('audio_object_id', 'in', ids), eb('transcript_object_id', 'in', ids)]))
            .orderBy('received_at')
            .execute();
    const ofMessages = new Set(messages.flatMap((m) => [m.audio_object_id, m.transcript_object_id]));
    return {
      users,
      voicemails: messages.map((m) => ({ id: m.id, boxId: m.box_id })),
      objects: held.filter((o) => !ofMessages.has(o.id)).map((o) => ({ id: o.id, kind: o.kind })),
    };
  }

  /** Holds every artifact `userId` owns; `reference` is the case or ticket id (an id, never PHI). */
  async holdUser(practiceId: string, userId: string, reference: string, actor: Actor): Promise<{ changed: boolean }> {
    await getUser(this.db, practiceId, userId);
    const current = (await this.vault.userHolds(practiceId)).find((h) => h.userId === userId);
    if (current?.reference === reference) return { changed: false };
    await this.db.transaction().execute(async (trx) => {
      await new KyselyVaultRepositories(trx).userHolds.place({ practiceId, userId, reference, placedAt: new Date() });
      await recordAudit(trx, practiceId, actor, { action: AUDIT_ACTIONS.legalHoldPlace, object: { type: 'user', id: userId }, details: { reference, ...(current ? { replaces: current.reference } : {}) } });
    });
    return { changed: true };
  }

  async releaseUser(practiceId: string, userId: string, actor: Actor): Promise<{ changed: boolean }> {
    await getUser(this.db, practiceId, userId);
    return this.db.transaction().execute(async (trx) => {
      if (!(await new KyselyVaultRepositories(trx).userHolds.release(practiceId, userId))) return { changed: false };
      await recordAudit(trx, practiceId, actor, { action: AUDIT_ACTIONS.legalHoldRelease, object: { type: 'user', id: userId }, details: {} });
      return { changed: true };
    });
  }

  /** Holds one message: its recording and its transcript. */
  async holdVoicemail(practiceId: string, messageId: string, reference: string, actor: Actor): Promise<{ changed: boolean }> {
    return this.setVoicemailHold(practiceId, messageId, true, actor, { reference });
  }

  async releaseVoicemail(practiceId: string, messageId: string, actor: Actor): Promise<{ changed: boolean }> {
    return this.setVoicemailHold(practiceId, messageId, false, actor, {});
  }

  /** After PATCH /policy: stored objects follow the new periods now; those of `shortened` kinds may become due sooner. */
  async syncPolicy(practiceId: string, shortened: ReadonlySet<ArtifactKind>): Promise<number> {
    return syncPracticeRetention({ db: this.db, vault: this.vault }, practiceId, shortened);
  }

  /** `sotto retention purge-now`: the hourly run, at once. */
  async purgeNow(actor: Actor): Promise<PurgeRun> {
    return runRetentionPurge({ db: this.db, vault: this.vault, store: this.store }, { actor });
  }

  private async setVoicemailHold(practiceId: string, messageId: string, hold: boolean, actor: Actor, details: Record<string, string>): Promise<{ changed: boolean }> {
    const message = await this.store.get(practiceId, messageId);
    const ids = [message.audioObjectId, message.transcriptObjectId].filter((id): id is string => id !== null);
    // Only an object that is gone is left out (a transcript destroyed on its own deadline); any other failure is
    // the request's, so a hold never answers "held" while its recording went unheld. No recording: no message to hold.
    const stored = await Promise.all(ids.map((objectId) => this.vault.stat({ practiceId, objectId }).catch(goneAsUndefined)));
    if (stored[0] === undefined) throw new VoicemailError('VOICEMAIL_NOT_FOUND', 'voicemail not found');
    const toChange = stored.filter((r) => r !== undefined && r.legalHold !== hold).map((r) => r!.id);
    if (toChange.length === 0) return { changed: false };
    await this.db.transaction().execute(async (trx) => {
      const repos = new KyselyVaultRepositories(trx);
      for (const id of toChange) await repos.objects.setLegalHold(id, hold);
      await recordAudit(trx, practiceId, actor, { action: hold ? AUDIT_ACTIONS.legalHoldPlace : AUDIT_ACTIONS.legalHoldRelease, object: { type: 'voicemail', id: messageId }, details: { ...details, objectIds: toChange } });
    });
    return { changed: true };
  }
}

/** A vault object that is not there any more (destroyed, or never committed) reads as absent; anything else is thrown. */
function goneAsUndefined(e: unknown): undefined {
  if (isGoneError(e)) return undefined;
  throw e;
}
