/**
 * Every expected failure code this layer returns, with the HTTP status the
 * API should answer it with. Sign-in answers must not reveal which check
 * failed: sign-in.ts folds unknown email, wrong password, deactivated user
 * and wrong second factor into 'auth.invalid_credentials'.
 */
import type { Base32Error } from './base32.ts';
import type { CsrfFailureCode } from './csrf.ts';
import type { PasswordPolicyViolation } from './password-policy.ts';
import type { RecoveryCodeFailure } from './recovery-codes.ts';
import type { SessionConfigError, SessionFailureCode } from './session.ts';
import type { SignInFailure } from './sign-in.ts';
import type { SignInThrottleRefusal } from './throttle.ts';
import type { TotpFailureCode } from './totp.ts';

export type AuthErrorCode =
  | PasswordPolicyViolation['code']
  | TotpFailureCode
  | 'totp.invalid_secret'
  | Base32Error['code']
  | RecoveryCodeFailure['code']
  | SessionFailureCode
  | SessionConfigError['code']
  | CsrfFailureCode
  | SignInThrottleRefusal['code']
  | SignInFailure['code'];

export const AUTH_ERROR_HTTP_STATUS: Readonly<Record<AuthErrorCode, number>> = Object.freeze({
  'password.too_short': 400,
  'password.too_long': 400,
  'password.common': 400,
  'password.contains_personal_info': 400,
  'totp.malformed': 401,
  'totp.invalid': 401,
  'totp.replayed': 401,
  'totp.invalid_secret': 400,
  'base32.invalid_character': 400,
  'base32.invalid_length': 400,
  'recovery_code.malformed': 401,
  'recovery_code.invalid': 401,
  'recovery_code.used': 401,
  'session.missing': 401,
  'session.unknown': 401,
  'session.idle_timeout': 401,
  'session.expired': 401,
  'session.mfa_required': 401,
  'session.not_mfa_pending': 409,
  'session.invalid_idle_timeout': 400,
  'csrf.cross_origin': 403,
  'csrf.no_origin': 403,
  'csrf.bad_token': 403,
  'auth.invalid_credentials': 401,
  'throttle.account_locked': 429,
  'throttle.address_slowed': 429,
});
