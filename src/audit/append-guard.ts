/**
 * What an append checks before it links onto a chain's head. Verify alone is
 * not enough: someone who can write the database (but not read the master
 * key file) can replace a whole chain with UNKEYED events, rebuild the
 * SHA-256 links and move the head row to the forged tail. If Sotto then
 * appended its next tagged event on top, that tag would vouch for the
 * forgery through the hash chain (audit-key.ts: one tag covers the prefix).
 * So the tail must itself carry a valid tag under a key this process holds,
 * and be the event the head row names, before anything is linked onto it:
 * one indexed read (the store's) and one HMAC per append.
 *
 * A tail under a key id this process does not hold is refused with its own
 * code: that is what a process opened before `sotto keys rotate` meets once
 * the rotation's checkpoint moved the chain on to the new key. Appending
 * under its old key would leave a permanent `stale_key` break, so the
 * action fails and the operator reruns it (the new process holds the new key).
 *
 * The start-up and rotation checkpoints (checkpoint.ts) link without this
 * guard, because they verified the whole chain first.
 */
import { keyById, macMatches, type AuditKeyring } from './audit-key.ts';
import type { ChainHead } from './chain.ts';
import { AuditError } from './errors.ts';
import type { ChainTail } from './store.ts';

/** Throws AuditError unless `tail` is the tagged event the head names; an empty chain passes. */
export function assertTailAuthentic(keys: AuditKeyring, chain: string, head: ChainHead, tail: ChainTail | null): void {
  if (head.seq === 0) return;
  if (tail === null || tail.hash !== head.hash) {
    throw new AuditError('AUDIT_CHAIN_UNAUTHENTICATED', `audit chain ${chain}: the head row names no stored event at seq ${head.seq}; nothing was recorded (run \`sotto audit verify\`)`);
  }
  if (tail.keyId === null || tail.mac === null) {
    throw new AuditError('AUDIT_CHAIN_UNAUTHENTICATED', `audit chain ${chain}: its last event (seq ${head.seq}) carries no tag; nothing was recorded (run \`sotto audit verify\`)`);
  }
  const key = keyById(keys, tail.keyId);
  if (key === null) {
    throw new AuditError(
      'AUDIT_KEY_SUPERSEDED',
      `audit chain ${chain}: its last event is under audit key ${tail.keyId}, which this process does not hold; if \`sotto keys rotate\` ran since this command started, run the command again (otherwise run \`sotto audit verify\`)`,
    );
  }
  if (!/^[0-9a-f]{64}$/.test(tail.mac) || !macMatches(key, head.hash, tail.mac)) {
    throw new AuditError('AUDIT_CHAIN_UNAUTHENTICATED', `audit chain ${chain}: the tag of its last event (seq ${head.seq}) does not check out; nothing was recorded (run \`sotto audit verify\`)`);
  }
}
