// AES-256-GCM primitives shared by key wrapping and the blob format.
// Wrapped-key layout (v1): version(1) | nonce(12) | ciphertext | tag(16).
// Wrapping uses a fresh random nonce per wrap; a single key wraps far fewer
// than 2^32 messages, so the random-nonce collision bound is irrelevant.

import { createCipheriv, createDecipheriv, randomBytes, randomFillSync } from 'node:crypto';

export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
const WRAP_VERSION = 1;
/** One options object for every cipher, not a fresh one per chunk. */
const GCM_OPTIONS = Object.freeze({ authTagLength: TAG_BYTES });

// CSPRNG output drawn in 4 KiB refills: one getrandom call serves ~60
// objects' keys, nonces and ids instead of five calls per object (node's own
// randomUUID caches the same way). Every byte is handed out once and wiped
// from the pool as it leaves, so no key material lingers here.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

/** Offset of `n` fresh bytes in the pool (refilled when short); the caller takes them and wipes them. */
function take(n: number): number {
  if (poolOffset + n > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += n;
  return at;
}

// Where fresh keys and nonces live: 8 KiB slabs of the vault's own, each
// byte handed out once. Not Buffer.alloc: V8 keeps a typed array of 64
// bytes or less on its own heap and moves it out the first time native code
// reads it (the cipher taking a content key), which cost more than sealing
// 1 KiB. Not Node's shared pool (Buffer.allocUnsafe): any other code's
// slice keeps that slab alive, and posting one to a worker copies all of
// it, so a key wiped here survived in the copy (an SDES key sent to the
// media worker carried a voicemail's content key with it). Nor an
// ArrayBuffer per key: tens of thousands of small external buffers a second
// drove V8 into full collections (1 KiB opens fell to a third). Only the
// vault slices these slabs, callers wipe what they take, and a slab is
// dropped, never reused, once handed out in full.
const SLAB_BYTES = 8192;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabOffset = 0;

function slabSlice(n: number): Buffer {
  if (slabOffset + n > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabOffset = 0;
  }
  const out = Buffer.from(slab, slabOffset, n);
  slabOffset += n;
  return out;
}

/** `n` fresh random bytes from the operating system's CSPRNG. */
export function freshRandom(n: number): Buffer {
  if (n > 256) return randomBytes(n);
  const at = take(n);
  const out = slabSlice(n);
  for (let i = 0; i < n; i++) out[i] = pool[at + i]!;
  pool.fill(0, at, at + n);
  return out;
}

/** `n` fresh random bytes as hex (ids, blob refs), without an intermediate buffer. */
export function freshHex(n: number): string {
  if (n > 256) return randomBytes(n).toString('hex');
  const at = take(n);
  const hex = pool.toString('hex', at, at + n);
  pool.fill(0, at, at + n);
  return hex;
}

/** Seals `plaintext` into a caller-provided nonce; returns ciphertext || tag. */
export function gcmSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Buffer {
  return Buffer.concat(gcmSealParts(key, nonce, aad, plaintext));
}

/**
 * As gcmSeal, for a plaintext given in pieces (one message, not one per
 * piece); returns the ciphertext pieces followed by the tag.
 */
export function gcmSealParts(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array | readonly Uint8Array[],
): Buffer[] {
  const cipher = createCipheriv('aes-256-gcm', key, nonce, GCM_OPTIONS);
  cipher.setAAD(aad);
  const out: Buffer[] = [];
  for (const piece of plaintext instanceof Uint8Array ? [plaintext] : plaintext) out.push(cipher.update(piece));
  const tail = cipher.final();
  if (tail.length > 0) out.push(tail);
  out.push(cipher.getAuthTag());
  return out;
}

/** Opens ciphertext || tag; returns undefined on any authentication failure. */
export function gcmOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Buffer | undefined {
  if (sealed.length < TAG_BYTES) return undefined;
  const buf = Buffer.isBuffer(sealed) ? sealed : Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  return gcmOpenAt(key, nonce, aad, buf, 0, sealed.length - TAG_BYTES);
}

/** Opens the ciphertext `buf[ctStart..ctEnd]` whose tag follows it; undefined on any authentication failure. */
export function gcmOpenAt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, buf: Buffer, ctStart: number, ctEnd: number): Buffer | undefined {
  if (ctStart < 0 || ctEnd < ctStart || buf.length < ctEnd + TAG_BYTES) return undefined;
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, GCM_OPTIONS);
  decipher.setAAD(aad);
  decipher.setAuthTag(buf.subarray(ctEnd, ctEnd + TAG_BYTES));
  const head = decipher.update(buf.subarray(ctStart, ctEnd));
  try {
    const tail = decipher.final();
    return tail.length === 0 ? head : Buffer.concat([head, tail]);
  } catch {
    head.fill(0);
    return undefined;
  }
}

/** Opens a ciphertext given in pieces with its tag; the plaintext in pieces, or undefined on any authentication failure. */
export function gcmOpenParts(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: readonly Uint8Array[], tag: Uint8Array): Buffer[] | undefined {
  if (tag.length !== TAG_BYTES) return undefined;
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, GCM_OPTIONS);
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const out: Buffer[] = [];
  for (const piece of ciphertext) out.push(decipher.update(piece));
  try {
    const tail = decipher.final();
    if (tail.length > 0) out.push(tail);
    return out;
  } catch {
    for (const piece of out) piece.fill(0);
    return undefined;
  }
}

/** Wraps a key (or any short secret) under `kek` with a fresh random nonce. */
export function wrapKey(kek: Uint8Array, aad: Uint8Array, secret: Uint8Array): Buffer {
  const nonce = freshRandom(NONCE_BYTES);
  return Buffer.concat([Buffer.of(WRAP_VERSION), nonce, gcmSeal(kek, nonce, aad, secret)]);
}

/** Unwraps a key wrapped by {@link wrapKey}; undefined when it does not authenticate. */
export function unwrapKey(kek: Uint8Array, aad: Uint8Array, wrapped: Uint8Array): Buffer | undefined {
  if (wrapped.length < 1 + NONCE_BYTES + TAG_BYTES || wrapped[0] !== WRAP_VERSION) return undefined;
  const nonce = wrapped.subarray(1, 1 + NONCE_BYTES);
  return gcmOpen(kek, nonce, aad, wrapped.subarray(1 + NONCE_BYTES));
}

/**
 * Associated data built from a domain label and fields, each length-prefixed
 * (u16) so that ("ab","c") and ("a","bc") can never produce the same bytes.
 */
export function associatedData(label: string, ...fields: string[]): Buffer {
  const parts: Buffer[] = [];
  for (const value of [label, ...fields]) {
    const bytes = Buffer.from(value, 'utf8');
    if (bytes.length > 0xffff) throw new Error('associated data field too long');
    const len = Buffer.alloc(2);
    len.writeUInt16BE(bytes.length);
    parts.push(len, bytes);
  }
  return Buffer.concat(parts);
}
