// The retention purge: what the practice's policy says is due is destroyed,
// and everything that pointed at it goes with it.
//
// One run, for every practice:
//   1. stored objects' deadlines follow the practice's policy as it is now,
//      only ever later (a longer period reaches stored objects; a box's
//      current greeting has none: it is the practice's recording, not a
//      message); only an admin's PATCH /policy brings the kinds it shortened
//      in (an upgrade whose stored policy is shorter than the deadlines
//      objects were kept with destroys nothing);
//   2. the vault crypto-shreds whatever is due and not under a legal hold
//      (an object hold or a hold on its owner), with a receipt each;
//   3. a message whose recording was destroyed takes its transcript with it;
//   4. in one transaction: those messages leave the inbox (and MWI), links to
//      destroyed transcripts are dropped, and the run is one `retention.purge`
//      audit event of the practice (counts, object kinds and ids; no PHI).
// Step 4 also finds messages whose recording an earlier run destroyed but
// which a crash kept in the inbox: nothing stays listed that cannot play.
import type { Kysely, Transaction } from 'kysely';
import { AUDIT_ACTIONS } from '../audit/index.ts';
import type { Database } from '../db/index.ts';
import { DirectoryError, getPolicy, listPractices, recordAudit, type Actor } from '../directory/index.ts';
import { retentionDaysByArtifact } from '../policy/index.ts';
import { isVaultError, VaultErrorCode, type ArtifactKind, type DeletionReceipt, type RetentionPolicy, type Vault } from '../vault/index.ts';
import type { VoicemailMessage, VoicemailStore } from '../voicemail/index.ts';

/** The scheduled purge acts as this system actor; `sotto retention purge-now` as the CLI. */
export const RETENTION_ACTOR: Actor = { type: 'system', id: 'retention' };

/** Object and message ids per audit event: an event's details stay under the audit log's 4 KiB. */
const IDS_PER_EVENT = 20;

export interface PurgeDeps {
  db: Kysely<Database>;
  vault: Vault;
  /** The voicemail store, when voicemail runs in this process (MWI is told through it). */
  store: VoicemailStore | undefined;
}

/** What one run did in one practice. */
export interface PracticePurge {
  practiceId: string;
  /** Receipts of the objects destroyed (recordings, transcripts, …). */
  receipts: DeletionReceipt[];
  /** Messages that left the inbox. */
  messageIds: string[];
  /** Objects due but kept: under a hold on their owner (object holds are never due). */
  keptUnderHold: number;
  /** Deadlines moved to follow the policy. */
  deadlinesMoved: number;
}

export interface PurgeRun {
  at: Date;
  practices: PracticePurge[];
}

/** The practice's retention by artifact kind; the vault's defaults for a practice without a policy row. */
export async function practiceRetention(db: Kysely<Database>, practiceId: string): Promise<RetentionPolicy> {
  try {
    return retentionDaysByArtifact((await getPolicy(db, practiceId)).retention);
  } catch (e) {
    if (e instanceof DirectoryError && e.code === 'NOT_FOUND') return {};
    throw e;
  }
}

/**
 * Step 1 for one practice: returns how many deadlines moved. A run only
 * moves deadlines later (a longer period, a current greeting); `shorten`
 * names the kinds an admin has just shortened (PATCH /policy), the only ones
 * whose stored objects may become due sooner (Vault.syncRetention).
 */
export async function syncPracticeRetention(deps: Pick<PurgeDeps, 'db' | 'vault'>, practiceId: string, shorten: ReadonlySet<ArtifactKind> = new Set()): Promise<number> {
  const greetings = await deps.db.selectFrom('voicemail_greetings').select('object_id').where('practice_id', '=', practiceId).execute();
  return deps.vault.syncRetention(practiceId, await practiceRetention(deps.db, practiceId), new Set(greetings.map((g) => g.object_id)), shorten);
}

/** One purge run over every practice; `now` is when "due" is judged (the vault's clock by default). */
export async function runRetentionPurge(deps: PurgeDeps, options: { now?: Date; actor?: Actor } = {}): Promise<PurgeRun> {
  const practices = await listPractices(deps.db);
  const moved = new Map<string, number>();
  for (const p of practices) moved.set(p.id, await syncPracticeRetention(deps, p.id));
  const report = await deps.vault.purgeExpired(options.now ? { now: options.now } : {});
  const out: PurgeRun = { at: options.now ?? new Date(), practices: [] };
  // The shreds above are done for every practice: each practice's own step (its messages, its event) runs even when
  // another's fails, so no practice's destroyed objects go unrecorded because of a neighbour.
  const failures: unknown[] = [];
  for (const p of practices) {
    try {
      const receipts = report.receipts.filter((r) => r.practiceId === p.id);
      const keptUnderHold = report.held.filter((h) => h.practiceId === p.id).length;
      const messages = deps.store ? await deps.store.withoutAudio(p.id) : [];
      receipts.push(...(await destroyTranscriptsOf(deps.vault, messages)));
      const done: PracticePurge = { practiceId: p.id, receipts, messageIds: messages.map((m) => m.id), keptUnderHold, deadlinesMoved: moved.get(p.id) ?? 0 };
      out.practices.push(done);
      if (receipts.length === 0 && messages.length === 0) continue;
      const transcripts = receipts.filter((r) => r.kind === 'transcript').map((r) => r.objectId);
      const record = (trx: Transaction<Database>) => recordPurge(trx, done, options.actor ?? RETENTION_ACTOR);
      if (deps.store) await deps.store.removePurged(p.id, messages, transcripts, record);
      else await deps.db.transaction().execute(record);
    } catch (e) {
      failures.push(e);
    }
  }
  if (failures.length > 0) throw failures.length === 1 ? failures[0] : new AggregateError(failures, 'the retention purge failed for some practices');
  return out;
}

const KEPT: ReadonlySet<string> = new Set([VaultErrorCode.NotFound, VaultErrorCode.LegalHold, VaultErrorCode.InvalidState]);

/** Step 3: a message's transcript follows its recording, whatever the transcript's own deadline; a held one stays. */
async function destroyTranscriptsOf(vault: Vault, messages: readonly VoicemailMessage[]): Promise<DeletionReceipt[]> {
  const receipts: DeletionReceipt[] = [];
  for (const m of messages) {
    if (!m.transcriptObjectId) continue;
    try {
      receipts.push(await vault.destroy({ practiceId: m.practiceId, objectId: m.transcriptObjectId }, 'retention_expired'));
    } catch (e) {
      // Already gone (its own deadline came first), or held: kept, and purged once released and due.
      if (!isVaultError(e) || !KEPT.has(e.code)) throw e;
    }
  }
  return receipts;
}

/**
 * The run's audit event for one practice: counts, the destroyed objects as
 * `kind:id` and the messages removed. A run that destroyed more than one
 * event can name is recorded as consecutive parts (`part`, `parts`) in the
 * same transaction.
 */
async function recordPurge(trx: Transaction<Database>, run: PracticePurge, actor: Actor): Promise<void> {
  const objects = run.receipts.map((r) => `${r.kind}:${r.objectId}`);
  const byKind: Record<string, number> = {};
  for (const r of run.receipts) byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
  const parts = Math.max(1, Math.ceil(objects.length / IDS_PER_EVENT), Math.ceil(run.messageIds.length / IDS_PER_EVENT));
  for (let i = 0; i < parts; i++) {
    const slice = (ids: string[]) => ids.slice(i * IDS_PER_EVENT, (i + 1) * IDS_PER_EVENT);
    await recordAudit(trx, run.practiceId, actor, {
      action: AUDIT_ACTIONS.retentionPurge,
      object: null,
      details: {
        destroyed: run.receipts.length,
        byKind,
        messagesRemoved: run.messageIds.length,
        keptUnderHold: run.keptUnderHold,
        objects: slice(objects),
        messageIds: slice(run.messageIds),
        receiptIds: slice(run.receipts.map((r) => r.id)),
        ...(parts > 1 ? { part: i + 1, parts } : {}),
      },
    });
  }
}
