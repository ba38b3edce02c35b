/**
 * HMAC-SHA-256 (RFC 2104) over two one-shot hashes, for the nonce MAC that
 * every challenge and every authenticated request computes:
 *
 *   HMAC(K, m) = H((K0 ^ opad) | H((K0 ^ ipad) | m))
 *   K0 = K padded with zeros to the 64-octet block (H(K) first when longer)
 *
 * Why not createHmac(): each call builds a native Hmac object and a Buffer
 * for its digest, about 10 µs on this class of machine, twice per
 * registration (issue, then check). crypto.hash() with a string output
 * makes neither; the padded key blocks are computed once, and the message
 * and inner digest are written into scratch buffers behind them. The
 * result is the same HMAC, octet for octet (hmac-sha256.test.ts checks
 * against createHmac), so nonces issued before this change still verify.
 */

import * as nodeCrypto from 'node:crypto';

const BLOCK = 64;
const DIGEST = 32;

/** crypto.hash(), the one-shot digest of Node 20.12+ (package.json's engines). */
const oneShotHash = nodeCrypto.hash;

export class HmacSha256 {
  /** K0 ^ ipad, then room for the message. */
  private inner: Buffer;
  /** K0 ^ opad, then the inner digest. */
  private readonly outer = Buffer.alloc(BLOCK + DIGEST);

  constructor(key: Buffer) {
    const k0 = Buffer.alloc(BLOCK);
    (key.length > BLOCK ? nodeCrypto.createHash('sha256').update(key).digest() : key).copy(k0);
    this.inner = Buffer.alloc(BLOCK + 256);
    for (let i = 0; i < BLOCK; i++) {
      this.inner[i] = (k0[i] as number) ^ 0x36;
      this.outer[i] = (k0[i] as number) ^ 0x5c;
    }
  }

  /**
   * The MAC of `data[from, to)` followed by `text` as UTF-8, written into
   * `out` at `at` (its first `length` octets, at most 32). Runs to its end
   * synchronously: callers may share scratch buffers with it.
   */
  macInto(data: Buffer, from: number, to: number, text: string, out: Buffer, at: number, length: number): void {
    const need = BLOCK + (to - from) + Buffer.byteLength(text, 'utf8');
    if (need > this.inner.length) {
      const grown = Buffer.alloc(need);
      this.inner.copy(grown, 0, 0, BLOCK);
      this.inner = grown;
    }
    data.copy(this.inner, BLOCK, from, to);
    const end = BLOCK + (to - from) + this.inner.write(text, BLOCK + (to - from), 'utf8');
    // 'binary' (latin1) output: a string of the digest's octets, where a Buffer output costs an allocation.
    this.outer.write(oneShotHash('sha256', this.inner.subarray(0, end), 'binary'), BLOCK, 'latin1');
    out.write(oneShotHash('sha256', this.outer, 'binary'), at, length, 'latin1');
  }
}
