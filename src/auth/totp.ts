/**
 * RFC 6238 TOTP over RFC 4226 HOTP. Sotto's profile is what every
 * authenticator app supports: SHA-1, 6 digits, 30-second steps, T0 = 0.
 *
 * Codes are single-use: verification returns the matched time step, the
 * caller stores it as the user's last used step, and any step at or before it
 * is refused next time (RFC 6238 section 5.2: "the verifier MUST NOT accept
 * the second attempt of the OTP after the successful validation").
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { base32Decode, base32Encode } from './base32.ts';
import { hotp, type OtpAlgorithm } from './hotp.ts';
import { err, ok, type Result } from './result.ts';

export interface TotpParams {
  algorithm: OtpAlgorithm;
  digits: number;
  /** Time step X in seconds (RFC 6238 section 4.1). */
  periodSeconds: number;
}

export const TOTP_DEFAULTS: Readonly<TotpParams> = Object.freeze({ algorithm: 'SHA1', digits: 6, periodSeconds: 30 });

/** RFC 4226 section 4 R6 asks for 128 bits at least and recommends 160: one SHA-1 block's worth of key. */
export const TOTP_SECRET_BYTES = 20;

export function generateTotpSecret(): Uint8Array {
  return new Uint8Array(randomBytes(TOTP_SECRET_BYTES));
}

/** The secret as users and QR codes carry it: unpadded base32. */
export function totpSecretToBase32(secret: Uint8Array): string {
  return base32Encode(secret, { padding: false });
}

export function totpSecretFromBase32(text: string): Result<Uint8Array, { code: 'totp.invalid_secret' }> {
  const decoded = base32Decode(text);
  if (!decoded.ok || decoded.value.length < 16) return err({ code: 'totp.invalid_secret' });
  return ok(decoded.value);
}

/** RFC 6238 section 4.2: T = floor((now - T0) / X), T0 = 0. */
export function totpStep(nowMs: number, periodSeconds = TOTP_DEFAULTS.periodSeconds): number {
  return Math.floor(nowMs / 1000 / periodSeconds);
}

export function totpAt(secret: Uint8Array, nowMs: number, params: Partial<TotpParams> = {}): string {
  const p = { ...TOTP_DEFAULTS, ...params };
  return hotp(secret, totpStep(nowMs, p.periodSeconds), { algorithm: p.algorithm, digits: p.digits });
}

export type TotpFailureCode = 'totp.malformed' | 'totp.invalid' | 'totp.replayed';

export interface TotpVerifyInput {
  secret: Uint8Array;
  /** What the user typed; spaces are ignored ("123 456"). */
  code: string;
  nowMs: number;
  /** The step stored after the user's last successful verification, or null if none. */
  lastUsedStep: number | null;
  /**
   * Steps accepted either side of now. RFC 6238 section 5.2 recommends at most
   * one step of network delay; 1 also absorbs modest phone clock drift.
   */
  window?: number;
  params?: Partial<TotpParams>;
}

/**
 * Checks a code against steps now-window..now+window. On success returns the
 * matched step; the caller must persist it (in the same transaction as the
 * sign-in) as the new lastUsedStep.
 *
 * Every candidate is computed and compared in constant time, so the time
 * taken does not reveal which step (if any) matched.
 */
export function verifyTotp(input: TotpVerifyInput): Result<{ step: number }, { code: TotpFailureCode }> {
  const p = { ...TOTP_DEFAULTS, ...input.params };
  const window = input.window ?? 1;
  if (!Number.isInteger(window) || window < 0 || window > 10) throw new Error('TOTP window must be a small non-negative integer');
  const typed = input.code.replace(/\s/g, '');
  if (typed.length !== p.digits || !/^[0-9]+$/.test(typed)) return err({ code: 'totp.malformed' });

  const now = totpStep(input.nowMs, p.periodSeconds);
  const typedBytes = Buffer.from(typed, 'ascii');
  let matched: number | null = null;
  for (let step = now - window; step <= now + window; step++) {
    if (step < 0) continue;
    const expected = Buffer.from(hotp(input.secret, step, { algorithm: p.algorithm, digits: p.digits }), 'ascii');
    // Prefer the earliest match; in practice two steps never share a code.
    if (timingSafeEqual(expected, typedBytes) && matched === null) matched = step;
  }
  if (matched === null) return err({ code: 'totp.invalid' });
  if (input.lastUsedStep !== null && matched <= input.lastUsedStep) return err({ code: 'totp.replayed' });
  return ok({ step: matched });
}

export interface OtpauthUriInput {
  /** Shown by the authenticator app; e.g. "Sotto (Smile Dental)". */
  issuer: string;
  /** Usually the user's sign-in email. */
  accountName: string;
  secret: Uint8Array;
  params?: Partial<TotpParams>;
}

/**
 * The Key Uri Format authenticator apps scan from a QR code:
 * otpauth://totp/Issuer:account?secret=BASE32&issuer=Issuer&algorithm=SHA1&digits=6&period=30
 * The issuer appears both as label prefix and parameter, as older apps read
 * only one of them. Colons are not allowed inside either part of the label.
 */
export function otpauthUri(input: OtpauthUriInput): string {
  if (input.issuer.includes(':') || input.accountName.includes(':')) throw new Error('otpauth label parts must not contain ":"');
  const p = { ...TOTP_DEFAULTS, ...input.params };
  const label = `${encodeURIComponent(input.issuer)}:${encodeURIComponent(input.accountName)}`;
  const query = [
    `secret=${totpSecretToBase32(input.secret)}`,
    `issuer=${encodeURIComponent(input.issuer)}`,
    `algorithm=${p.algorithm}`,
    `digits=${p.digits}`,
    `period=${p.periodSeconds}`,
  ].join('&');
  return `otpauth://totp/${label}?${query}`;
}
