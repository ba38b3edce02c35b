// Crypto-shredding and retention purge. Order matters for crash safety:
//   1. destroy the wrapped content key and mark the record 'shredded'
//      (from here on the blob is unreadable, even from a backup of the file);
//   2. remove the blob;
//   3. delete the record and write the receipt in one transaction.
// A crash after 1 or 2 leaves a 'shredded' record that recover() finishes.

import { randomBytes } from 'node:crypto';
import { Transitions, type Transition } from './object-state.ts';
import type { DeletionReason, DeletionReceipt, ObjectRecord } from './repositories.ts';
import type { VaultContext } from './vault-context.ts';

export function newReceiptId(): string {
  return 'rcpt_' + randomBytes(12).toString('hex');
}

/** Shreds one object if `move` applies to its state and it is not under an object hold. */
export async function shredObject(
  ctx: VaultContext,
  objectId: string,
  reason: DeletionReason,
  move: Transition,
): Promise<DeletionReceipt | undefined> {
  const before = await ctx.repos.objects.shred(objectId, move.from, reason);
  if (!before) return undefined;
  before.wrappedContentKey?.fill(0);
  return finishShred(ctx, { ...before, wrappedContentKey: null, state: 'shredded', shredReason: reason });
}

/** Steps 2 and 3 for a record already in state 'shredded'. */
export async function finishShred(ctx: VaultContext, record: ObjectRecord): Promise<DeletionReceipt> {
  await ctx.store.delete(record.blobRef);
  const receipt: DeletionReceipt = {
    id: newReceiptId(),
    objectId: record.id,
    practiceId: record.practiceId,
    kind: record.kind,
    deletedAt: ctx.clock.now(),
    reason: record.shredReason ?? 'requested',
    method: 'crypto_shred',
  };
  await ctx.repos.objects.finishShred(record.id, receipt);
  ctx.keysDestroyed();
  ctx.logger.info({ objectId: record.id, practiceId: record.practiceId, kind: record.kind, reason: receipt.reason }, 'vault object shredded');
  return receipt;
}

export interface PurgeReport {
  receipts: DeletionReceipt[];
  /** Expired objects kept because their owner is under a legal hold. */
  heldByUser: number;
  /** Those objects, by practice (ids only): each practice's purge event counts its own. */
  held: Array<{ practiceId: string; objectId: string }>;
}

/**
 * Destroys every object whose retention deadline has passed, except those
 * under an object or user legal hold. Safe to run concurrently with reads:
 * a reader that already unwrapped the content key finishes; later reads get
 * VAULT_SHREDDED or VAULT_NOT_FOUND.
 */
export async function purgeExpired(ctx: VaultContext, now: Date, batchSize = 100): Promise<PurgeReport> {
  const report: PurgeReport = { receipts: [], heldByUser: 0, held: [] };
  const skipped = new Set<string>();
  const userHeld = new Map<string, boolean>();
  for (;;) {
    const page = await ctx.repos.objects.listExpired(now, batchSize + skipped.size);
    const candidates = page.filter((r) => !skipped.has(r.id));
    if (candidates.length === 0) break;
    for (const record of candidates) {
      if (record.ownerUserId !== null) {
        const key = `${record.practiceId}\u0000${record.ownerUserId}`;
        let held = userHeld.get(key);
        if (held === undefined) {
          held = await ctx.repos.userHolds.isHeld(record.practiceId, record.ownerUserId);
          userHeld.set(key, held);
        }
        if (held) {
          skipped.add(record.id);
          report.heldByUser += 1;
          report.held.push({ practiceId: record.practiceId, objectId: record.id });
          continue;
        }
      }
      const receipt = await shredObject(ctx, record.id, 'retention_expired', Transitions.shredStored);
      // undefined: a hold was placed or the object went away since listing.
      if (receipt) report.receipts.push(receipt);
      else skipped.add(record.id);
    }
  }
  return report;
}
