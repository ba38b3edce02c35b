// `sotto retention …`: what is kept how long, what was destroyed, and legal holds.
//
//   status                                   retention per kind (the practice policy), stored and held counts, last purge
//   receipts [--from T]                      deletion receipts, newest first
//   holds                                    users and voicemails under a legal hold
//   hold --user U | --voicemail ID --reference R    place a hold (audited as legal_hold.place)
//   release --user U | --voicemail ID        release it (legal_hold.release)
//   purge-now                                the hourly purge, at once (audited as retention.purge)
//
// A hold or release already in place changes nothing and records nothing.
import { CLI_ACTOR } from '../../directory/index.ts';
import { VoicemailError, VoicemailStore } from '../../voicemail/index.ts';
import { HOLD_REFERENCE_PATTERN } from '../../vault/index.ts';
import type { Runtime } from '../../app/runtime.ts';
import { RetentionCommands } from '../../app/retention-commands.ts';
import { selectPractice, withRuntime } from '../context.ts';
import { CliError, printJson, printLines, table, usageError } from '../output.ts';
import { resolveUser } from './user.ts';

interface Common {
  practice?: string;
  json?: boolean;
}

async function withRetention<T>(o: Common, fn: (ctx: { rt: Runtime; practiceId: string; retention: RetentionCommands }) => Promise<T>): Promise<T> {
  return withRuntime(async (rt) => {
    const practice = await selectPractice(rt, o.practice);
    try {
      return await fn({ rt, practiceId: practice.id, retention: new RetentionCommands(rt.database.db, rt.vault, new VoicemailStore(rt.database.db, rt.vault)) });
    } catch (e) {
      if (e instanceof VoicemailError) throw new CliError(e.code, e.message);
      throw e;
    }
  });
}

export async function retentionStatusCommand(o: Common): Promise<number> {
  const status = await withRetention(o, ({ practiceId, retention }) => retention.status(practiceId));
  if (o.json) printJson(status);
  else {
    const days = Object.entries(status.days).map(([kind, d]) => `${kind} ${d === null ? 'kept' : `${d} days`}`);
    const rows = [['kind', 'stored', 'held', 'next deadline'], ...status.stored.map((s) => [s.kind, String(s.count), String(s.held), s.nextDeadline ?? 'none'])];
    printLines([`Retention: ${days.join(', ')}.`, ...table(rows), `Users under a legal hold: ${status.userHolds}.`, `Last purge that destroyed something: ${status.lastPurgeAt ?? 'none yet'}.`]);
  }
  return 0;
}

export async function retentionReceiptsCommand(o: Common & { from?: string }): Promise<number> {
  const since = o.from === undefined ? undefined : new Date(o.from);
  if (since && Number.isNaN(since.getTime())) throw usageError('INVALID_ARGUMENT', '--from takes a time such as 2026-01-31T00:00:00Z');
  const receipts = await withRetention(o, ({ practiceId, retention }) => retention.receipts(practiceId, { limit: 500, ...(since ? { since } : {}) }));
  const items = receipts.map((r) => ({ id: r.id, objectId: r.objectId, kind: r.kind, deletedAt: r.deletedAt.toISOString(), reason: r.reason, method: r.method }));
  if (o.json) printJson({ items });
  else printLines(items.length === 0 ? ['No deletion receipts.'] : table([['deleted at', 'kind', 'object', 'reason', 'receipt'], ...items.map((r) => [r.deletedAt, r.kind, r.objectId, r.reason, r.id])]));
  return 0;
}

export async function retentionHoldsCommand(o: Common): Promise<number> {
  const holds = await withRetention(o, ({ practiceId, retention }) => retention.holds(practiceId));
  if (o.json) printJson(holds);
  else {
    const lines = [...holds.users.map((h) => `user ${h.userId}  reference ${h.reference}  since ${h.placedAt}`), ...holds.voicemails.map((v) => `voicemail ${v.id}`), ...holds.objects.map((x) => `${x.kind} object ${x.id}`)];
    printLines(lines.length === 0 ? ['No legal holds.'] : lines);
  }
  return 0;
}

type Target = { user: string } | { voicemail: string };

function targetOf(o: { user?: string; voicemail?: string }, usage: string): Target {
  if ((o.user === undefined) === (o.voicemail === undefined)) throw usageError('MISSING_ARGUMENT', usage);
  return o.user !== undefined ? { user: o.user } : { voicemail: o.voicemail! };
}

const HOLD_USAGE = 'usage: sotto retention hold (--user <user id or email> | --voicemail ID) --reference CASE-ID';
const RELEASE_USAGE = 'usage: sotto retention release (--user <user id or email> | --voicemail ID)';

export async function retentionHoldCommand(o: Common & { user?: string; voicemail?: string; reference?: string }): Promise<number> {
  const target = targetOf(o, HOLD_USAGE);
  if (o.reference === undefined) throw usageError('MISSING_ARGUMENT', HOLD_USAGE);
  if (!new RegExp(HOLD_REFERENCE_PATTERN).test(o.reference)) throw new CliError('INVALID_INPUT', 'a reference is a case or ticket id: letters, digits and . _ # -, at least one letter, no spaces, up to 64 characters', 2);
  return changeHold(o, target, (ctx, id) => ('user' in target ? ctx.retention.holdUser(ctx.practiceId, id, o.reference!, CLI_ACTOR) : ctx.retention.holdVoicemail(ctx.practiceId, id, o.reference!, CLI_ACTOR)), true);
}

export async function retentionReleaseCommand(o: Common & { user?: string; voicemail?: string }): Promise<number> {
  const target = targetOf(o, RELEASE_USAGE);
  return changeHold(o, target, (ctx, id) => ('user' in target ? ctx.retention.releaseUser(ctx.practiceId, id, CLI_ACTOR) : ctx.retention.releaseVoicemail(ctx.practiceId, id, CLI_ACTOR)), false);
}

async function changeHold(
  o: Common,
  target: Target,
  change: (ctx: { practiceId: string; retention: RetentionCommands }, id: string) => Promise<{ changed: boolean }>,
  held: boolean,
): Promise<number> {
  const out = await withRetention(o, async (ctx) => {
    const id = 'user' in target ? (await resolveUser(ctx.rt, ctx.practiceId, target.user)).id : target.voicemail;
    const { changed } = await change(ctx, id);
    return { ...('user' in target ? { userId: id } : { voicemailId: id }), held, changed };
  });
  const what = 'userId' in out ? `User ${out.userId}` : `Voicemail ${out.voicemailId}`;
  if (o.json) printJson(out);
  else printLines([out.changed ? `${what}: legal hold ${held ? 'placed' : 'released'}.` : `${what} was already ${held ? 'held' : 'not held'}; nothing changed.`]);
  return 0;
}

export async function retentionPurgeNowCommand(o: Common): Promise<number> {
  const run = await withRetention(o, async ({ practiceId, retention }) => {
    const all = await retention.purgeNow(CLI_ACTOR);
    return all.practices.find((p) => p.practiceId === practiceId);
  });
  const out = { destroyed: run?.receipts.length ?? 0, messagesRemoved: run?.messageIds.length ?? 0, keptUnderHold: run?.keptUnderHold ?? 0, deadlinesMoved: run?.deadlinesMoved ?? 0, receiptIds: run?.receipts.map((r) => r.id) ?? [] };
  if (o.json) printJson(out);
  else printLines([`Purged ${out.destroyed} object(s); ${out.messagesRemoved} message(s) left the inbox; ${out.keptUnderHold} kept under a legal hold; ${out.deadlinesMoved} deadline(s) moved to follow the policy.`]);
  return 0;
}
