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
//
// What a crash can leave, and what it cannot. The writer syncs the header
// before any chunk and appends one sealed frame at a time, waiting for each
// to be durable before sealing the next. So after the last chunk that
// authenticates there is at most the one frame in flight: a prefix of it
// (kill -9, or a power cut mid-write), or zeros where a file system grew
// the file before its data reached the disk. Past chunk 0 the content key
// is proven, so a whole last frame that fails its tag is that in-flight
// frame too (its length durable, not all its bytes).
//
// Anything else is not a crash and is reported as tampering, through the
// same path as a failed read (VAULT_TAMPERED logged, onTampered for the
// audit log): a header that is not this record's, a frame that does not
// authenticate with more bytes after it, a bad frame head, data after the
// final chunk, a committed blob that is not whole, and above all a chunk 0
// that does not authenticate. A v2 wrapped content key carries no tag of its
// own (content-key-wrap.ts): altered, it unwraps to a wrong key and chunk 0
// fails, which must not be mistaken for a torn first chunk and cut to an
// empty partial object; that would destroy the recording to hide the
// tampering. A tampered object keeps its 'writing' record and its pending
// blob untouched, so restoring the key (from a backup) and recovering again
// gets it back. The price: a power cut that leaves a whole first frame of
// garbage (not zeros) is reported as tampering, not recovered as empty.

import { isVaultError, VaultErrorCode } from './errors.ts';
import type { ObjectRecord } from './repositories.ts';
import { contentKeyFor, reportTamper } from './object-reader.ts';
import { Transitions } from './object-state.ts';
import { FRAME_OVERHEAD } from './blob-format.ts';
import { SealedBlobReader, type ReaderEnd, type ReaderFailure } from './sealed-reader.ts';
import { finishShred, shredObject } from './shred.ts';
import type { VaultContext } from './vault-context.ts';

export interface RecoveryReport {
  /** Recovered without a final chunk; readable up to the last durable chunk. */
  partial: string[];
  /** Found complete (crash hit between final sync and the record update). */
  committed: string[];
  /** Nothing durable: record destroyed with an 'aborted' receipt. */
  aborted: string[];
  /** Could not be recovered (data key missing, store or database refused); left 'writing'. */
  failed: string[];
  /**
   * Failed authentication in a way no crash explains (see above); reported
   * as tampering like a failed read, left 'writing' with the blob untouched.
   */
  tampered: string[];
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
  const report: RecoveryReport = {
    partial: [],
    committed: [],
    aborted: [],
    failed: [],
    tampered: [],
    shredsFinished: 0,
    orphanBlobsRemoved: 0,
    tornBytesDropped: 0,
  };
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

type Outcome = 'partial' | 'committed' | 'aborted' | 'failed' | 'tampered';

async function recoverOne(ctx: VaultContext, record: ObjectRecord, report: RecoveryReport): Promise<Outcome> {
  const pending = await ctx.store.readPending(record.blobRef);
  const committed = pending ? undefined : await ctx.store.read(record.blobRef);
  const blob = pending ?? committed;
  if (!blob) return (await abort(ctx, record)) ? 'aborted' : 'failed';

  let key: Buffer;
  try {
    key = await contentKeyFor(ctx, record);
  } catch (err) {
    // contentKeyFor has reported a tampered key (v1 tag, foreign data key).
    if (isVaultError(err, VaultErrorCode.Tampered)) return 'tampered';
    ctx.logger.error({ objectId: record.id, code: (err as { code?: unknown }).code }, 'vault recovery cannot unwrap content key');
    return 'failed';
  }
  try {
    const reader = new SealedBlobReader(key, { recordId: record.id, keyId: record.dataKeyId });
    const pushed = reader.push(blob);
    const end = reader.end().value;
    const complete = pushed.ok && end.final;
    if (!pending) {
      // A committed blob was synced whole before its rename; anything less is not a crash.
      if (!complete) {
        await reportTamper(ctx, record, pushed.ok ? 'truncated' : pushed.reason);
        return 'tampered';
      }
    } else if (!pushed.ok && !isTornTail(blob, end, pushed.reason)) {
      await reportTamper(ctx, record, pushed.reason);
      return 'tampered';
    } else if (end.validLength === 0) {
      // Not even the header was durable (a prefix of it, or zeros), so no chunk was either.
      return (await abort(ctx, record)) ? 'aborted' : 'failed';
    }
    if (pending) {
      report.tornBytesDropped += pending.length - end.validLength;
      await ctx.store.commitPending(record.blobRef, end.validLength);
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

/**
 * Whether the bytes after the last authenticated chunk, which made the
 * reader stop with `reason`, are what a crash leaves of the one frame in
 * flight (see the top of this file). A tail that merely ends early never
 * gets here: the reader keeps it pending and reports no failure.
 */
function isTornTail(blob: Buffer, end: ReaderEnd, reason: ReaderFailure): boolean {
  const tail = blob.subarray(end.validLength);
  if (isAllZero(tail)) return true;
  if (reason !== 'chunk_auth' || end.chunkCount === 0 || tail.length < FRAME_OVERHEAD) return false;
  return FRAME_OVERHEAD + tail.readUInt32BE(1) === tail.length;
}

function isAllZero(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

async function abort(ctx: VaultContext, record: ObjectRecord): Promise<boolean> {
  return (await shredObject(ctx, record.id, 'aborted', Transitions.abort)) !== undefined;
}
