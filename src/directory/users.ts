import type { Kysely, Transaction } from 'kysely';
import { flag, newId, uniqueViolationTable, type Database } from '../db/index.ts';
import { SAFE_DEFAULT_VOICEMAIL_SETTINGS, tierIncludes } from '../policy/index.ts';
import { recordAudit } from './audit.ts';
import { checkDisplayText, DISPLAY_TEXT_MAX } from './display-text.ts';
import { DirectoryError } from './errors.ts';
import { type Actor, type Role, type User, type UserStatus } from './model.ts';
import { getPractice } from './practices.ts';
import { generatePin, hashPin } from './secrets.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** Numbers a desk phone must always be able to dial out, never an extension. */
const RESERVED_EXTENSIONS = new Set(['911', '933', '988', '112', '999', '000', '411', '611']);

/** The form of an extension (reserved numbers pass: see checkExtensionNumber), as a JSON Schema pattern too. */
export const EXTENSION_PATTERN = '^[1-9][0-9]{1,5}$';
export const EXTENSION_RULE = 'an extension is 2 to 6 digits and does not start with 0';
const EXTENSION = new RegExp(EXTENSION_PATTERN);

export function isExtensionNumber(number: string): boolean {
  return EXTENSION.test(number);
}

export function checkExtensionNumber(number: string): void {
  if (!isExtensionNumber(number)) {
    throw new DirectoryError('INVALID_INPUT', EXTENSION_RULE, { field: 'extension' });
  }
  if (RESERVED_EXTENSIONS.has(number)) {
    throw new DirectoryError('EXTENSION_RESERVED', `${number} is reserved for emergency and carrier services`, { field: 'extension' });
  }
}

export interface NewUser {
  email: string;
  displayName: string;
  role: Role;
  extension?: string;
  passwordHash?: string;
}

export interface AddedUser {
  user: User;
  /** The voicemail PIN, shown once; only its hash is kept. */
  voicemailPin: string | null;
}

/** Adds a user, with their extension, voicemail box and default settings, in one transaction. */
/**
 * An address mail can be sent to (the API's schema checks the same shape;
 * the CLI and the demo come through here only): dot-atom local part
 * (RFC 5322 3.4.1, no quoted strings), "@", a domain of LDH labels.
 */
const EMAIL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function checkEmail(email: string): void {
  if (email.length > 254 || !EMAIL.test(email)) throw new DirectoryError('INVALID_INPUT', 'not an email address', { field: 'email' });
}

/** A user's name: display text (display-text.ts). The CLI checks it before making a practice for the user. */
export function checkDisplayName(name: string): void {
  checkDisplayText(name, { field: 'displayName', what: 'a name', max: DISPLAY_TEXT_MAX.displayName });
}

export async function addUser(db: Kysely<Database>, practiceId: string, input: NewUser, actor: Actor, pin?: string): Promise<AddedUser> {
  checkEmail(input.email.trim());
  checkDisplayName(input.displayName);
  if (input.extension !== undefined) checkExtensionNumber(input.extension);
  const email = input.email.trim().toLowerCase();
  const now = new Date().toISOString();
  const userId = newId();
  const voicemailPin = input.extension !== undefined ? (pin ?? generatePin()) : null;
  const pinHash = voicemailPin ? await hashPin(voicemailPin) : null;
  try {
    await db.transaction().execute(async (trx) => {
      const practice = await getPractice(trx, practiceId);
      const taken = await trx.selectFrom('users').select('id').where('practice_id', '=', practiceId).where('email', '=', email).executeTakeFirst();
      if (taken) throw new DirectoryError('EMAIL_TAKEN', 'a user with this email already exists', { field: 'email' });
      await trx
        .insertInto('users')
        .values({
          id: userId,
          practice_id: practiceId,
          email,
          display_name: input.displayName,
          role: input.role,
          status: 'active',
          password_hash: input.passwordHash ?? null,
          created_at: now,
          disabled_at: null,
        })
        .execute();
      if (input.extension !== undefined) {
        await assignExtension(trx, practiceId, userId, input.extension, pinHash, now);
      }
      await trx
        .insertInto('voicemail_settings')
        .values({
          user_id: userId,
          practice_id: practiceId,
          email_notifications: flag(SAFE_DEFAULT_VOICEMAIL_SETTINGS.emailNotifications),
          attach_audio: flag(SAFE_DEFAULT_VOICEMAIL_SETTINGS.attachAudio),
          include_transcript: flag(SAFE_DEFAULT_VOICEMAIL_SETTINGS.includeTranscript),
          transcription: flag(SAFE_DEFAULT_VOICEMAIL_SETTINGS.transcription && tierIncludes(practice.tier, 'voicemail_transcription')),
          updated_at: now,
          updated_by: actor.id,
        })
        .execute();
      await recordAudit(trx, practiceId, actor, {
        action: 'user.create',
        object: { type: 'user', id: userId },
        details: { role: input.role, extension: input.extension ?? null, password: input.passwordHash !== undefined },
      });
    });
  } catch (e) {
    throw takenError(e);
  }
  return { user: await getUser(db, practiceId, userId), voicemailPin };
}

async function assignExtension(trx: Transaction<Database>, practiceId: string, userId: string, number: string, pinHash: string | null, now: string): Promise<void> {
  const existing = await trx.selectFrom('extensions').select('id').where('practice_id', '=', practiceId).where('number', '=', number).executeTakeFirst();
  if (existing) throw new DirectoryError('EXTENSION_TAKEN', `extension ${number} is already in use`, { field: 'extension' });
  const extensionId = newId();
  await trx.insertInto('extensions').values({ id: extensionId, practice_id: practiceId, number, user_id: userId, created_at: now }).execute();
  await trx
    .insertInto('voicemail_boxes')
    .values({ id: newId(), practice_id: practiceId, extension_id: extensionId, owner_user_id: userId, pin_hash: pinHash, created_at: now })
    .execute();
}

function userQuery(db: Db, practiceId: string) {
  return db
    .selectFrom('users')
    .leftJoin('extensions', 'extensions.user_id', 'users.id')
    .select([
      'users.id',
      'users.practice_id',
      'users.email',
      'users.display_name',
      'users.role',
      'users.status',
      'users.created_at',
      'extensions.number as extension',
    ])
    .where('users.practice_id', '=', practiceId);
}

type UserRow = {
  id: string;
  practice_id: string;
  email: string;
  display_name: string;
  role: string;
  status: string;
  created_at: string;
  extension: string | null;
};

function userFromRow(r: UserRow): User {
  return {
    id: r.id,
    practiceId: r.practice_id,
    email: r.email,
    displayName: r.display_name,
    role: r.role as Role,
    status: r.status as UserStatus,
    extension: r.extension,
    createdAt: r.created_at,
  };
}

export async function getUser(db: Db, practiceId: string, userId: string): Promise<User> {
  const row = await userQuery(db, practiceId).where('users.id', '=', userId).executeTakeFirst();
  if (!row) throw new DirectoryError('NOT_FOUND', 'user not found');
  return userFromRow(row);
}

export async function findUserByEmail(db: Db, practiceId: string, email: string): Promise<User | undefined> {
  const row = await userQuery(db, practiceId).where('users.email', '=', email.trim().toLowerCase()).executeTakeFirst();
  return row ? userFromRow(row) : undefined;
}

export async function listUsers(db: Db, practiceId: string): Promise<User[]> {
  const rows = await userQuery(db, practiceId).orderBy('extensions.number').orderBy('users.created_at').execute();
  return rows.map(userFromRow);
}

export interface UserChange {
  displayName?: string;
  email?: string;
  role?: Role;
  extension?: string;
}

export interface UpdatedUser {
  user: User;
  /** The voicemail PIN of a box made by this change (the user's first extension), shown once; else null. */
  voicemailPin: string | null;
  /** The user's extension number changed: their phones' registrations under the old number are to be dropped (the caller's, as on disable). */
  renumberedDeviceIds: string[];
}

/**
 * Changes a user's name, email, role or extension, all or nothing. A new
 * extension for a user who had none makes its voicemail box (PIN shown
 * once); for one who had one, the number changes and the box, devices and
 * settings stay with it.
 */
export async function updateUser(db: Kysely<Database>, practiceId: string, userId: string, patch: UserChange, actor: Actor): Promise<UpdatedUser> {
  if (patch.displayName !== undefined) checkDisplayName(patch.displayName);
  if (patch.email !== undefined) checkEmail(patch.email.trim());
  if (patch.extension !== undefined) checkExtensionNumber(patch.extension);
  const email = patch.email?.trim().toLowerCase();
  // A first extension makes a voicemail box with a new PIN. Its hash is slow on purpose: made before the
  // transaction, so the database's write lock is not held for it (as addUser does).
  const newPin = patch.extension !== undefined ? generatePin() : null;
  const newPinHash = newPin !== null ? await hashPin(newPin) : null;
  let voicemailPin: string | null = null;
  try {
    return await db.transaction().execute(async (trx) => {
      const user = await getUser(trx, practiceId, userId);
      if (patch.role !== undefined && user.role === 'owner' && patch.role !== 'owner') await ensureAnotherOwner(trx, practiceId, userId);
      const set: { display_name?: string; role?: string; email?: string } = {};
      if (patch.displayName !== undefined) set.display_name = patch.displayName;
      if (patch.role !== undefined) set.role = patch.role;
      if (email !== undefined && email !== user.email) {
        const taken = await trx.selectFrom('users').select('id').where('practice_id', '=', practiceId).where('email', '=', email).where('id', '!=', userId).executeTakeFirst();
        if (taken) throw new DirectoryError('EMAIL_TAKEN', 'a user with this email already exists', { field: 'email' });
        set.email = email;
      }
      if (Object.keys(set).length > 0) await trx.updateTable('users').set(set).where('id', '=', userId).execute();
      let renumberedDeviceIds: string[] = [];
      if (patch.extension !== undefined && patch.extension !== user.extension) {
        if (user.extension === null) {
          voicemailPin = newPin;
          await assignExtension(trx, practiceId, userId, patch.extension, newPinHash!, new Date().toISOString());
        } else {
          renumberedDeviceIds = await renumberExtension(trx, practiceId, userId, patch.extension);
        }
      }
      const after = await getUser(trx, practiceId, userId);
      // A patch that changes nothing (a form saved as it was) records nothing.
      const changed = after.displayName !== user.displayName || after.role !== user.role || after.email !== user.email || after.extension !== user.extension;
      if (changed) {
        await recordAudit(trx, practiceId, actor, {
          action: after.role !== user.role ? 'user.role_change' : 'user.update',
          object: { type: 'user', id: userId },
          // Whether the name or email changed, never either value: the log says what was done, the directory holds who.
          details: {
            renamed: after.displayName !== user.displayName,
            emailChanged: after.email !== user.email,
            before: { role: user.role, extension: user.extension },
            after: { role: after.role, extension: after.extension },
          },
        });
      }
      return { user: after, voicemailPin, renumberedDeviceIds };
    });
  } catch (e) {
    throw takenError(e);
  }
}

/**
 * A unique violation that got past the checks made in the transaction (a
 * concurrent writer took the email or the number first), said as the field
 * it is about; any other error as it is.
 */
function takenError(e: unknown): unknown {
  const table = uniqueViolationTable(e);
  if (table === 'extensions') return new DirectoryError('EXTENSION_TAKEN', 'the extension is already in use', { field: 'extension' });
  if (table === 'users') return new DirectoryError('EMAIL_TAKEN', 'a user with this email already exists', { field: 'email' });
  return e;
}

/** Moves the user's extension to a new number; returns the devices registered under the old one. */
async function renumberExtension(trx: Transaction<Database>, practiceId: string, userId: string, number: string): Promise<string[]> {
  const existing = await trx.selectFrom('extensions').select('id').where('practice_id', '=', practiceId).where('number', '=', number).executeTakeFirst();
  if (existing) throw new DirectoryError('EXTENSION_TAKEN', `extension ${number} is already in use`, { field: 'extension' });
  await trx.updateTable('extensions').set({ number }).where('practice_id', '=', practiceId).where('user_id', '=', userId).execute();
  const devices = await trx.selectFrom('devices').select('id').where('practice_id', '=', practiceId).where('user_id', '=', userId).execute();
  return devices.map((d) => d.id);
}

async function ensureAnotherOwner(trx: Transaction<Database>, practiceId: string, userId: string): Promise<void> {
  const others = await trx
    .selectFrom('users')
    .select('id')
    .where('practice_id', '=', practiceId)
    .where('role', '=', 'owner')
    .where('status', '=', 'active')
    .where('id', '!=', userId)
    .execute();
  if (others.length === 0) throw new DirectoryError('LAST_OWNER', 'a practice must keep at least one active owner');
}

/**
 * Disables a user at once: their portal sessions end, their API tokens are
 * revoked and their SIP devices disabled in the same transaction, so no
 * credential outlives the decision. (Live SIP registrations are the caller's
 * to drop, with the returned device ids.)
 */
export async function disableUser(
  db: Kysely<Database>,
  practiceId: string,
  userId: string,
  actor: Actor,
): Promise<{ user: User; disabledDeviceIds: string[]; endedSessions: number; /** It was disabled already and nothing changed (no event written). */ alreadyDisabled: boolean }> {
  return db.transaction().execute(async (trx) => {
    const user = await getUser(trx, practiceId, userId);
    const alreadyDisabled = user.status === 'disabled';
    if (user.role === 'owner' && !alreadyDisabled) await ensureAnotherOwner(trx, practiceId, userId);
    const now = new Date().toISOString();
    // The first disable's time stays: a repeat must not move when the user was cut off.
    if (!alreadyDisabled) await trx.updateTable('users').set({ status: 'disabled', disabled_at: now }).where('id', '=', userId).execute();
    const tokens = await trx.updateTable('api_tokens').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
    const devices = await trx.selectFrom('devices').select('id').where('user_id', '=', userId).where('status', '=', 'active').execute();
    await trx.updateTable('devices').set({ status: 'disabled', disabled_at: now }).where('user_id', '=', userId).where('status', '=', 'active').execute();
    const sessions = await trx.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
    // Open break-glass grants end too; the rows stay, they explain audit events.
    await trx.updateTable('break_glass_grants').set({ expires_at: now }).where('user_id', '=', userId).where('expires_at', '>', now).execute();
    const endedSessions = Number(sessions.numDeletedRows);
    const tokensRevoked = Number(tokens.numUpdatedRows);
    // Disabling a disabled user is a no-op and records nothing (an event per retry buries the
    // decision that mattered). The sweep above still runs: were a credential somehow left live,
    // ending it is a change, and is recorded.
    const noOp = alreadyDisabled && tokensRevoked + devices.length + endedSessions === 0;
    if (!noOp) {
      await recordAudit(trx, practiceId, actor, {
        action: 'user.deactivate',
        object: { type: 'user', id: userId },
        details: { tokensRevoked, devicesDisabled: devices.length, sessionsEnded: endedSessions },
      });
    }
    return { user: await getUser(trx, practiceId, userId), disabledDeviceIds: devices.map((d) => d.id), endedSessions, alreadyDisabled: noOp };
  });
}

/**
 * Lets a disabled user sign in again with the password they had. What
 * disabling ended stays ended: their API tokens stay revoked and their SIP
 * devices disabled (an admin adds new ones), so no credential that was out
 * of the practice's hands while they were away comes back. Enabling an
 * active user changes nothing and records nothing.
 */
export async function enableUser(db: Kysely<Database>, practiceId: string, userId: string, actor: Actor): Promise<{ user: User; alreadyActive: boolean }> {
  return db.transaction().execute(async (trx) => {
    const user = await getUser(trx, practiceId, userId);
    if (user.status === 'active') return { user, alreadyActive: true };
    await trx.updateTable('users').set({ status: 'active', disabled_at: null }).where('id', '=', userId).execute();
    await recordAudit(trx, practiceId, actor, { action: 'user.reactivate', object: { type: 'user', id: userId }, details: {} });
    return { user: await getUser(trx, practiceId, userId), alreadyActive: false };
  });
}
