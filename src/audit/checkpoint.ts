/**
 * Moving chains on to a new audit key. `sotto keys rotate` replaces the
 * master key, so the audit key derived from it changes; events tagged under
 * the old key stay verifiable only while the retired key file is kept. A
 * checkpoint carries them over: for each chain whose last event is under an
 * older key, the whole chain is verified with the keys at hand (the retired
 * one included) and, if it holds, an `audit.key_checkpoint` event is
 * appended under the current key. Its tag covers every event before it
 * through the hash chain, so the old segment stays verified after the
 * retired key is destroyed (verify.ts insists on this event wherever a
 * chain leaves a key it cannot check).
 *
 * Run it with both keys at hand: right after a rotation, or at start-up
 * (the runtime does, reading retired key files beside the master key). A
 * chain that does not verify is left as it is and reported: a checkpoint
 * must never launder a forged segment.
 */
import type { AuditKeyring } from './audit-key.ts';
import { AUDIT_ACTIONS } from './actions.ts';
import { linkEvent } from './chain.ts';
import { validateEventInput } from './event.ts';
import type { AuditStore } from './store.ts';
import type { AuditClock } from './audit-log.ts';
import type { ChainBreak } from './verify.ts';
import { verifyStoredChain } from './verify-store.ts';
import { randomUUID } from 'node:crypto';

export type CheckpointOutcome =
  /** A checkpoint event now moves the chain on to the current key. */
  | { chain: string; outcome: 'checkpointed'; seq: number; fromKeyId: string }
  /** Nothing to do: the tail is under the current key, or unkeyed (the next event keys it). */
  | { chain: string; outcome: 'current' | 'unkeyed' }
  /** The chain did not verify with the keys at hand (or another writer moved it meanwhile): left alone. */
  | { chain: string; outcome: 'unverified'; fromKeyId: string; break: ChainBreak | null };

export interface CheckpointOptions<Tx> {
  store: AuditStore<Tx>;
  keys: AuditKeyring;
  /** Runs `fn` in a write transaction of the store. */
  transaction: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;
  clock: AuditClock;
  newId?: () => string;
}

export async function checkpointChains<Tx>(options: CheckpointOptions<Tx>): Promise<CheckpointOutcome[]> {
  const out: CheckpointOutcome[] = [];
  for (const chain of await options.store.chainKeys()) out.push(await checkpointChain(options, chain));
  return out;
}

export async function checkpointChain<Tx>(o: CheckpointOptions<Tx>, chain: string): Promise<CheckpointOutcome> {
  const head = await o.store.head(chain);
  const [last] = await o.store.readRange(chain, { fromSeq: head.seq, toSeq: head.seq });
  const fromKeyId = last?.keyId ?? null;
  if (!last || fromKeyId === null) return { chain, outcome: 'unkeyed' };
  if (fromKeyId === o.keys.current.id) return { chain, outcome: 'current' };
  const result = await verifyStoredChain(o.store, chain, o.keys);
  if (!result.ok) return { chain, outcome: 'unverified', fromKeyId, break: result.break };
  const input = validateEventInput({
    practiceId: last.practiceId,
    actor: { type: 'system', id: 'audit' },
    action: AUDIT_ACTIONS.auditKeyCheckpoint,
    object: { type: 'audit_log', id: chain },
    sourceIp: null,
    outcome: 'success',
    details: { fromKeyId, toKeyId: o.keys.current.id, verifiedThroughSeq: result.head.seq },
  });
  const id = (o.newId ?? randomUUID)();
  const at = new Date(o.clock.now()).toISOString();
  const moved = new Error('the chain moved after it was verified');
  try {
    const event = await o.transaction((tx) =>
      o.store.append(tx, chain, (h) => {
        // Only onto the head that was verified: anything appended since is unchecked.
        if (h.seq !== result.head.seq || h.hash !== result.head.hash) throw moved;
        return linkEvent(h, { id, seq: h.seq + 1, at, ...input }, o.keys.current);
      }),
    );
    return { chain, outcome: 'checkpointed', seq: event.seq, fromKeyId };
  } catch (e) {
    if (e === moved) return { chain, outcome: 'unverified', fromKeyId, break: null };
    throw e;
  }
}
