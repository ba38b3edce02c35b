/**
 * Random octets for tags, branches and nonces, drawn from one pooled buffer.
 *
 * Every response needs a To tag and every challenge a nonce; asking the
 * kernel's CSPRNG for 8 octets each time (a fresh Buffer and a
 * randomFillSync call) was a visible share of a REGISTER's CPU. The pool is
 * filled from the same CSPRNG (crypto.randomFillSync) a few KiB at a time and
 * every octet is handed out once, so callers get exactly the same quality of
 * randomness; only the number of calls changes.
 */

import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
/** Next unused octet; POOL_SIZE means "empty, refill first". */
let offset = POOL_SIZE;

/** Reserves `n` fresh octets (n <= POOL_SIZE) and returns their start in `pool`. */
function take(n: number): number {
  if (n > POOL_SIZE) throw new RangeError('random-pool: request larger than the pool');
  if (offset + n > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const start = offset;
  offset += n;
  return start;
}

/** `n` random octets as lower-case hex (2n characters). */
export function randomHex(n: number): string {
  const start = take(n);
  return pool.toString('hex', start, start + n);
}

/** `n` random octets in a new Buffer of their own. */
export function randomOctets(n: number): Buffer {
  const start = take(n);
  return Buffer.from(pool.subarray(start, start + n));
}

/** Writes `n` random octets into `target` at `offset` (no Buffer of their own). */
export function randomInto(target: Buffer, offset: number, n: number): void {
  const start = take(n);
  pool.copy(target, offset, start, start + n);
}
