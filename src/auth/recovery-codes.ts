/**
 * Recovery codes: ten one-time codes shown once when MFA is set up, for when
 * the phone with the authenticator is lost.
 *
 * Each code is 16 characters from a 32-symbol alphabet without look-alikes
 * (no 0/O, 1/I), i.e. 80 random bits, shown as XXXX-XXXX-XXXX-XXXX. With
 * that much entropy a plain SHA-256 is enough to store them: there is no
 * dictionary to try, and 2^80 guesses is out of reach offline. Only the
 * hashes are stored.
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { err, ok, type Result } from './result.ts';

export const RECOVERY_CODE_COUNT = 10;
const CODE_LENGTH = 16;
/** 32 symbols: digits 2-9 and A-Z without I and O, so 0/O and 1/I cannot be confused. */
export const RECOVERY_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const HASH_PREFIX = 'sha256:';

/** Stored per user: the hash, and when it was spent (null while unused). */
export interface StoredRecoveryCode {
  hash: string;
  usedAt: number | null;
}

export interface GeneratedRecoveryCodes {
  /** Show these to the user once; never store or log them. */
  codes: string[];
  /** Store these. */
  stored: StoredRecoveryCode[];
}

export function generateRecoveryCodes(count = RECOVERY_CODE_COUNT): GeneratedRecoveryCodes {
  const codes: string[] = [];
  for (let i = 0; i < count; i++) {
    let raw = '';
    for (let j = 0; j < CODE_LENGTH; j++) raw += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
    codes.push(raw.match(/.{4}/g)!.join('-'));
  }
  return { codes, stored: codes.map((code) => ({ hash: hashRecoveryCode(code), usedAt: null })) };
}

/** Case, spaces and dashes do not matter when typing a code back. */
export function normalizeRecoveryCode(input: string): string | null {
  const cleaned = input.replace(/[\s-]/g, '').toUpperCase();
  if (cleaned.length !== CODE_LENGTH) return null;
  for (const c of cleaned) if (!RECOVERY_ALPHABET.includes(c)) return null;
  return cleaned;
}

export function hashRecoveryCode(code: string): string {
  const normalized = normalizeRecoveryCode(code);
  if (normalized === null) throw new Error('not a recovery code');
  return HASH_PREFIX + createHash('sha256').update(normalized, 'ascii').digest('hex');
}

export type RecoveryCodeFailure = { code: 'recovery_code.malformed' } | { code: 'recovery_code.invalid' } | { code: 'recovery_code.used' };

/**
 * Finds which stored code the input matches. On success the caller marks
 * `stored[index].usedAt` in the same transaction as the sign-in (and should
 * write an audit event: a recovery code use is worth an admin's attention).
 *
 * Compares against every stored hash with no early exit, so timing reveals
 * neither which code matched nor how many are left.
 */
export function verifyRecoveryCode(
  input: string,
  stored: readonly StoredRecoveryCode[],
): Result<{ index: number }, RecoveryCodeFailure> {
  const normalized = normalizeRecoveryCode(input);
  if (normalized === null) return err({ code: 'recovery_code.malformed' });
  const candidate = Buffer.from(hashRecoveryCode(normalized), 'ascii');
  let matched = -1;
  stored.forEach((entry, index) => {
    const hash = Buffer.from(entry.hash, 'ascii');
    const same = hash.length === candidate.length && timingSafeEqual(hash, candidate);
    if (same && matched === -1) matched = index;
  });
  if (matched === -1) return err({ code: 'recovery_code.invalid' });
  if ((stored[matched] as StoredRecoveryCode).usedAt !== null) return err({ code: 'recovery_code.used' });
  return ok({ index: matched });
}

export function remainingRecoveryCodes(stored: readonly StoredRecoveryCode[]): number {
  return stored.filter((s) => s.usedAt === null).length;
}
