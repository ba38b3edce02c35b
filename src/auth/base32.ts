/**
 * RFC 4648 section 6 base32 (the alphabet authenticator apps expect for TOTP
 * secrets). Pure: decoding user or QR input never throws.
 */
import { err, ok, type Result } from './result.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const LOOKUP: ReadonlyMap<string, number> = new Map([...ALPHABET].map((c, i) => [c, i]));

export type Base32Error = { code: 'base32.invalid_character'; index: number } | { code: 'base32.invalid_length' };

/** Encodes bytes; `padding` adds '=' to a multiple of 8 characters (RFC 4648 section 6). */
export function base32Encode(bytes: Uint8Array, options: { padding?: boolean } = {}): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >>> bits) & 31];
    }
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  if (options.padding ?? true) while (out.length % 8 !== 0) out += '=';
  return out;
}

/**
 * Decodes base32, case-insensitively, ignoring spaces and hyphens (people type
 * secrets in groups) and optional trailing padding. Rejects a length that no
 * whole number of bytes encodes to (1, 3 or 6 characters in the last block).
 */
export function base32Decode(text: string): Result<Uint8Array, Base32Error> {
  const cleaned = text.replace(/[\s-]/g, '').toUpperCase().replace(/=+$/, '');
  const remainder = cleaned.length % 8;
  if (remainder === 1 || remainder === 3 || remainder === 6) return err({ code: 'base32.invalid_length' });
  const out = new Uint8Array(Math.floor((cleaned.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (let i = 0; i < cleaned.length; i++) {
    const value = LOOKUP.get(cleaned[i] as string);
    if (value === undefined) return err({ code: 'base32.invalid_character', index: i });
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (buffer >>> bits) & 0xff;
    }
  }
  return ok(out);
}
