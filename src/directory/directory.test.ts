import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestDatabase, tableSnapshot } from '../../test/support/db.ts';
import type { DatabaseHandle } from '../db/index.ts';
import { SAFE_DEFAULT_POLICY } from '../policy/index.ts';
import {
  addDevice,
  addUser,
  authenticateApiToken,
  CLI_ACTOR,
  createApiToken,
  createPractice,
  getUser,
  digestHa1,
  disableDevice,
  disableUser,
  findSipCredential,
  getPolicy,
  getVoicemailSettings,
  listFeatureChanges,
  listUsers,
  updatePolicy,
  updateUser,
  updateCallSettings,
  updatePractice,
  updateVoicemailSettings,
  verifyPin,
  type Practice,
} from './index.ts';

describe.each(DIALECTS)('directory on %s', (dialect) => {
  let h: DatabaseHandle;
  let practice: Practice;

  beforeAll(async () => {
    h = await openTestDatabase(dialect);
    practice = await createPractice(h.db, { name: 'Maple Dental', tier: 'pro', sipDomain: `maple-${dialect}.example` });
  });
  afterAll(() => h.close());

  it('starts a practice on the HIPAA-safe default policy, with every switch its plan leaves out off', async () => {
    expect(await getPolicy(h.db, practice.id)).toEqual({ ...SAFE_DEFAULT_POLICY, callQueues: false, meetingRecording: false });
    const essentials = await createPractice(h.db, { name: 'Birch Clinic', tier: 'essentials', sipDomain: `birch-${dialect}.example` });
    expect(await getPolicy(h.db, essentials.id)).toEqual({
      ...SAFE_DEFAULT_POLICY,
      voicemailTranscription: false,
      videoMeetings: false,
      callQueues: false,
      callRecording: false,
      meetingRecording: false,
      emailTranscriptsAllowed: false,
    });
    const plus = await createPractice(h.db, { name: 'Cedar Clinic', tier: 'pro-plus', sipDomain: `cedar-${dialect}.example` });
    expect(await getPolicy(h.db, plus.id)).toEqual(SAFE_DEFAULT_POLICY);
  });

  it('refuses to turn on a switch the plan leaves out (FEATURE_NOT_IN_TIER), writing nothing', async () => {
    const pro = await createPractice(h.db, { name: 'Dogwood Clinic', tier: 'pro', sipDomain: `dogwood-${dialect}.example` });
    const before = await tableSnapshot(h);
    await expect(updatePolicy(h.db, pro.id, { videoMeetings: false, callQueues: true }, CLI_ACTOR)).rejects.toMatchObject({ code: 'FEATURE_NOT_IN_TIER', details: { field: 'callQueues' } });
    expect(await tableSnapshot(h)).toEqual(before);
    // Off is always allowed.
    expect((await updatePolicy(h.db, pro.id, { callQueues: false }, CLI_ACTOR)).callQueues).toBe(false);
  });

  it('an upgrade turns on nothing by itself: a switch left on outside the old plan is turned off, and recorded', async () => {
    const pro = await createPractice(h.db, { name: 'Elm Clinic', tier: 'pro', sipDomain: `elm-${dialect}.example` });
    // As practices created before plans were checked were stored.
    await h.db.updateTable('practice_policy').set({ call_queues: 1 }).where('practice_id', '=', pro.id).execute();
    await updatePractice(h.db, pro.id, { tier: 'pro-plus' }, CLI_ACTOR);
    expect((await getPolicy(h.db, pro.id)).callQueues).toBe(false);
    const changes = await h.db.selectFrom('feature_changes').select(['feature', 'old_value', 'new_value']).where('practice_id', '=', pro.id).execute();
    expect(changes.filter((c) => c.feature === 'policy.callQueues').map((c) => [c.old_value, c.new_value])).toEqual([['true', 'false']]);
  });

  it('adds a user with an extension, a hashed PIN and safe voicemail settings', async () => {
    const { user, voicemailPin } = await addUser(h.db, practice.id, { email: 'Front.Desk@maple.example', displayName: 'Front Desk', role: 'staff', extension: '101' }, CLI_ACTOR);
    expect(user).toMatchObject({ email: 'front.desk@maple.example', extension: '101', role: 'staff', status: 'active' });
    expect(voicemailPin).toMatch(/^\d{6}$/);
    const box = await h.db.selectFrom('voicemail_boxes').select('pin_hash').where('owner_user_id', '=', user.id).executeTakeFirstOrThrow();
    expect(box.pin_hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPin(box.pin_hash!, voicemailPin!)).toBe(true);
    const vm = await getVoicemailSettings(h.db, practice.id, user.id);
    expect(vm.settings).toEqual({ emailNotifications: true, attachAudio: false, includeTranscript: false, transcription: true });
  });

  it('refuses a taken email or extension and writes nothing', async () => {
    const before = (await listUsers(h.db, practice.id)).length;
    await expect(addUser(h.db, practice.id, { email: 'front.desk@maple.example', displayName: 'X', role: 'staff', extension: '150' }, CLI_ACTOR)).rejects.toMatchObject({
      code: 'EMAIL_TAKEN',
    });
    await expect(addUser(h.db, practice.id, { email: 'other@maple.example', displayName: 'X', role: 'staff', extension: '101' }, CLI_ACTOR)).rejects.toMatchObject({
      code: 'EXTENSION_TAKEN',
    });
    await expect(addUser(h.db, practice.id, { email: 'e@maple.example', displayName: 'X', role: 'staff', extension: '911' }, CLI_ACTOR)).rejects.toMatchObject({
      code: 'EXTENSION_RESERVED',
    });
    expect((await listUsers(h.db, practice.id)).length).toBe(before);
  });

  it('stores only digest HA1 values for a device, usable for MD5 and SHA-256', async () => {
    const { user } = await addUser(h.db, practice.id, { email: 'dr.lee@maple.example', displayName: 'Dr Lee', role: 'provider', extension: '102' }, CLI_ACTOR);
    const { device, sipPassword } = await addDevice(h.db, practice.id, user.id, { kind: 'desk_phone' }, CLI_ACTOR);
    expect(device.sipUsername).toBe('102');
    expect(sipPassword).toMatch(/^[A-Za-z2-9]{20}$/);
    const row = await h.db.selectFrom('devices').selectAll().where('id', '=', device.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(sipPassword);
    const cred = await findSipCredential(h.db, practice.sipDomain, '102');
    expect(cred?.ha1Md5).toBe(digestHa1('MD5', '102', practice.sipDomain, sipPassword));
    expect(cred?.ha1Sha256).toBe(digestHa1('SHA-256', '102', practice.sipDomain, sipPassword));
    const second = await addDevice(h.db, practice.id, user.id, { kind: 'softphone' }, CLI_ACTOR);
    expect(second.device.sipUsername).toBe('102-2');
  });

  it('refuses a voicemail switch the tier or policy forbids, writing nothing', async () => {
    const essentials = await createPractice(h.db, { name: 'Small Clinic', tier: 'essentials', sipDomain: `small-${dialect}.example` });
    const { user } = await addUser(h.db, essentials.id, { email: 'a@small.example', displayName: 'A', role: 'staff', extension: '201' }, CLI_ACTOR);
    expect((await getVoicemailSettings(h.db, essentials.id, user.id)).settings.transcription).toBe(false);
    await expect(updateVoicemailSettings(h.db, essentials.id, user.id, { emailNotifications: false, transcription: true }, CLI_ACTOR)).rejects.toMatchObject({
      code: 'FEATURE_NOT_IN_TIER',
    });
    await expect(updateVoicemailSettings(h.db, essentials.id, user.id, { attachAudio: true }, CLI_ACTOR)).rejects.toMatchObject({ code: 'FEATURE_OFF_BY_POLICY' });
    expect((await getVoicemailSettings(h.db, essentials.id, user.id)).settings.emailNotifications).toBe(true);
  });

  it('records who turned on a PHI-bearing feature and when', async () => {
    const admin = { type: 'user' as const, id: 'admin-1' };
    await updatePolicy(h.db, practice.id, { emailAttachmentsAllowed: true, retention: { voicemailDays: 30 } }, admin);
    const changes = await listFeatureChanges(h.db, practice.id);
    expect(changes.map((c) => [c.feature, c.oldValue, c.newValue, c.actor.id])).toEqual(
      expect.arrayContaining([
        ['policy.emailAttachmentsAllowed', false, true, 'admin-1'],
        ['policy.retention.voicemailDays', 90, 30, 'admin-1'],
      ]),
    );
    expect(changes[0]!.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    await expect(updatePolicy(h.db, practice.id, { retention: { auditDays: 365 } }, admin)).rejects.toMatchObject({ code: 'RETENTION_TOO_SHORT' });
  });

  it('disabling a user revokes their tokens and devices at once', async () => {
    const { user } = await addUser(h.db, practice.id, { email: 'temp@maple.example', displayName: 'Temp', role: 'staff', extension: '103' }, CLI_ACTOR);
    await addDevice(h.db, practice.id, user.id, { kind: 'softphone' }, CLI_ACTOR);
    const { token } = await createApiToken(h.db, practice.id, user.id, 'staff', 'test', CLI_ACTOR);
    expect(await authenticateApiToken(h.db, token)).toMatchObject({ userId: user.id, role: 'staff' });
    const { disabledDeviceIds } = await disableUser(h.db, practice.id, user.id, CLI_ACTOR);
    expect(disabledDeviceIds).toHaveLength(1);
    expect(await authenticateApiToken(h.db, token)).toBeUndefined();
    expect(await findSipCredential(h.db, practice.sipDomain, '103')).toBeUndefined();
  });

  it('records nothing for a repeat that changes nothing (operator audit finding: a second disable wrote a second event)', async () => {
    const { user } = await addUser(h.db, practice.id, { email: 'twice@maple.example', displayName: 'Twice', role: 'staff', extension: '104' }, CLI_ACTOR);
    const { device } = await addDevice(h.db, practice.id, user.id, { kind: 'desk_phone' }, CLI_ACTOR);
    const events = async (action: string, objectId: string) =>
      (await h.db.selectFrom('audit_events').select('seq').where('chain_key', '=', practice.id).where('action', '=', action).where('object_id', '=', objectId).execute()).length;
    const settings = async () => (await h.db.selectFrom('audit_events').select('seq').where('chain_key', '=', practice.id).where('action', '=', 'settings.update').execute()).length;

    expect(await disableDevice(h.db, practice.id, device.id, CLI_ACTOR)).toMatchObject({ status: 'disabled' });
    expect(await disableDevice(h.db, practice.id, device.id, CLI_ACTOR)).toMatchObject({ status: 'disabled' });
    expect(await events('device.disable', device.id)).toBe(1);

    expect((await disableUser(h.db, practice.id, user.id, CLI_ACTOR)).alreadyDisabled).toBe(false);
    const disabledAt = (await h.db.selectFrom('users').select('disabled_at').where('id', '=', user.id).executeTakeFirstOrThrow()).disabled_at;
    const again = await disableUser(h.db, practice.id, user.id, CLI_ACTOR);
    expect(again).toMatchObject({ alreadyDisabled: true, disabledDeviceIds: [], user: { status: 'disabled' } });
    expect(await events('user.deactivate', user.id)).toBe(1);
    expect((await h.db.selectFrom('users').select('disabled_at').where('id', '=', user.id).executeTakeFirstOrThrow()).disabled_at).toBe(disabledAt);

    const { user: other } = await addUser(h.db, practice.id, { email: 'same@maple.example', displayName: 'Same', role: 'staff', extension: '105' }, CLI_ACTOR);
    await updateUser(h.db, practice.id, other.id, { displayName: 'Same', role: 'staff' }, CLI_ACTOR);
    expect((await events('user.update', other.id)) + (await events('user.role_change', other.id))).toBe(0);
    const before = await settings();
    await updateVoicemailSettings(h.db, practice.id, other.id, (await getVoicemailSettings(h.db, practice.id, other.id)).settings, CLI_ACTOR);
    await updateCallSettings(h.db, practice.id, other.id, { doNotDisturb: false }, CLI_ACTOR);
    await updatePractice(h.db, practice.id, { name: 'Maple Dental', tier: 'pro' }, CLI_ACTOR);
    expect(await settings()).toBe(before);
    // A real change is still recorded.
    await updateCallSettings(h.db, practice.id, other.id, { doNotDisturb: true }, CLI_ACTOR);
    expect(await settings()).toBe(before + 1);
    expect((await getUser(h.db, practice.id, other.id)).status).toBe('active');
  });

  it('caps a token at its user role and keeps one active owner', async () => {
    const { user: owner } = await addUser(h.db, practice.id, { email: 'owner@maple.example', displayName: 'Owner', role: 'owner' }, CLI_ACTOR);
    const { user: staff } = await addUser(h.db, practice.id, { email: 's@maple.example', displayName: 'S', role: 'staff' }, CLI_ACTOR);
    const { token } = await createApiToken(h.db, practice.id, staff.id, 'admin', 'too-strong', CLI_ACTOR);
    expect((await authenticateApiToken(h.db, token))?.role).toBe('staff');
    await expect(updateUser(h.db, practice.id, owner.id, { role: 'admin' }, CLI_ACTOR)).rejects.toMatchObject({ code: 'LAST_OWNER' });
    await expect(disableUser(h.db, practice.id, owner.id, CLI_ACTOR)).rejects.toMatchObject({ code: 'LAST_OWNER' });
  });

  it('writes each change and its audit event together, or neither', async () => {
    const events = async () => (await h.db.selectFrom('audit_events').select(['action', 'actor_type', 'actor_id', 'source_ip']).where('chain_key', '=', practice.id).orderBy('seq').execute());
    const before = (await events()).length;
    const admin = { type: 'user' as const, id: 'admin-2', sourceIp: '192.0.2.44' };
    await updatePolicy(h.db, practice.id, { videoMeetings: false }, admin);
    expect((await events()).at(-1)).toEqual({ action: 'settings.update', actor_type: 'user', actor_id: 'admin-2', source_ip: '192.0.2.44' });
    // An actor id that looks like PHI makes the event unwritable: the command fails whole.
    const users = (await listUsers(h.db, practice.id)).length;
    await expect(
      addUser(h.db, practice.id, { email: 'x9@maple.example', displayName: 'X', role: 'staff', extension: '190' }, { type: 'user', id: 'someone@maple.example' }),
    ).rejects.toMatchObject({ code: 'AUDIT_PHI_SUSPECTED' });
    expect((await listUsers(h.db, practice.id)).length).toBe(users);
    await expect(updatePolicy(h.db, practice.id, { texting: true }, { type: 'user', id: '+15551234567' })).rejects.toMatchObject({ code: 'AUDIT_PHI_SUSPECTED' });
    expect((await getPolicy(h.db, practice.id)).texting).toBe(false);
    expect((await events()).length).toBe(before + 1);
  });
});
