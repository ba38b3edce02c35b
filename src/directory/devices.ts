import type { Kysely, Transaction } from 'kysely';
import { isUniqueViolation, newId, type Database } from '../db/index.ts';
import { recordAudit } from './audit.ts';
import { checkDisplayText, DISPLAY_TEXT_MAX } from './display-text.ts';
import { DirectoryError } from './errors.ts';
import type { Actor, Device, DeviceKind } from './model.ts';
import { getPractice } from './practices.ts';
import { digestHa1, generateSipPassword } from './secrets.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface NewDevice {
  kind: DeviceKind;
  label?: string;
  /** Defaults to the extension number, then extension-suffixed when taken. */
  sipUsername?: string;
  /** Only for tests and the demo: a caller-chosen secret. Normally generated. */
  sipPassword?: string;
}

export interface AddedDevice {
  device: Device;
  /** Shown once: only the digest HA1 values (MD5 and SHA-256) are stored. */
  sipPassword: string;
}

const SIP_USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export async function addDevice(db: Kysely<Database>, practiceId: string, userId: string, input: NewDevice, actor: Actor): Promise<AddedDevice> {
  if (input.label !== undefined) checkDisplayText(input.label, { field: 'label', what: "a device's label", max: DISPLAY_TEXT_MAX.deviceLabel });
  const sipPassword = input.sipPassword ?? generateSipPassword();
  try {
    return await db.transaction().execute(async (trx) => {
      const practice = await getPractice(trx, practiceId);
      const user = await trx.selectFrom('users').select(['id', 'status']).where('practice_id', '=', practiceId).where('id', '=', userId).executeTakeFirst();
      if (!user) throw new DirectoryError('NOT_FOUND', 'user not found');
      if (user.status !== 'active') throw new DirectoryError('USER_DISABLED', 'cannot add a device to a disabled user');
      const ext = await trx.selectFrom('extensions').select(['id', 'number']).where('user_id', '=', userId).executeTakeFirst();
      if (!ext) throw new DirectoryError('INVALID_INPUT', 'the user has no extension; give them one before adding a device', { field: 'userId' });
      const sipUsername = input.sipUsername ?? (await freeUsername(trx, practiceId, ext.number));
      if (!SIP_USERNAME.test(sipUsername)) throw new DirectoryError('INVALID_INPUT', 'invalid SIP username', { field: 'sipUsername' });
      const taken = await trx.selectFrom('devices').select('id').where('practice_id', '=', practiceId).where('sip_username', '=', sipUsername).executeTakeFirst();
      if (taken) throw new DirectoryError('SIP_USERNAME_TAKEN', 'this SIP username is already in use', { field: 'sipUsername' });
      const realm = practice.sipDomain;
      const now = new Date().toISOString();
      const id = newId();
      const label = input.label ?? defaultLabel(input.kind);
      await trx
        .insertInto('devices')
        .values({
          id,
          practice_id: practiceId,
          user_id: userId,
          extension_id: ext.id,
          kind: input.kind,
          label,
          sip_username: sipUsername,
          realm,
          ha1_md5: digestHa1('MD5', sipUsername, realm, sipPassword),
          ha1_sha256: digestHa1('SHA-256', sipUsername, realm, sipPassword),
          status: 'active',
          created_at: now,
          disabled_at: null,
        })
        .execute();
      await recordAudit(trx, practiceId, actor, { action: 'device.create', object: { type: 'device', id }, details: { userId, kind: input.kind } });
      return { device: { id, userId, extension: ext.number, kind: input.kind, label, sipUsername, status: 'active', createdAt: now }, sipPassword };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new DirectoryError('SIP_USERNAME_TAKEN', 'this SIP username is already in use', { field: 'sipUsername' });
    throw e;
  }
}

function defaultLabel(kind: DeviceKind): string {
  return kind === 'desk_phone' ? 'Desk phone' : kind === 'softphone' ? 'Softphone' : 'Analog adapter';
}

async function freeUsername(trx: Transaction<Database>, practiceId: string, extension: string): Promise<string> {
  const rows = await trx.selectFrom('devices').select('sip_username').where('practice_id', '=', practiceId).execute();
  const used = new Set(rows.map((r) => r.sip_username));
  if (!used.has(extension)) return extension;
  for (let i = 2; ; i++) if (!used.has(`${extension}-${i}`)) return `${extension}-${i}`;
}

const deviceColumns = [
  'devices.id',
  'devices.user_id',
  'extensions.number as extension',
  'devices.kind',
  'devices.label',
  'devices.sip_username',
  'devices.status',
  'devices.created_at',
] as const;

function deviceFromRow(r: { id: string; user_id: string; extension: string; kind: string; label: string; sip_username: string; status: string; created_at: string }): Device {
  return {
    id: r.id,
    userId: r.user_id,
    extension: r.extension,
    kind: r.kind as DeviceKind,
    label: r.label,
    sipUsername: r.sip_username,
    status: r.status as Device['status'],
    createdAt: r.created_at,
  };
}

export async function listDevices(db: Db, practiceId: string, userId?: string): Promise<Device[]> {
  let q = db.selectFrom('devices').innerJoin('extensions', 'extensions.id', 'devices.extension_id').select(deviceColumns).where('devices.practice_id', '=', practiceId);
  if (userId !== undefined) q = q.where('devices.user_id', '=', userId);
  return (await q.orderBy('devices.created_at').execute()).map(deviceFromRow);
}

export async function getDevice(db: Db, practiceId: string, deviceId: string): Promise<Device> {
  const row = await db
    .selectFrom('devices')
    .innerJoin('extensions', 'extensions.id', 'devices.extension_id')
    .select(deviceColumns)
    .where('devices.practice_id', '=', practiceId)
    .where('devices.id', '=', deviceId)
    .executeTakeFirst();
  if (!row) throw new DirectoryError('NOT_FOUND', 'device not found');
  return deviceFromRow(row);
}

export async function disableDevice(db: Kysely<Database>, practiceId: string, deviceId: string, actor: Actor): Promise<Device> {
  return db.transaction().execute(async (trx) => {
    const before = await getDevice(trx, practiceId, deviceId);
    // Disabling a disabled device changes nothing and records nothing (a retried DELETE, a second click).
    if (before.status !== 'active') return before;
    await trx.updateTable('devices').set({ status: 'disabled', disabled_at: new Date().toISOString() }).where('id', '=', deviceId).where('status', '=', 'active').execute();
    await recordAudit(trx, practiceId, actor, { action: 'device.disable', object: { type: 'device', id: deviceId }, details: { userId: before.userId, wasActive: true } });
    return getDevice(trx, practiceId, deviceId);
  });
}

/** What the SIP registrar needs to check a digest response; no secret leaves the database but HA1. */
export interface SipCredential {
  deviceId: string;
  practiceId: string;
  userId: string;
  extension: string;
  sipUsername: string;
  realm: string;
  ha1Md5: string;
  ha1Sha256: string;
}

export async function findSipCredential(db: Db, realm: string, sipUsername: string): Promise<SipCredential | undefined> {
  const row = await db
    .selectFrom('devices')
    .innerJoin('extensions', 'extensions.id', 'devices.extension_id')
    .innerJoin('users', 'users.id', 'devices.user_id')
    .select(['devices.id', 'devices.practice_id', 'devices.user_id', 'extensions.number', 'devices.sip_username', 'devices.realm', 'devices.ha1_md5', 'devices.ha1_sha256'])
    .where('devices.realm', '=', realm)
    .where('devices.sip_username', '=', sipUsername)
    .where('devices.status', '=', 'active')
    .where('users.status', '=', 'active')
    .executeTakeFirst();
  return row && sipCredentialFromRow(row);
}

/** The columns a credential is read from (the B2BUA's prepared read selects the same). */
export interface SipCredentialRow {
  id: string;
  practice_id: string;
  user_id: string;
  number: string;
  sip_username: string;
  realm: string;
  ha1_md5: string;
  ha1_sha256: string;
}

export function sipCredentialFromRow(row: SipCredentialRow): SipCredential {
  return {
    deviceId: row.id,
    practiceId: row.practice_id,
    userId: row.user_id,
    extension: row.number,
    sipUsername: row.sip_username,
    realm: row.realm,
    ha1Md5: row.ha1_md5,
    ha1Sha256: row.ha1_sha256,
  };
}
