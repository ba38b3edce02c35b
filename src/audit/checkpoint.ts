/**
 * Moving chains on to the current audit key. Two moments need it:
 *
 *  - Upgrading. Chains written before keyed chains end in unkeyed events.
 *    The first start of a keyed Sotto verifies each (SHA-256 only: there is
 *    no tag yet) and appends an `audit.key_checkpoint` event under the
 *    current key, so from then on a live chain always ends tagged, and the
 *    append guard (append-guard.ts) refuses to link onto anything else.
 *    Only an install none of whose chains is keyed, and without the marker
 *    that says its log is keyed (keyed-marker.ts), is upgraded: chains are
 *    all upgraded at the same start, in one transaction, so an unkeyed chain
 *    beside keyed ones (or on a marked install: every chain stripped) was
 *    rewritten without tags, and is left alone and reported rather than
 *    vouched for (`unkeyed_tail`). A chain that fails its check (an edited
 *    event, a malformed row) is left alone too, with its own break: nothing
 *    is ever appended onto it (append-guard.ts), and it stays so at every
 *    later start, while the chains that held are upgraded.
 *  - Rotation. `sotto keys rotate` replaces the master key, so the audit key
 *    changes; events tagged under the old key stay verifiable only while the
 *    retired key file is kept. For each chain whose last event is under an
 *    older key, the whole chain is verified with the keys at hand (the
 *    retired one included) and, if it holds, a checkpoint is appended under
 *    the current key. Its tag covers every event before it through the hash
 *    chain, so the old segment stays verified after the retired key is
 *    destroyed (verify.ts insists on this event wherever a chain leaves a key
 *    it cannot check).
 *
 * Run it with both keys at hand: right after a rotation, or at start-up
 * (the runtime does, reading retired key files beside the master key). A
 * chain that does not verify is left as it is and reported: a checkpoint
 * must never launder a forged segment.
 */
import type { AuditKeyring } from './audit-key.ts';
import { AUDIT_ACTIONS } from './actions.ts';
import { linkEvent, type ChainHead } from './chain.ts';
import type { AuditDetails } from './phi-guard.ts';
import { validateEventInput, type AuditEvent } from './event.ts';
import type { AuditStore } from './store.ts';
import type { AuditClock } from './audit-log.ts';
import type { ChainBreak } from './verify.ts';
import { practiceOfChain, verifyStoredChain } from './verify-store.ts';
import { randomUUID } from 'node:crypto';

export type CheckpointOutcome =
  /** A checkpoint event now moves the chain on to the current key. */
  | { chain: string; outcome: 'checkpointed'; seq: number; fromKeyId: string }
  /** An upgraded install's unkeyed chain: a checkpoint under the current key now ends it. */
  | { chain: string; outcome: 'upgraded'; seq: number }
  /** Nothing to do: the tail is under the current key. */
  | { chain: string; outcome: 'current' }
  /**
   * The chain did not verify with the keys at hand (or another writer moved
   * it meanwhile), or it is unkeyed beside keyed chains: left alone.
   * fromKeyId is null for an unkeyed tail.
   */
  | { chain: string; outcome: 'unverified'; fromKeyId: string | null; break: ChainBreak | null };

export interface CheckpointOptions<Tx> {
  store: AuditStore<Tx>;
  keys: AuditKeyring;
  /** Runs `fn` in a write transaction of the store. */
  transaction: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;
  clock: AuditClock;
  newId?: () => string;
  /**
   * The install's audit log is known to be keyed (its marker, keyed-marker.ts):
   * an unkeyed chain is then a downgrade, never an upgrade, and is left alone
   * and reported like an unkeyed chain beside keyed ones.
   */
  keyedInstall?: boolean;
}

interface Pending {
  chain: string;
  head: ChainHead;
  practiceId: string | null;
  details: AuditDetails;
}

const moved = Symbol('the chain moved after it was verified');

export async function checkpointChains<Tx>(options: CheckpointOptions<Tx>): Promise<CheckpointOutcome[]> {
  const chains = await options.store.chainKeys();
  const tails = new Map<string, AuditEvent | undefined>();
  for (const chain of chains) tails.set(chain, await tailOf(options.store, chain));
  const anyKeyed = [...tails.values()].some((t) => t !== undefined && (t.keyId ?? null) !== null);
  const out: CheckpointOutcome[] = [];
  const upgrades: Pending[] = [];
  for (const chain of chains) {
    const last = tails.get(chain);
    if (last === undefined) continue;
    if ((last.keyId ?? null) !== null) {
      out.push(await checkpointChain(options, chain));
      continue;
    }
    const result = await verifyStoredChain(options.store, chain, options.keys, { requireAuthenticatedTail: false });
    if (anyKeyed || options.keyedInstall === true) {
      // Sound but for its missing tags (or untagged after tagged events): a chain stripped or extended without the key, the
      // downgrade keyed-install.ts refuses. Broken otherwise: its own break, reported like any chain that does not verify.
      const stripped = result.ok || result.break.reason === 'unkeyed_after_keyed';
      out.push({ chain, outcome: 'unverified', fromKeyId: null, break: stripped ? { seq: last.seq, reason: 'unkeyed_tail', id: last.id } : result.break });
      continue;
    }
    if (!result.ok) out.push({ chain, outcome: 'unverified', fromKeyId: null, break: result.break });
    else upgrades.push({ chain, head: result.head, practiceId: practiceOfChain(chain), details: { upgrade: true, toKeyId: options.keys.current.id, verifiedThroughSeq: result.head.seq } });
  }
  if (upgrades.length > 0) out.push(...(await upgradeAll(options, upgrades)));
  return out;
}

/** One transaction for every chain: an interrupted upgrade leaves none keyed, so the next start upgrades them all. */
async function upgradeAll<Tx>(o: CheckpointOptions<Tx>, pending: Pending[]): Promise<CheckpointOutcome[]> {
  try {
    return await o.transaction(async (tx) => {
      const done: CheckpointOutcome[] = [];
      for (const p of pending) {
        const event = await appendCheckpoint(o, tx, p);
        done.push({ chain: p.chain, outcome: 'upgraded', seq: event.seq });
      }
      return done;
    });
  } catch (e) {
    if (e === moved) return pending.map((p) => ({ chain: p.chain, outcome: 'unverified', fromKeyId: null, break: null }));
    throw e;
  }
}

async function tailOf<Tx>(store: AuditStore<Tx>, chain: string): Promise<AuditEvent | undefined> {
  const head = await store.head(chain);
  if (head.seq === 0) return undefined;
  const [last] = await store.readRange(chain, { fromSeq: head.seq, toSeq: head.seq });
  return last;
}

export async function checkpointChain<Tx>(o: CheckpointOptions<Tx>, chain: string): Promise<CheckpointOutcome> {
  const last = await tailOf(o.store, chain);
  const fromKeyId = last?.keyId ?? null;
  if (!last || fromKeyId === null) {
    const result = await verifyStoredChain(o.store, chain, o.keys);
    return { chain, outcome: 'unverified', fromKeyId: null, break: result.ok ? null : result.break };
  }
  if (fromKeyId === o.keys.current.id) return { chain, outcome: 'current' };
  const result = await verifyStoredChain(o.store, chain, o.keys);
  if (!result.ok) return { chain, outcome: 'unverified', fromKeyId, break: result.break };
  const p: Pending = { chain, head: result.head, practiceId: last.practiceId, details: { fromKeyId, toKeyId: o.keys.current.id, verifiedThroughSeq: result.head.seq } };
  try {
    const event = await o.transaction((tx) => appendCheckpoint(o, tx, p));
    return { chain, outcome: 'checkpointed', seq: event.seq, fromKeyId };
  } catch (e) {
    if (e === moved) return { chain, outcome: 'unverified', fromKeyId, break: null };
    throw e;
  }
}

/** Without the append guard: the whole chain up to `p.head` was just verified, which is more than the guard checks. */
function appendCheckpoint<Tx>(o: CheckpointOptions<Tx>, tx: Tx, p: Pending): Promise<AuditEvent> {
  const input = validateEventInput({
    practiceId: p.practiceId,
    actor: { type: 'system', id: 'audit' },
    action: AUDIT_ACTIONS.auditKeyCheckpoint,
    object: { type: 'audit_log', id: p.chain },
    sourceIp: null,
    outcome: 'success',
    details: p.details,
  });
  const id = (o.newId ?? randomUUID)();
  const at = new Date(o.clock.now()).toISOString();
  return o.store.append(tx, p.chain, (h) => {
    // Only onto the head that was verified: anything appended since is unchecked.
    if (h.seq !== p.head.seq || h.hash !== p.head.hash) throw moved;
    return linkEvent(h, { id, seq: h.seq + 1, at, ...input }, o.keys.current);
  });
}
