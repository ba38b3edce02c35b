// `sotto demo`: a demo practice, seeded idempotently. Its secrets are derived
// from the practice's vault data key (HKDF), so a second run prints the same
// credentials without any plain secret being stored; only hashes and HA1
// values are (and the admin's TOTP secret, sealed under the master key).
// A credential changed since then prints as null, not as the derived value.
// Data keys survive `sotto keys rotate` (re-wrapped, not replaced), so the
// printed credentials keep working after a rotation.
import type { Kysely } from 'kysely';
import { base32Encode, createPasswordHasher, createTotpSecretBox, type TotpSecretBox } from '../auth/index.ts';
import type { Database } from '../db/index.ts';
import {
  addDevice,
  addUser,
  authenticateApiToken,
  CLI_ACTOR,
  createPractice,
  enrolTotpIfAbsent,
  digestHa1,
  findSipCredential,
  findUserByEmail,
  getPortalAccount,
  getSecondFactor,
  grantVoicemailBox,
  listDevices,
  listExtensions,
  listPractices,
  registerApiToken,
  SECRET_ALPHABET,
  updatePractice,
  verifyPin,
  type Practice,
  type Role,
} from '../directory/index.ts';
import type { Tier } from '../policy/index.ts';
import { findBoxByExtension } from '../voicemail/mailbox/index.ts';
import { defaultSipDomain } from './config.ts';
import type { Runtime } from './runtime.ts';
import { DemoError } from './errors.ts';

export const DEMO_PRACTICE_NAME = 'Sotto Demo Practice';

const DEMO_USERS: Array<{ extension: string; email: string; displayName: string; role: Role }> = [
  { extension: '101', email: 'front.desk@demo.sotto.invalid', displayName: 'Front Desk', role: 'staff' },
  { extension: '102', email: 'dr.rivera@demo.sotto.invalid', displayName: 'Dr. Rivera', role: 'provider' },
  { extension: '103', email: 'billing@demo.sotto.invalid', displayName: 'Billing Office', role: 'staff' },
];

const DEMO_ADMIN = { email: 'admin@demo.sotto.invalid', displayName: 'Demo Admin' };

export interface DemoOutput {
  practice: { id: string; name: string; tier: Tier };
  /** Each secret is null once changed since the demo set it (see pinIfUnchanged). */
  admin: { email: string; password: string | null; totpSecret: string | null };
  apiToken: string | null;
  sip: { domain: string; udpPort: number; tcpPort: number; tlsPort: number };
  extensions: Array<{ extension: string; userId: string; sipUsername: string; sipPassword: string | null; voicemailPin: string | null }>;
}


type Derive = (label: string, length: number) => Promise<Buffer>;

async function deriveSecret(derive: Derive, label: string, length = 20): Promise<string> {
  // One byte per symbol with rejection of the biased tail keeps it uniform.
  const bytes = await derive(label, length * 4);
  let out = '';
  for (const b of bytes) {
    if (b >= 256 - (256 % SECRET_ALPHABET.length)) continue;
    out += SECRET_ALPHABET[b % SECRET_ALPHABET.length];
    if (out.length === length) break;
  }
  return out;
}

async function derivePin(derive: Derive, label: string): Promise<string> {
  return ((await derive(label, 4)).readUInt32BE(0) % 1_000_000).toString().padStart(6, '0');
}


/**
 * The demo prints only secrets that still open what they claim to. One
 * changed since it was derived (a PIN set by phone or `sotto voicemail pin
 * set`, a new portal password, a re-enrolled or reset authenticator, a
 * revoked token, a disabled device) prints as null: Sotto keeps only its hash, and setting
 * it back would silently undo a change someone made on purpose (operator
 * audit finding: a rerun reset a changed PIN and printed the old one). The
 * PIN hash is compared directly, so the check never counts toward a lockout.
 */
async function pinIfUnchanged(db: Kysely<Database>, practiceId: string, extension: string, pin: string): Promise<string | null> {
  const box = await findBoxByExtension(db, practiceId, extension);
  if (!box) return null;
  const row = await db.selectFrom('voicemail_boxes').select('pin_hash').where('id', '=', box.id).executeTakeFirst();
  return row?.pin_hash && (await verifyPin(row.pin_hash, pin).catch(() => false)) ? pin : null;
}

async function passwordIfUnchanged(db: Kysely<Database>, practiceId: string, userId: string, password: string): Promise<string | null> {
  const account = await getPortalAccount(db, practiceId, userId);
  if (!account?.active || !account.passwordHash) return null;
  return (await createPasswordHasher().verify(account.passwordHash, password)) ? password : null;
}

async function totpIfUnchanged(db: Kysely<Database>, practiceId: string, userId: string, box: TotpSecretBox, secret: Buffer): Promise<string | null> {
  const sealed = (await getSecondFactor(db, practiceId, userId)).totpSecretSealed;
  const stored = sealed ? box.open(userId, sealed) : null;
  return stored && Buffer.from(stored).equals(secret) ? base32Encode(secret) : null;
}

async function sipPasswordIfUnchanged(db: Kysely<Database>, realm: string, sipUsername: string, password: string): Promise<string | null> {
  const credential = await findSipCredential(db, realm, sipUsername);
  return credential && credential.ha1Sha256 === digestHa1('SHA-256', sipUsername, realm, password) ? password : null;
}

async function findDemoPractice(db: Kysely<Database>): Promise<Practice | undefined> {
  return (await listPractices(db)).find((p) => p.name === DEMO_PRACTICE_NAME);
}

export async function seedDemo(rt: Runtime, opts: { tier?: Tier }): Promise<DemoOutput> {
  const db = rt.database.db;
  const mk = rt.masterKey;
  let practice = await findDemoPractice(db);
  if (!practice && (await listPractices(db)).length > 0) {
    // Its practice would take the install's SIP domain, and the real
    // practice would lose "any domain accepted" on a one-practice box.
    throw new DemoError('this install already has a practice: the demo seeds a practice of its own on an empty install only (use a separate SOTTO_DATA_DIR to try it)');
  }
  if (!practice) {
    practice = await createPractice(db, { name: DEMO_PRACTICE_NAME, tier: opts.tier ?? 'pro', sipDomain: defaultSipDomain(rt.config) });
  } else if (opts.tier && opts.tier !== practice.tier) {
    practice = await updatePractice(db, practice.id, { tier: opts.tier }, CLI_ACTOR);
  }

  const practiceId = practice.id;
  const derive: Derive = (label, length) => rt.vault.deriveSecret(practiceId, `demo:${label}`, length);
  const adminPassword = await deriveSecret(derive, 'admin-password');
  // Owners must use two-factor sign-in; the demo admin is enrolled with the secret it prints, when it is made:
  // a rerun after `sotto user mfa-reset` (a lost phone) must not enrol the printed secret again.
  const totpSecret = await derive('admin-totp', 20);
  const totpBox = createTotpSecretBox(mk);
  let admin = await findUserByEmail(db, practice.id, DEMO_ADMIN.email);
  if (!admin) {
    admin = (await addUser(db, practice.id, { ...DEMO_ADMIN, role: 'owner', passwordHash: await createPasswordHasher().hash(adminPassword) }, CLI_ACTOR)).user;
    await enrolTotpIfAbsent(db, practice.id, admin.id, totpBox.seal(admin.id, totpSecret), CLI_ACTOR);
  }

  const extensions: DemoOutput['extensions'] = [];
  for (const u of DEMO_USERS) {
    const pin = await derivePin(derive, `pin:${u.extension}`);
    let user = await findUserByEmail(db, practice.id, u.email);
    if (!user) user = (await addUser(db, practice.id, u, CLI_ACTOR, pin)).user;
    const sipPassword = await deriveSecret(derive, `sip:${u.extension}`);
    let device = (await listDevices(db, practice.id, user.id)).find((d) => d.sipUsername === u.extension);
    if (!device) device = (await addDevice(db, practice.id, user.id, { kind: 'softphone', label: 'Demo softphone', sipUsername: u.extension, sipPassword }, CLI_ACTOR)).device;
    extensions.push({
      extension: u.extension,
      userId: user.id,
      sipUsername: device.sipUsername,
      sipPassword: await sipPasswordIfUnchanged(db, practice.sipDomain, device.sipUsername, sipPassword),
      voicemailPin: await pinIfUnchanged(db, practice.id, u.extension, pin),
    });
  }

  for (const ext of await listExtensions(db, practice.id)) {
    if (ext.voicemailBoxId && DEMO_USERS.some((u) => u.extension === ext.number)) await grantVoicemailBox(db, practice.id, ext.voicemailBoxId, admin.id, CLI_ACTOR);
  }

  const apiToken = 'sotto_' + (await derive('api-token', 32)).toString('base64url');
  // A disabled admin gets no new token (USER_DISABLED); a revoked one stays revoked.
  const adminActive = (await getPortalAccount(db, practice.id, admin.id))?.active === true;
  if (adminActive) await registerApiToken(db, practice.id, admin.id, 'owner', 'demo', apiToken, CLI_ACTOR);

  return {
    practice: { id: practice.id, name: practice.name, tier: practice.tier },
    admin: {
      email: DEMO_ADMIN.email,
      password: await passwordIfUnchanged(db, practice.id, admin.id, adminPassword),
      totpSecret: await totpIfUnchanged(db, practice.id, admin.id, totpBox, totpSecret),
    },
    apiToken: adminActive && (await authenticateApiToken(db, apiToken)) ? apiToken : null,
    sip: { domain: practice.sipDomain, udpPort: rt.config.sipPort, tcpPort: rt.config.sipPort, tlsPort: rt.config.sipTlsPort },
    extensions,
  };
}

