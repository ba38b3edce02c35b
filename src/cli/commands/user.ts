import {
  addDevice,
  addUser,
  CLI_ACTOR,
  DEVICE_KINDS,
  disableUser,
  enableUser,
  findUserByEmail,
  getUser,
  isRole,
  listUsers,
  type DeviceKind,
  type User,
} from '../../directory/index.ts';
import type { Runtime } from '../../app/runtime.ts';
import { KyselyLocationStore } from '../../pbx/registrar/location-store.ts';
import { selectPractice, withRuntime } from '../context.ts';
import { CliError, usageError, printJson, printLines, table } from '../output.ts';

export async function resolveUser(rt: Runtime, practiceId: string, ref: string): Promise<User> {
  const user = ref.includes('@') ? await findUserByEmail(rt.database.db, practiceId, ref) : await getUser(rt.database.db, practiceId, ref).catch(() => undefined);
  if (!user) throw new CliError('USER_NOT_FOUND', 'no such user');
  return user;
}

export async function userAddCommand(o: { email?: string; name?: string; role?: string; extension?: string; device?: string; practice?: string; json?: boolean }): Promise<number> {
  if (!o.email || !o.name) throw usageError('MISSING_ARGUMENT', 'usage: sotto user add --email EMAIL --name "NAME" [--role staff] [--extension 104] [--device softphone]');
  const role = o.role ?? 'staff';
  if (!isRole(role)) throw usageError('INVALID_ROLE', '--role must be owner, admin, provider or staff');
  if (o.device !== undefined && !(DEVICE_KINDS as readonly string[]).includes(o.device)) throw usageError('INVALID_DEVICE', `--device must be one of ${DEVICE_KINDS.join(', ')}`);
  if (o.device !== undefined && o.extension === undefined) throw usageError('MISSING_ARGUMENT', '--device needs --extension');
  const out = await withRuntime(async (rt) => {
    const practice = await selectPractice(rt, o.practice);
    const added = await addUser(rt.database.db, practice.id, { email: o.email!, displayName: o.name!, role, ...(o.extension ? { extension: o.extension } : {}) }, CLI_ACTOR);
    const device = o.device ? await addDevice(rt.database.db, practice.id, added.user.id, { kind: o.device as DeviceKind }, CLI_ACTOR) : undefined;
    return {
      user: { id: added.user.id, email: added.user.email, displayName: added.user.displayName, role: added.user.role, extension: added.user.extension },
      voicemailPin: added.voicemailPin,
      // Where the phone registers, as the API's device answer says (sip.ports): the configured ports of the server.
      device: device ? { id: device.device.id, sipUsername: device.device.sipUsername, sipPassword: device.sipPassword, domain: practice.sipDomain, ports: { udp: rt.config.sipPort, tcp: rt.config.sipPort, tls: rt.config.sipTlsPort } } : null,
    };
  });
  if (o.json) printJson(out);
  else {
    printLines([
      `User ${out.user.id} added${out.user.extension ? ` on extension ${out.user.extension}` : ''}.`,
      ...(out.voicemailPin ? [`Voicemail PIN (shown once): ${out.voicemailPin}`] : []),
      ...(out.device
        ? [`SIP device: user ${out.device.sipUsername}, password (shown once) ${out.device.sipPassword}, domain ${out.device.domain}, port ${out.device.ports.udp} (UDP, TCP) or ${out.device.ports.tls} (TLS)`]
        : []),
    ]);
  }
  return 0;
}

export async function userListCommand(o: { practice?: string; json?: boolean }): Promise<number> {
  const users = await withRuntime(async (rt) => listUsers(rt.database.db, (await selectPractice(rt, o.practice)).id));
  const items = users.map((u) => ({ id: u.id, email: u.email, displayName: u.displayName, role: u.role, status: u.status, extension: u.extension }));
  if (o.json) printJson({ items });
  else printLines(table([['ID', 'EXT', 'ROLE', 'STATUS', 'EMAIL', 'NAME'], ...items.map((u) => [u.id, u.extension ?? '-', u.role, u.status, u.email, u.displayName])]));
  return 0;
}

export async function userDisableCommand(ref: string | undefined, o: { practice?: string; json?: boolean }): Promise<number> {
  if (!ref) throw usageError('MISSING_ARGUMENT', 'usage: sotto user disable <user id or email>');
  const out = await withRuntime(async (rt) => {
    const practice = await selectPractice(rt, o.practice);
    const user = await resolveUser(rt, practice.id, ref);
    const { disabledDeviceIds, alreadyDisabled } = await disableUser(rt.database.db, practice.id, user.id, CLI_ACTOR);
    // Registrations end now, not at their expiry (a running server refuses the next REGISTER too).
    const bindings = new KyselyLocationStore(rt.database.db);
    for (const id of disabledDeviceIds) await bindings.removeDevice(id);
    return { user: { id: user.id, status: 'disabled' }, disabledDevices: disabledDeviceIds, alreadyDisabled };
  });
  if (o.json) printJson(out);
  else if (out.alreadyDisabled) printLines([`User ${out.user.id} was already disabled; nothing changed.`]);
  else printLines([`User ${out.user.id} disabled; API tokens revoked; ${out.disabledDevices.length} SIP device(s) disabled.`]);
  return 0;
}

export async function userEnableCommand(ref: string | undefined, o: { practice?: string; json?: boolean }): Promise<number> {
  if (!ref) throw usageError('MISSING_ARGUMENT', 'usage: sotto user enable <user id or email>');
  const out = await withRuntime(async (rt) => {
    const practice = await selectPractice(rt, o.practice);
    const user = await resolveUser(rt, practice.id, ref);
    const { alreadyActive } = await enableUser(rt.database.db, practice.id, user.id, CLI_ACTOR);
    return { user: { id: user.id, status: 'active' }, alreadyActive };
  });
  if (o.json) printJson(out);
  else if (out.alreadyActive) printLines([`User ${out.user.id} was already active; nothing changed.`]);
  else printLines([`User ${out.user.id} enabled: they can sign in with their password again. Their API tokens stay revoked and their SIP devices disabled: add new ones.`]);
  return 0;
}
