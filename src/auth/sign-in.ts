/**
 * The sign-in checks composed so that every failure reads the same to the
 * client: an unknown email, a wrong password and a wrong second factor all
 * come back as 'auth.invalid_credentials', after the same argon2 work.
 * Only a throttle refusal differs (it has to tell the user to wait), and it
 * is given for unknown emails exactly as for real ones.
 *
 * Storage stays with the caller: it looks the user up, persists the TOTP
 * step / spent recovery code / rehashed password, starts the session and
 * writes the audit event, all in one transaction.
 */
import type { PasswordHasher } from './password.ts';
import { verifyRecoveryCode, type StoredRecoveryCode } from './recovery-codes.ts';
import { err, ok, type Result } from './result.ts';
import type { SignInThrottle, SignInThrottleRefusal } from './throttle.ts';
import { verifyTotp } from './totp.ts';

export type SignInFailure = { code: 'auth.invalid_credentials' } | SignInThrottleRefusal;

export interface PasswordAccount {
  userId: string;
  passwordHash: string;
  /** Deactivated users fail like a wrong password. */
  active: boolean;
}

export interface PasswordSignInDeps {
  hasher: PasswordHasher;
  throttle: SignInThrottle;
  findAccountByEmail(email: string): Promise<PasswordAccount | null>;
}

export interface PasswordSignInSuccess {
  userId: string;
  /** Set when the stored hash should be replaced (parameters changed): store it. */
  newPasswordHash: string | null;
}

export async function verifyPasswordSignIn(
  deps: PasswordSignInDeps,
  input: { email: string; password: string; sourceIp: string },
): Promise<Result<PasswordSignInSuccess, SignInFailure>> {
  const refused = deps.throttle.check(input.email, input.sourceIp);
  if (refused) return err(refused);
  const account = await deps.findAccountByEmail(input.email);
  const verified = account ? await deps.hasher.verify(account.passwordHash, input.password) : await deps.hasher.verifyUnknownUser(input.password);
  if (!account || !verified || !account.active) {
    deps.throttle.recordFailure(input.email, input.sourceIp);
    return err({ code: 'auth.invalid_credentials' });
  }
  deps.throttle.recordSuccess(input.email);
  const newPasswordHash = deps.hasher.needsRehash(account.passwordHash) ? await deps.hasher.hash(input.password) : null;
  return ok({ userId: account.userId, newPasswordHash });
}

export interface SecondFactorState {
  totpSecret: Uint8Array | null;
  totpLastUsedStep: number | null;
  recoveryCodes: readonly StoredRecoveryCode[];
}

/** What to persist after a successful second factor. */
export type SecondFactorSuccess = { kind: 'totp'; step: number } | { kind: 'recovery_code'; index: number; remaining: number };

/**
 * Accepts a TOTP code or a recovery code (told apart by shape). Failures
 * count towards the same account lockout as passwords, which is what keeps
 * a 6-digit code from being brute-forced.
 */
export function verifySecondFactor(
  deps: { throttle: SignInThrottle; nowMs: number },
  input: { email: string; sourceIp: string; code: string; state: SecondFactorState },
): Result<SecondFactorSuccess, SignInFailure> {
  const refused = deps.throttle.check(input.email, input.sourceIp);
  if (refused) return err(refused);
  const typed = input.code.replace(/[\s-]/g, '');
  let success: SecondFactorSuccess | null = null;
  if (/^[0-9]{6}$/.test(typed) && input.state.totpSecret) {
    const r = verifyTotp({ secret: input.state.totpSecret, code: typed, nowMs: deps.nowMs, lastUsedStep: input.state.totpLastUsedStep });
    if (r.ok) success = { kind: 'totp', step: r.value.step };
  } else if (typed.length === 16) {
    const r = verifyRecoveryCode(typed, input.state.recoveryCodes);
    if (r.ok) {
      const remaining = input.state.recoveryCodes.filter((c, i) => c.usedAt === null && i !== r.value.index).length;
      success = { kind: 'recovery_code', index: r.value.index, remaining };
    }
  }
  if (success === null) {
    deps.throttle.recordFailure(input.email, input.sourceIp);
    return err({ code: 'auth.invalid_credentials' });
  }
  deps.throttle.recordSuccess(input.email);
  return ok(success);
}
