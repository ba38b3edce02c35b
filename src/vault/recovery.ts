// Startup recovery after a crash (kill -9, power loss). Run once before any
// writer opens. For every object left 'writing':
//   - its pending blob is scanned chunk by chunk; everything that
//     authenticates is kept, the torn tail (a chunk cut mid-write) dropped;
//   - with a final chunk it was complete: committed;
//   - otherwise: partial, with the recovered plaintext size in the record
//     (so a later truncation of the partial blob is still detected);
//   - no blob, or not even a whole header: nothing durable was ever
//     written, so the record is shredded with reason 'aborted'.
// Shreds interrupted by the crash are finished too.

import type { ObjectRecord } from './repositories.ts';
import { contentKeyFor } from './object-reader.ts';
import { Transitions } from './object-state.ts';
import { SealedBlobReader } from './sealed-reader.ts';
import { finishShred, shredObject } from './shred.ts';
import type { VaultContext } from './vault-context.ts';

export interface RecoveryReport {
  /** Recovered without a final chunk; readable up to the last durable chunk. */
  partial: string[];
  /** Found complete (crash hit between final sync and the record update). */
  committed: string[];
  /** Nothing durable: record destroyed with an 'aborted' receipt. */
  aborted: string[];
  /** Could not be recovered (key or header does not authenticate); left 'writing'. */
  failed: string[];
  shredsFinished: number;
  orphanBlobsRemoved: number;
  /** Sealed bytes of torn chunks cut off pending blobs (a chunk the crash interrupted). */
  tornBytesDropped: number;
}

export interface RecoverOptions {
  /** Objects being written by this process right now; never touched. */
  activeObjectIds?: ReadonlySet<string>;
  /** Also remove blobs that no record points to (walks the whole store). */
  sweepOrphans?: boolean;
}

export async function recover(ctx: VaultContext, options: RecoverOptions = {}): Promise<RecoveryReport> {
  const report: RecoveryReport = { partial: [], committed: [], aborted: [], failed: [], shredsFinished: 0, orphanBlobsRemoved: 0, tornBytesDropped: 0 };
  const active = options.activeObjectIds ?? new Set<string>();

  for (const record of await ctx.repos.objects.listByState('shredded', Number.MAX_SAFE_INTEGER)) {
    await finishShred(ctx, record);
    report.shredsFinished += 1;
  }

  const seen = new Set<string>();
  for (;;) {
    const page = (await ctx.repos.objects.listByState('writing', 100 + seen.size)).filter((r) => !seen.has(r.id));
    if (page.length === 0) break;
    for (const record of page) {
      seen.add(record.id);
      if (active.has(record.id)) continue;
      const outcome = await recoverOne(ctx, record, report);
      report[outcome].push(record.id);
      ctx.logger.info({ objectId: record.id, practiceId: record.practiceId, outcome }, 'vault recovery');
    }
  }

  if (options.sweepOrphans) {
    for await (const entry of ctx.store.list()) {
      if (!(await ctx.repos.objects.findByBlobRef(entry.ref))) {
        await ctx.store.delete(entry.ref);
        report.orphanBlobsRemoved += 1;
      }
    }
  }
  return report;
}

type Outcome = 'partial' | 'committed' | 'aborted' | 'failed';

async function recoverOne(ctx: VaultContext, record: ObjectRecord, report: RecoveryReport): Promise<Outcome> {
  const pending = await ctx.store.readPending(record.blobRef);
  const committed = pending ? undefined : await ctx.store.read(record.blobRef);
  const blob = pending ?? committed;
  if (!blob) return (await abort(ctx, record)) ? 'aborted' : 'failed';

  let key: Buffer;
  try {
    key = await contentKeyFor(ctx, record);
  } catch (err) {
    ctx.logger.error({ objectId: record.id, code: (err as { code?: unknown }).code }, 'vault recovery cannot unwrap content key');
    return 'failed';
  }
  try {
    const reader = new SealedBlobReader(key, { recordId: record.id, keyId: record.dataKeyId });
    const pushed = reader.push(blob);
    const end = reader.end().value;
    if (end.validLength === 0) {
      // A torn header (incomplete, not wrong): the writer syncs the header
      // before any chunk, so no chunk was durable either. A wrong header is
      // damage, left for an operator.
      if (pushed.ok) return (await abort(ctx, record)) ? 'aborted' : 'failed';
      return 'failed';
    }
    const complete = pushed.ok && end.final;
    if (pending) {
      report.tornBytesDropped += pending.length - end.validLength;
      await ctx.store.commitPending(record.blobRef, end.validLength);
    } else if (!complete) {
      // A committed blob is only ever whole; anything else is damage, not a crash.
      return 'failed';
    }
    const move = complete ? Transitions.recoverComplete : Transitions.recoverPartial;
    const next = await ctx.repos.objects.transition(record.id, move.from, {
      state: move.to,
      size: end.plaintextBytes,
      sealedAt: ctx.clock.now(),
    });
    if (!next) return 'failed';
    return complete ? 'committed' : 'partial';
  } finally {
    key.fill(0);
  }
}

async function abort(ctx: VaultContext, record: ObjectRecord): Promise<boolean> {
  return (await shredObject(ctx, record.id, 'aborted', Transitions.abort)) !== undefined;
}
