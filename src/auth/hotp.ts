/**
 * RFC 4226 HOTP: HMAC-based one-time password. TOTP (RFC 6238) is HOTP with
 * the counter taken from the clock, so this file is the whole algorithm.
 */
import { createHmac } from 'node:crypto';

/** RFC 6238 section 1.2 allows SHA-256 and SHA-512 besides RFC 4226's SHA-1. */
export type OtpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

const NODE_HASH: Record<OtpAlgorithm, string> = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };

export interface HotpOptions {
  algorithm?: OtpAlgorithm;
  /** RFC 4226 section 5.3: at least 6 digits; 8 is the most this truncation supports well. */
  digits?: number;
}

/** RFC 4226 section 5.3 step 1: HS = HMAC(K, C), C an 8-byte big-endian counter. */
export function hotpHmac(secret: Uint8Array, counter: bigint | number, algorithm: OtpAlgorithm = 'SHA1'): Buffer {
  const c = BigInt(counter);
  if (c < 0n || c > 0xffff_ffff_ffff_ffffn) throw new Error('HOTP counter must fit in 8 unsigned bytes');
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(c);
  return createHmac(NODE_HASH[algorithm], secret).update(message).digest();
}

/**
 * RFC 4226 section 5.3 step 2, dynamic truncation: the low nibble of the last
 * byte picks an offset; four bytes from there, top bit masked off, give a
 * 31-bit number (masked so signed/unsigned arithmetic agree everywhere).
 */
export function dynamicTruncate(hmac: Uint8Array): number {
  const offset = (hmac[hmac.length - 1] as number) & 0x0f;
  return (
    (((hmac[offset] as number) & 0x7f) << 24) |
    ((hmac[offset + 1] as number) << 16) |
    ((hmac[offset + 2] as number) << 8) |
    (hmac[offset + 3] as number)
  );
}

/** RFC 4226 section 5.3 step 3: the code is Snum mod 10^Digit, zero-padded. */
export function hotp(secret: Uint8Array, counter: bigint | number, options: HotpOptions = {}): string {
  const digits = options.digits ?? 6;
  if (!Number.isInteger(digits) || digits < 6 || digits > 8) throw new Error('HOTP digits must be 6, 7 or 8');
  const snum = dynamicTruncate(hotpHmac(secret, counter, options.algorithm));
  return String(snum % 10 ** digits).padStart(digits, '0');
}
