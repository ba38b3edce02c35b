// What portal sign-in and MFA need from the directory. Secrets arrive here
// already sealed (auth/totp-secret-box.ts) or hashed; none is stored plain.
// Each state change is audited in its own transaction.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/index.ts';
import { recordAudit, type AuditRecord } from './audit.ts';
import type { TotpSecretBox } from '../auth/totp-secret-box.ts';
import { DirectoryError } from './errors.ts';
import type { Actor, Role } from './model.ts';

export interface PortalAccount {
  userId: string;
  practiceId: string;
  role: Role;
  active: boolean;
  passwordHash: string | null;
  mfaEnrolled: boolean;
}

function accountFromRow(r: { id: string; practice_id: string; role: string; status: string; password_hash: string | null; totp_secret_sealed: string | null }): PortalAccount {
  return {
    userId: r.id,
    practiceId: r.practice_id,
    role: r.role as Role,
    active: r.status === 'active',
    passwordHash: r.password_hash,
    mfaEnrolled: r.totp_secret_sealed !== null,
  };
}

const accountColumns = ['id', 'practice_id', 'role', 'status', 'password_hash', 'totp_secret_sealed'] as const;

/** Every account with this email, across practices (an email is unique within one practice only). */
export async function findPortalAccounts(db: Kysely<Database>, email: string): Promise<PortalAccount[]> {
  // No stored address has a NUL (addUser checks the shape), and PostgreSQL refuses the query outright: a 500 at sign-in.
  if (email.includes('\u0000')) return [];
  const rows = await db.selectFrom('users').select(accountColumns).where('email', '=', email.trim().toLowerCase()).orderBy('created_at').execute();
  return rows.map(accountFromRow);
}

export async function getPortalAccount(db: Kysely<Database>, practiceId: string, userId: string): Promise<PortalAccount | undefined> {
  const row = await db.selectFrom('users').select(accountColumns).where('practice_id', '=', practiceId).where('id', '=', userId).executeTakeFirst();
  return row ? accountFromRow(row) : undefined;
}

/** The email a user signs in with; the sign-in throttle is keyed by it. */
export async function accountEmail(db: Kysely<Database>, userId: string): Promise<string> {
  const row = await db.selectFrom('users').select('email').where('id', '=', userId).executeTakeFirst();
  if (!row) throw new DirectoryError('NOT_FOUND', 'user not found');
  return row.email;
}

/** Replaces a hash made with older argon2 parameters after a successful sign-in. */
export async function replacePasswordHash(db: Kysely<Database>, userId: string, passwordHash: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
}

/**
 * An admin (or the box operator, `sotto user password`) gives a user a new
 * portal password: a user added by `sotto user add` or `POST /users` has
 * none, and one who forgot theirs cannot change it themselves. The user's
 * open sessions end with the old password and the user's API tokens are
 * revoked, in the same transaction as the change and its
 * `auth.password_change` event. Only active users.
 */
export async function setPortalPassword(
  db: Kysely<Database>,
  practiceId: string,
  userId: string,
  passwordHash: string,
  actor: Actor,
  by: 'admin' | 'operator' = 'admin',
): Promise<{ endedSessions: number; revokedTokens: number }> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('users').select('status').where('practice_id', '=', practiceId).where('id', '=', userId).executeTakeFirst();
    if (!row) throw new DirectoryError('NOT_FOUND', 'user not found');
    if (row.status !== 'active') throw new DirectoryError('USER_DISABLED', 'the user is disabled');
    await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
    const sessions = await trx.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
    const endedSessions = Number(sessions.numDeletedRows);
    const tokens = await trx.updateTable('api_tokens').set({ revoked_at: new Date().toISOString() }).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
    const revokedTokens = Number(tokens.numUpdatedRows);
    await recordAudit(trx, practiceId, actor, {
      action: 'auth.password_change',
      object: { type: 'user', id: userId },
      details: { by, sessionsEnded: endedSessions, tokensRevoked: revokedTokens },
    });
    return { endedSessions, revokedTokens };
  });
}

export interface StoredSecondFactor {
  totpSecretSealed: string | null;
  totpPendingSealed: string | null;
  totpLastUsedStep: number | null;
  recoveryCodes: Array<{ hash: string; usedAt: number | null }>;
}

export async function getSecondFactor(db: Kysely<Database>, practiceId: string, userId: string): Promise<StoredSecondFactor> {
  const row = await db
    .selectFrom('users')
    .select(['totp_secret_sealed', 'totp_pending_sealed', 'totp_last_step'])
    .where('practice_id', '=', practiceId)
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!row) throw new DirectoryError('NOT_FOUND', 'user not found');
  const codes = await db.selectFrom('user_recovery_codes').select(['code_hash', 'used_at']).where('user_id', '=', userId).orderBy('idx').execute();
  return {
    totpSecretSealed: row.totp_secret_sealed,
    totpPendingSealed: row.totp_pending_sealed,
    totpLastUsedStep: row.totp_last_step === null ? null : Number(row.totp_last_step),
    recoveryCodes: codes.map((c) => ({ hash: c.code_hash, usedAt: c.used_at === null ? null : Date.parse(c.used_at) })),
  };
}

/** Enrolment, step 1: a new secret waits (sealed) for its first code. Refused while MFA is on. */
export async function startTotpEnrolment(db: Kysely<Database>, practiceId: string, userId: string, pendingSealed: string, actor: Actor): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('users').select('totp_secret_sealed').where('practice_id', '=', practiceId).where('id', '=', userId).executeTakeFirst();
    if (!row) throw new DirectoryError('NOT_FOUND', 'user not found');
    if (row.totp_secret_sealed !== null) throw new DirectoryError('MFA_ALREADY_ENROLLED', 'two-factor sign-in is already set up for this account');
    await trx.updateTable('users').set({ totp_pending_sealed: pendingSealed }).where('id', '=', userId).execute();
    await recordAudit(trx, practiceId, actor, { action: 'auth.mfa_enroll_start', object: { type: 'user', id: userId } });
  });
}

/**
 * Enrolment, step 2 (the caller has checked a code against the pending
 * secret): the pending secret becomes the active one, its step is spent,
 * and a fresh set of recovery code hashes replaces any old one.
 */
export async function confirmTotpEnrolment(
  db: Kysely<Database>,
  practiceId: string,
  userId: string,
  input: { pendingSealed: string; step: number; recoveryCodeHashes: string[] },
  actor: Actor,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const now = new Date().toISOString();
    const r = await trx
      .updateTable('users')
      .set({ totp_secret_sealed: input.pendingSealed, totp_pending_sealed: null, totp_last_step: input.step, mfa_enrolled_at: now })
      .where('practice_id', '=', practiceId)
      .where('id', '=', userId)
      .where('totp_pending_sealed', '=', input.pendingSealed)
      .where('totp_secret_sealed', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw new DirectoryError('MFA_NOT_PENDING', 'start two-factor enrolment again');
    await storeRecoveryCodes(trx, userId, input.recoveryCodeHashes);
    await recordAudit(trx, practiceId, actor, { action: 'auth.mfa_enroll', object: { type: 'user', id: userId }, details: { recoveryCodes: input.recoveryCodeHashes.length } });
  });
}

/** A user's recovery codes become `hashes` (unused, in order), inside the caller's transaction; returns how many codes the old set had. */
export async function storeRecoveryCodes(trx: Transaction<Database>, userId: string, hashes: readonly string[]): Promise<number> {
  const old = await trx.deleteFrom('user_recovery_codes').where('user_id', '=', userId).executeTakeFirst();
  await trx
    .insertInto('user_recovery_codes')
    .values(hashes.map((code_hash, idx) => ({ user_id: userId, idx, code_hash, used_at: null })))
    .execute();
  return Number(old.numDeletedRows);
}

/** For setup tools (the demo): MFA on with a known sealed secret, unless it already is. Returns whether it changed. */
export async function enrolTotpIfAbsent(db: Kysely<Database>, practiceId: string, userId: string, sealed: string, actor: Actor): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const now = new Date().toISOString();
    const r = await trx
      .updateTable('users')
      .set({ totp_secret_sealed: sealed, totp_pending_sealed: null, mfa_enrolled_at: now })
      .where('practice_id', '=', practiceId)
      .where('id', '=', userId)
      .where('totp_secret_sealed', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    await recordAudit(trx, practiceId, actor, { action: 'auth.mfa_enroll', object: { type: 'user', id: userId }, details: { recoveryCodes: 0 } });
    return true;
  });
}

export type SpentSecondFactor = { kind: 'totp'; step: number } | { kind: 'recovery_code'; index: number; remaining: number };

/**
 * Spends a verified second factor, atomically: the TOTP step only moves
 * forward and a recovery code is marked used only if it was unused, so two
 * requests racing with one code cannot both win. False means it was already
 * spent (a replay): refuse the sign-in.
 */
export async function spendSecondFactor(db: Kysely<Database>, practiceId: string, userId: string, spent: SpentSecondFactor, actor: Actor): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    let updated: bigint;
    if (spent.kind === 'totp') {
      const r = await trx
        .updateTable('users')
        .set({ totp_last_step: spent.step })
        .where('id', '=', userId)
        .where('practice_id', '=', practiceId)
        .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', spent.step)]))
        .executeTakeFirst();
      updated = r.numUpdatedRows;
    } else {
      const r = await trx
        .updateTable('user_recovery_codes')
        .set({ used_at: new Date().toISOString() })
        .where('user_id', '=', userId)
        .where('idx', '=', spent.index)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      updated = r.numUpdatedRows;
    }
    if (Number(updated) === 0) return false;
    const record: AuditRecord =
      spent.kind === 'totp'
        ? { action: 'auth.mfa_verify', object: { type: 'user', id: userId }, details: { method: 'totp' } }
        : { action: 'auth.recovery_code_use', object: { type: 'user', id: userId }, details: { remaining: spent.remaining } };
    await recordAudit(trx, practiceId, actor, record);
    return true;
  });
}

/** Records an authentication event that changes nothing else (sign-in, sign-out, failures). */
export async function recordAuthEvent(db: Kysely<Database>, practiceId: string | null, actor: Actor, record: AuditRecord): Promise<void> {
  await db.transaction().execute((trx) => recordAudit(trx, practiceId, actor, record).then(() => undefined));
}

/**
 * Re-seals every stored TOTP secret from one box to another, inside the
 * caller's transaction: `sotto keys rotate` calls it in the one that
 * re-wraps the data keys, since the box key is derived from the master key.
 * Returns how many secrets moved (one already under the new box is left as
 * it is); throws, so the caller's transaction changes nothing, if any one
 * opens with neither box.
 */
export async function resealTotpSecrets(trx: Transaction<Database>, from: TotpSecretBox, to: TotpSecretBox): Promise<number> {
  const rows = await trx
    .selectFrom('users')
    .select(['id', 'totp_secret_sealed', 'totp_pending_sealed'])
    .where((eb) => eb.or([eb('totp_secret_sealed', 'is not', null), eb('totp_pending_sealed', 'is not', null)]))
    .execute();
  let moved = 0;
  const move = (userId: string, sealed: string | null): string | null => {
    if (sealed === null) return null;
    // Already under the new key: a rotation resumed after its database work was committed.
    if (to.open(userId, sealed)) return sealed;
    const secret = from.open(userId, sealed);
    if (!secret) throw new Error(`TOTP secret of user ${userId} opens with neither the current nor the new master key`);
    moved++;
    return to.seal(userId, secret);
  };
  for (const r of rows) {
    await trx
      .updateTable('users')
      .set({ totp_secret_sealed: move(r.id, r.totp_secret_sealed), totp_pending_sealed: move(r.id, r.totp_pending_sealed) })
      .where('id', '=', r.id)
      .execute();
  }
  return moved;
}
