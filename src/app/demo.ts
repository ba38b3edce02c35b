// `sotto demo`: a demo practice, seeded idempotently. Its secrets are derived
// from the practice's vault data key (HKDF), so a second run prints the same
// credentials without any plain secret being stored; only hashes and HA1
// values are (and the admin's TOTP secret, sealed under the master key).
// Data keys survive `sotto keys rotate` (re-wrapped, not replaced), so the
// printed credentials keep working after a rotation.
import type { Kysely } from 'kysely';
import { base32Encode, createPasswordHasher, createTotpSecretBox } from '../auth/index.ts';
import type { Database } from '../db/index.ts';
import {
  addDevice,
  addUser,
  CLI_ACTOR,
  createPractice,
  enrolTotpIfAbsent,
  findUserByEmail,
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
import { findBoxByExtension, setPin } from '../voicemail/mailbox/index.ts';
import { defaultSipDomain } from './config.ts';
import type { Runtime } from './runtime.ts';

export const DEMO_PRACTICE_NAME = 'Sotto Demo Practice';

const DEMO_USERS: Array<{ extension: string; email: string; displayName: string; role: Role }> = [
  { extension: '101', email: 'front.desk@demo.sotto.invalid', displayName: 'Front Desk', role: 'staff' },
  { extension: '102', email: 'dr.rivera@demo.sotto.invalid', displayName: 'Dr. Rivera', role: 'provider' },
  { extension: '103', email: 'billing@demo.sotto.invalid', displayName: 'Billing Office', role: 'staff' },
];

const DEMO_ADMIN = { email: 'admin@demo.sotto.invalid', displayName: 'Demo Admin' };

export interface DemoOutput {
  practice: { id: string; name: string; tier: Tier };
  admin: { email: string; password: string; totpSecret: string };
  apiToken: string;
  sip: { domain: string; udpPort: number; tcpPort: number; tlsPort: number };
  extensions: Array<{ extension: string; userId: string; sipUsername: string; sipPassword: string; voicemailPin: string }>;
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
 * The demo prints each box's PIN, so it must be the one that works: a PIN
 * changed by phone or CLI since the last run is set back (audited). The
 * hash is compared directly, so the check never counts toward a PIN lockout.
 */
async function restoreDemoPin(db: Kysely<Database>, practiceId: string, extension: string, pin: string): Promise<void> {
  const box = await findBoxByExtension(db, practiceId, extension);
  if (!box) return;
  const row = await db.selectFrom('voicemail_boxes').select('pin_hash').where('id', '=', box.id).executeTakeFirst();
  if (row?.pin_hash && (await verifyPin(row.pin_hash, pin).catch(() => false))) return;
  await setPin(db, box.id, pin, CLI_ACTOR).catch(() => {});
}

async function findDemoPractice(db: Kysely<Database>): Promise<Practice | undefined> {
  return (await listPractices(db)).find((p) => p.name === DEMO_PRACTICE_NAME);
}

/** The demo refused (a stable code, printed by the CLI). */
export class DemoError extends Error {
  readonly code = 'DEMO_BESIDE_PRACTICE';
  constructor(message: string) {
    super(message);
    this.name = 'DemoError';
  }
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
  let admin = await findUserByEmail(db, practice.id, DEMO_ADMIN.email);
  if (!admin) {
    admin = (await addUser(db, practice.id, { ...DEMO_ADMIN, role: 'owner', passwordHash: await createPasswordHasher().hash(adminPassword) }, CLI_ACTOR)).user;
  }
  // Owners must use two-factor sign-in; the demo admin is enrolled with the secret it prints.
  const totpSecret = await derive('admin-totp', 20);
  await enrolTotpIfAbsent(db, practice.id, admin.id, createTotpSecretBox(mk).seal(admin.id, totpSecret), CLI_ACTOR);

  const extensions: DemoOutput['extensions'] = [];
  for (const u of DEMO_USERS) {
    const pin = await derivePin(derive, `pin:${u.extension}`);
    let user = await findUserByEmail(db, practice.id, u.email);
    if (!user) user = (await addUser(db, practice.id, u, CLI_ACTOR, pin)).user;
    const sipPassword = await deriveSecret(derive, `sip:${u.extension}`);
    let device = (await listDevices(db, practice.id, user.id)).find((d) => d.sipUsername === u.extension);
    if (!device) device = (await addDevice(db, practice.id, user.id, { kind: 'softphone', label: 'Demo softphone', sipUsername: u.extension, sipPassword }, CLI_ACTOR)).device;
    await restoreDemoPin(db, practice.id, u.extension, pin);
    extensions.push({ extension: u.extension, userId: user.id, sipUsername: device.sipUsername, sipPassword, voicemailPin: pin });
  }

  for (const ext of await listExtensions(db, practice.id)) {
    if (ext.voicemailBoxId && DEMO_USERS.some((u) => u.extension === ext.number)) await grantVoicemailBox(db, practice.id, ext.voicemailBoxId, admin.id, CLI_ACTOR);
  }

  const apiToken = 'sotto_' + (await derive('api-token', 32)).toString('base64url');
  await registerApiToken(db, practice.id, admin.id, 'owner', 'demo', apiToken, CLI_ACTOR);

  return {
    practice: { id: practice.id, name: practice.name, tier: practice.tier },
    admin: { email: DEMO_ADMIN.email, password: adminPassword, totpSecret: base32Encode(totpSecret) },
    apiToken,
    sip: { domain: practice.sipDomain, udpPort: rt.config.sipPort, tcpPort: rt.config.sipPort, tlsPort: rt.config.sipTlsPort },
    extensions,
  };
}

