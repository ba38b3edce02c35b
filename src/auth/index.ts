/** Public API of the auth layer: what api/ and pbx/ call. */
export { type Clock, ManualClock, systemClock } from './clock.ts';
export { type Result, ok, err } from './result.ts';
export { base32Decode, base32Encode, type Base32Error } from './base32.ts';
export { hotp, type HotpOptions, type OtpAlgorithm } from './hotp.ts';
export {
  TOTP_DEFAULTS,
  generateTotpSecret,
  otpauthUri,
  totpAt,
  totpSecretFromBase32,
  totpSecretToBase32,
  totpStep,
  verifyTotp,
  type OtpauthUriInput,
  type TotpFailureCode,
  type TotpParams,
  type TotpVerifyInput,
} from './totp.ts';
export {
  ARGON2_DEFAULTS,
  OWASP_MINIMUM,
  createPasswordHasher,
  meetsOwaspMinimum,
  normalizePassword,
  type Argon2Params,
  type PasswordHasher,
} from './password.ts';
export {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  checkPasswordPolicy,
  commonPasswords,
  describePasswordViolation,
  type PasswordContext,
  type PasswordPolicyViolation,
} from './password-policy.ts';
export {
  RECOVERY_CODE_COUNT,
  generateRecoveryCodes,
  hashRecoveryCode,
  remainingRecoveryCodes,
  verifyRecoveryCode,
  type GeneratedRecoveryCodes,
  type RecoveryCodeFailure,
  type StoredRecoveryCode,
} from './recovery-codes.ts';
export {
  ABSOLUTE_LIFETIME_MS,
  IDLE_TIMEOUT_DEFAULT_MINUTES,
  IDLE_TIMEOUT_MAX_MINUTES,
  IDLE_TIMEOUT_MIN_MINUTES,
  MFA_PENDING_LIFETIME_MS,
  MemorySessionStore,
  completeMfa,
  endSession,
  endUserSessions,
  hashSessionToken,
  idleTimeoutMs,
  resolveSession,
  startSession,
  type IssuedSession,
  type SessionContext,
  type SessionFailureCode,
  type SessionRecord,
  type SessionStage,
  type SessionStore,
  type StartSessionInput,
} from './session.ts';
export { CSRF_HEADER, checkCsrf, csrfTokenFor, verifyCsrfToken, type CsrfFailureCode, type CsrfRequest } from './csrf.ts';
export { clearSessionCookie, readSessionCookie, serializeSessionCookie, sessionCookieName } from './session-cookie.ts';
export {
  AccountLockout,
  AddressBackoff,
  SignInThrottle,
  normalizeAccountKey,
  type AccountLockoutOptions,
  type AddressBackoffOptions,
  type SignInThrottleRefusal,
  type ThrottleDecision,
} from './throttle.ts';
export { LruMap } from './lru-map.ts';
export { AUTH_ERROR_HTTP_STATUS, type AuthErrorCode } from './error-codes.ts';
export {
  verifyPasswordSignIn,
  verifySecondFactor,
  type PasswordAccount,
  type PasswordSignInDeps,
  type PasswordSignInSuccess,
  type SecondFactorState,
  type SecondFactorSuccess,
  type SignInFailure,
} from './sign-in.ts';
export { createTotpSecretBox, type TotpSecretBox } from './totp-secret-box.ts';
