// Ways back into an account, each in one transaction with its audit event:
// a user changes their own portal password (knowing the current one) or
// takes a new set of recovery codes (holding their authenticator), and an
// admin or the box operator resets a user's two-step sign-in after a lost
// phone. Secrets arrive hashed; none is stored plain.
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import { recordAudit } from './audit.ts';
import { DirectoryError } from './errors.ts';
import type { Actor } from './model.ts';
import { storeRecoveryCodes } from './portal-accounts.ts';

export interface OwnPasswordChange {
  /** The hash the current password was checked against: a change made meanwhile by someone else wins, this one is refused. */
  expectedHash: string;
  passwordHash: string;
  /** The session the change was made from (id hash), which stays signed in; null from an API token. */
  keepSessionIdHash: string | null;
}

/**
 * A user's own password change. Every other portal session of the user ends
 * (one opened with the old password by whoever else knew it); the one the
 * change came from stays, and API tokens stay (they are not the password).
 * Returns null when the stored hash is no longer the one checked: the caller
 * answers as for a wrong current password, and nothing is written.
 */
export async function changeOwnPassword(db: Kysely<Database>, practiceId: string, userId: string, change: OwnPasswordChange, actor: Actor): Promise<{ endedSessions: number } | null> {
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('users')
      .set({ password_hash: change.passwordHash })
      .where('practice_id', '=', practiceId)
      .where('id', '=', userId)
      .where('status', '=', 'active')
      .where('password_hash', '=', change.expectedHash)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return null;
    let others = trx.deleteFrom('sessions').where('user_id', '=', userId);
    if (change.keepSessionIdHash !== null) others = others.where('id_hash', '!=', change.keepSessionIdHash);
    const endedSessions = Number((await others.executeTakeFirst()).numDeletedRows);
    await recordAudit(trx, practiceId, actor, { action: 'auth.password_change', object: { type: 'user', id: userId }, details: { by: 'self', sessionsEnded: endedSessions } });
    return { endedSessions };
  });
}

export interface SecondFactorReset {
  /** False when the user had no two-step sign-in to reset: nothing was changed or recorded. */
  reset: boolean;
  endedSessions: number;
  recoveryCodesCleared: number;
}

/**
 * Clears a user's TOTP secret (and any enrolment in progress) and recovery
 * codes, and ends their portal sessions, so the next sign-in asks for the
 * password alone and an owner or admin is sent through enrolment again.
 * `auth.mfa_reset` is written in the same transaction. A user without
 * two-step sign-in is left as they are, with no event (as a repeated change
 * is everywhere else). Only active users: a disabled one signs in nowhere.
 */
export async function resetSecondFactor(db: Kysely<Database>, practiceId: string, userId: string, actor: Actor): Promise<SecondFactorReset> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('users').select(['status', 'totp_secret_sealed']).where('practice_id', '=', practiceId).where('id', '=', userId).executeTakeFirst();
    if (!row) throw new DirectoryError('NOT_FOUND', 'user not found');
    if (row.status !== 'active') throw new DirectoryError('USER_DISABLED', 'the user is disabled');
    const codes = await trx.deleteFrom('user_recovery_codes').where('user_id', '=', userId).executeTakeFirst();
    const recoveryCodesCleared = Number(codes.numDeletedRows);
    if (row.totp_secret_sealed === null && recoveryCodesCleared === 0) return { reset: false, endedSessions: 0, recoveryCodesCleared: 0 };
    await trx.updateTable('users').set({ totp_secret_sealed: null, totp_pending_sealed: null, totp_last_step: null, mfa_enrolled_at: null }).where('id', '=', userId).execute();
    const sessions = await trx.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
    const endedSessions = Number(sessions.numDeletedRows);
    await recordAudit(trx, practiceId, actor, { action: 'auth.mfa_reset', object: { type: 'user', id: userId }, details: { sessionsEnded: endedSessions, recoveryCodesCleared } });
    return { reset: true, endedSessions, recoveryCodesCleared };
  });
}

/**
 * A new set of recovery codes for a user who has just proved they hold their
 * authenticator: the TOTP step of that code is spent (steps only move
 * forward, so the code cannot be used again, here or at sign-in), the old
 * codes are deleted, used or not, and `auth.recovery_codes_regenerate` is
 * written, all in one transaction. Null when the step was spent meanwhile or
 * two-step sign-in was turned off (an admin's reset): nothing is changed.
 */
export async function replaceRecoveryCodes(
  db: Kysely<Database>,
  practiceId: string,
  userId: string,
  input: { step: number; recoveryCodeHashes: string[] },
  actor: Actor,
): Promise<{ replaced: number } | null> {
  return db.transaction().execute(async (trx) => {
    const spent = await trx
      .updateTable('users')
      .set({ totp_last_step: input.step })
      .where('practice_id', '=', practiceId)
      .where('id', '=', userId)
      .where('status', '=', 'active')
      .where('totp_secret_sealed', 'is not', null)
      .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', input.step)]))
      .executeTakeFirst();
    if (Number(spent.numUpdatedRows) === 0) return null;
    const replaced = await storeRecoveryCodes(trx, userId, input.recoveryCodeHashes);
    await recordAudit(trx, practiceId, actor, {
      action: 'auth.recovery_codes_regenerate',
      object: { type: 'user', id: userId },
      details: { recoveryCodes: input.recoveryCodeHashes.length, replaced },
    });
    return { replaced };
  });
}
