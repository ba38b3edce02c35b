// Wrapping of per-object content keys under a practice data key, format v2.
//
//   wrapped (33 bytes) = 0x02 | AES-256(KWK, content key[0..16]) | AES-256(KWK, content key[16..32])
//   KWK = HKDF-SHA-256(data key, info "sotto/vault/content-key-wrap/v2")
//
// Each half of the content key is one AES block, encrypted on its own (ECB)
// by a cipher object made once per data key and kept, so wrapping or
// unwrapping costs one block-cipher call and no cipher set-up. v1 sealed the
// content key with AES-256-GCM under the data key: a second GCM set-up per
// object, which made a 1 KiB object cost two to four times what sealing the
// same bytes with plain AES-GCM costs. v1 keys are still read (0x01, see
// practice-keyring.ts).
//
// Why this is as safe as v1 for what the wrap has to do:
// - Confidentiality. The content key is 32 fresh random bytes, used for one
//   object only; both blocks are uniformly random and (but with probability
//   2^-128) distinct from every other block ever wrapped, which is exactly
//   the case where ECB leaks nothing: AES is a pseudo-random permutation.
// - Integrity comes from the object itself. v2 has no tag of its own: a
//   wrapped key that was altered, swapped with another record's or made up
//   unwraps to a key the attacker does not know, and the first chunk's GCM
//   tag then fails (VAULT_TAMPERED, reason chunk_auth) with probability
//   1 - 2^-128. Unlike a CTR-style wrap, a flipped bit in the wrapped key
//   does not flip a chosen bit of the content key (no related-key control):
//   each half decrypts to an unrelated random block.
// - Binding to the record. v1 put practice, object and data key id in the
//   wrap's AAD. In v2 the same binding is made by the blob: every chunk's
//   AAD holds the header, which names the record id and the data key id,
//   and the reader refuses a header naming another record or key; the data
//   key belongs to one practice (checked by the keyring). So a wrapped key
//   moved to another record opens nothing, and a blob moved with its key
//   is refused as record_mismatch.
// - Crypto-shredding is unchanged: erasing the 33 bytes destroys the only
//   copy of the content key; the data key alone opens nothing.
// - Domain separation: the data key feeds GCM (v1 unwraps) and HKDF, and
//   each HKDF use has its own salt and info (this KWK; Vault.deriveSecret),
//   so no two constructions ever share a key.
//
// The cipher objects hold the KWK's key schedule in OpenSSL memory, which
// JavaScript cannot wipe; they live as long as the keyring caches the data
// key (cleared with it) and hold no more than the cached data key does.

import { createCipheriv, createDecipheriv, hkdfSync, type Cipher, type Decipher } from 'node:crypto';
import { KEY_BYTES } from './aead.ts';

export const CONTENT_KEY_WRAP_V2 = 2;
export const WRAPPED_CONTENT_KEY_V2_BYTES = 1 + KEY_BYTES;
const KWK_INFO = 'sotto/vault/content-key-wrap/v2';

export class ContentKeyWrapper {
  readonly #encrypt: Cipher;
  readonly #decrypt: Decipher;

  constructor(dataKey: Uint8Array) {
    const kwk = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), KWK_INFO, KEY_BYTES));
    try {
      this.#encrypt = createCipheriv('aes-256-ecb', kwk, null).setAutoPadding(false);
      this.#decrypt = createDecipheriv('aes-256-ecb', kwk, null).setAutoPadding(false);
    } finally {
      kwk.fill(0);
    }
  }

  /** The v2 wrapping of a 32-byte content key. */
  wrap(contentKey: Uint8Array): Buffer {
    if (contentKey.length !== KEY_BYTES) throw new Error('content key must be 32 bytes');
    const out = Buffer.allocUnsafe(WRAPPED_CONTENT_KEY_V2_BYTES);
    out[0] = CONTENT_KEY_WRAP_V2;
    const blocks = this.#encrypt.update(contentKey);
    blocks.copy(out, 1);
    blocks.fill(0);
    return out;
  }

  /** The content key inside a v2 wrapping; undefined when `wrapped` is not one. Correctness is proven by the blob's tags. */
  unwrap(wrapped: Uint8Array): Buffer | undefined {
    if (wrapped.length !== WRAPPED_CONTENT_KEY_V2_BYTES || wrapped[0] !== CONTENT_KEY_WRAP_V2) return undefined;
    const key = this.#decrypt.update(wrapped.subarray(1));
    return key.length === KEY_BYTES ? key : undefined;
  }
}
