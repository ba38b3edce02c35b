// AES in counter mode as SRTP uses it (RFC 3711 §4.1.1): keystream block i
// is AES_k(IV + i), XORed over the payload.
//
// Node's 'aes-128-ctr' cipher takes its IV at creation, so a per-packet IV
// means a new cipher object per packet, which costs more than the AES work
// itself. Instead one ECB cipher per session key encrypts the packet's
// counter blocks: ECB keeps no state between blocks, so the same object
// serves every packet. The IV's low 16 bits are always zero in SRTP (salt,
// SSRC and index are all shifted left by 16), and no packet reaches 2^16
// blocks, so the counter never carries out of those 16 bits.

import { createCipheriv, type Cipher } from 'node:crypto';

export class AesCounterMode {
  private readonly ecb: Cipher;
  private counters = Buffer.alloc(16 * 96);

  constructor(key: Buffer) {
    if (key.length !== 16) throw new RangeError('AES-128 key must be 16 octets');
    this.ecb = createCipheriv('aes-128-ecb', key, null);
    this.ecb.setAutoPadding(false);
  }

  /** Writes data XOR keystream(iv) to out at outOffset; data and out may be the same memory. */
  transform(iv: Buffer, data: Uint8Array, out: Buffer, outOffset: number): void {
    const blocks = (data.length + 15) >>> 4;
    if (blocks > 0xffff) throw new RangeError('SRTP payload too large for one counter run');
    if (this.counters.length < blocks * 16) this.counters = Buffer.alloc(blocks * 16);
    const counters = this.counters;
    for (let b = 0; b < blocks; b++) {
      const o = b * 16;
      iv.copy(counters, o, 0, 14);
      counters[o + 14] = b >>> 8;
      counters[o + 15] = b & 0xff;
    }
    const keystream = this.ecb.update(counters.subarray(0, blocks * 16));
    for (let i = 0; i < data.length; i++) out[outOffset + i] = data[i]! ^ keystream[i]!;
  }
}
