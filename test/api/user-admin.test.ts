// What an admin does to people from the portal, through the API: change a
// user's name, email, role and extension (all or nothing, every refusal a
// stable code that changed nothing), enable a disabled user again, and see
// whether each of a user's phones is registered right now.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDevice, addUser, CLI_ACTOR, createApiToken, type User } from '../../src/directory/index.ts';
import type { DeviceRegistration } from '../../src/api/server.ts';
import type { SecurityJob } from '../../src/notify/index.ts';
import { bearer, createTestApi, type TestApi } from '../support/api.ts';
import { DIALECTS, tableSnapshot } from '../support/db.ts';
import { signIn } from '../support/portal.ts';

describe.each(DIALECTS)('user administration, on %s', (dialect) => {
  let t: TestApi;
  let admin: User;
  let adminToken: string;
  const renumbered: string[][] = [];
  const bindings = new Map<string, DeviceRegistration[]>();
  const notices: SecurityJob[] = [];
  beforeAll(async () => {
    t = await createTestApi(dialect, 'pro', {
      securityNotice: async (job) => notices.push(job),
      onDevicesRenumbered: (ids) => renumbered.push(ids),
      registrations: (practiceId, extension) => bindings.get(`${practiceId}:${extension}`) ?? [],
    });
    ({ user: admin } = await addUser(t.handle.db, t.practice.id, { email: 'admin@cedar.example', displayName: 'Ada Admin', role: 'admin' }, CLI_ACTOR));
    adminToken = (await createApiToken(t.handle.db, t.practice.id, admin.id, 'admin', 'test', CLI_ACTOR)).token;
  });
  afterAll(() => t.close());

  const patch = (id: string, payload: unknown, token = adminToken) => t.app.inject({ method: 'PATCH', url: `/api/v1/users/${id}`, headers: bearer(token), payload: payload as Record<string, unknown> });
  const events = (action: string, id: string) =>
    t.handle.db.selectFrom('audit_events').select(['details', 'actor_id']).where('action', '=', action).where('object_id', '=', id).orderBy('seq').execute();

  it("changes name, email and extension at once; the box and devices follow the number, the old number's registrations end", async () => {
    const { user } = await addUser(t.handle.db, t.practice.id, { email: 'nina@cedar.example', displayName: 'Nina Nurse', role: 'staff', extension: '121' }, CLI_ACTOR);
    const { device } = await addDevice(t.handle.db, t.practice.id, user.id, { kind: 'desk_phone' }, CLI_ACTOR);
    const r = await patch(user.id, { displayName: 'Nina Reyes', email: 'Nina.Reyes@cedar.example', extension: '122' });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ id: user.id, displayName: 'Nina Reyes', email: 'nina.reyes@cedar.example', extension: '122', role: 'staff' });
    expect(r.json()).not.toHaveProperty('voicemailPin');
    expect(renumbered).toEqual([[device.id]]);
    const box = await t.handle.db
      .selectFrom('voicemail_boxes')
      .innerJoin('extensions', 'extensions.id', 'voicemail_boxes.extension_id')
      .select('extensions.number')
      .where('voicemail_boxes.owner_user_id', '=', user.id)
      .execute();
    expect(box).toEqual([{ number: '122' }]);
    const devices = await t.app.inject({ method: 'GET', url: `/api/v1/users/${user.id}/devices`, headers: bearer(adminToken) });
    expect(devices.json().items.map((d: { extension: string }) => d.extension)).toEqual(['122']);
    const [event] = await events('user.update', user.id);
    expect(event?.actor_id).toBe(admin.id);
    expect(JSON.parse(String(event?.details))).toEqual({ renamed: true, emailChanged: true, before: { role: 'staff', extension: '121' }, after: { role: 'staff', extension: '122' } });
    // Neither the old nor the new email or name reaches the log.
    for (const text of ['nina@cedar', 'nina.reyes@', 'Nina Reyes', 'Nina Nurse']) expect(t.logText()).not.toContain(text);
  });

  it("tells an email change to the address it replaced; another admin's or an owner's email is an owner's to change (review finding)", async () => {
    // The email is where sign-in notices and, by policy, voicemail with its audio go: a silent change would send them elsewhere.
    const { user: other } = await addUser(t.handle.db, t.practice.id, { email: 'otto@cedar.example', displayName: 'Otto Admin', role: 'admin' }, CLI_ACTOR);
    const before = await tableSnapshot(t.handle);
    const refused = await patch(other.id, { email: 'otto@elsewhere.example' });
    expect([refused.statusCode, refused.json().error.code]).toEqual([403, 'FORBIDDEN']);
    expect((await patch(t.owner.id, { email: 'olive@elsewhere.example' })).statusCode).toBe(403);
    expect(await tableSnapshot(t.handle)).toEqual(before);
    // The admin's name is still theirs to change; an owner changes the email.
    expect((await patch(other.id, { displayName: 'Otto Adams' })).statusCode).toBe(200);
    notices.length = 0;
    const moved = await patch(other.id, { email: 'otto.adams@cedar.example' }, t.ownerToken);
    expect(moved.statusCode, moved.body).toBe(200);
    expect(notices).toEqual([expect.objectContaining({ kind: 'security', userId: other.id, to: 'otto@cedar.example', event: 'email_changed' })]);
    // An admin changes a staff member's, and their own; a change to the same address tells no one.
    const { user: staff } = await addUser(t.handle.db, t.practice.id, { email: 'sam@cedar.example', displayName: 'Sam Staff', role: 'staff' }, CLI_ACTOR);
    expect((await patch(staff.id, { email: 'sam.s@cedar.example' })).statusCode).toBe(200);
    expect((await patch(admin.id, { email: 'ada.admin@cedar.example' })).statusCode).toBe(200);
    expect((await patch(staff.id, { email: 'SAM.S@cedar.example' })).statusCode).toBe(200);
    expect(notices.slice(1).map((n) => [n.userId, n.to])).toEqual([
      [staff.id, 'sam@cedar.example'],
      [admin.id, 'admin@cedar.example'],
    ]);
    await patch(admin.id, { email: 'admin@cedar.example' }, t.ownerToken);
  });

  it('gives a user without an extension their first one, with a voicemail PIN shown once', async () => {
    const { user } = await addUser(t.handle.db, t.practice.id, { email: 'paul@cedar.example', displayName: 'Paul Provider', role: 'provider' }, CLI_ACTOR);
    const r = await patch(user.id, { extension: '131' });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ extension: '131', voicemailPin: expect.stringMatching(/^[0-9]{4,8}$/) });
    const again = await patch(user.id, { extension: '131' });
    expect(again.json()).not.toHaveProperty('voicemailPin');
  });

  it('refuses bad input with stable codes at the field, and writes nothing, not even the fields that were fine', async () => {
    const { user } = await addUser(t.handle.db, t.practice.id, { email: 'rita@cedar.example', displayName: 'Rita Reception', role: 'staff', extension: '141' }, CLI_ACTOR);
    const before = await tableSnapshot(t.handle);
    const cases: Array<[unknown, number, string, string | undefined]> = [
      [{ displayName: 'Rita R', email: 'not-an-email' }, 400, 'VALIDATION_FAILED', 'body/email'],
      [{ displayName: 'Rita R', extension: '12a' }, 400, 'VALIDATION_FAILED', 'body/extension'],
      [{ displayName: 'Rita R', extension: '0141' }, 400, 'VALIDATION_FAILED', 'body/extension'],
      [{ displayName: 'Rita R', extension: '911' }, 400, 'EXTENSION_RESERVED', undefined],
      [{ displayName: 'Rita R', email: 'owner@cedar.example' }, 409, 'EMAIL_TAKEN', undefined],
      [{ displayName: 'Rita R', extension: '101' }, 409, 'EXTENSION_TAKEN', undefined],
      [{ displayName: 'Rita R', role: 'doctor' }, 400, 'VALIDATION_FAILED', 'body/role'],
      [{ displayName: 'Rita R', status: 'active' }, 400, 'VALIDATION_FAILED', undefined],
      [{}, 400, 'VALIDATION_FAILED', undefined],
    ];
    for (const [payload, status, code, path] of cases) {
      const r = await patch(user.id, payload);
      expect([r.statusCode, r.json().error.code], `${JSON.stringify(payload)}: ${r.body}`).toEqual([status, code]);
      if (path) expect(r.json().error.details.issues[0].path).toBe(path);
    }
    expect((await patch(user.id, { email: 'owner@cedar.example' })).json().error.details).toEqual({ field: 'email' });
    expect((await patch(user.id, { extension: '101' })).json().error.details).toEqual({ field: 'extension' });
    expect(await tableSnapshot(t.handle)).toEqual(before);
    expect(renumbered.flat()).not.toContain(user.id);
  });

  it('keeps the role rules: an admin cannot make an owner; staff cannot change anyone, themselves included', async () => {
    const before = await tableSnapshot(t.handle);
    const owner = await patch(t.staff.id, { role: 'owner' });
    expect([owner.statusCode, owner.json().error.code]).toEqual([403, 'FORBIDDEN']);
    for (const [id, body] of [
      [t.staff.id, { displayName: 'Me' }],
      [t.staff.id, { extension: '199' }],
      [admin.id, { role: 'staff' }],
    ] as const) {
      const r = await patch(id, body, t.staffToken);
      expect([r.statusCode, r.json().error.code]).toEqual([403, 'FORBIDDEN']);
    }
    const enable = await t.app.inject({ method: 'POST', url: `/api/v1/users/${admin.id}/enable`, headers: bearer(t.staffToken) });
    expect([enable.statusCode, enable.json().error.code]).toEqual([403, 'FORBIDDEN']);
    expect(await tableSnapshot(t.handle)).toEqual(before);
  });

  it('enables a disabled user: they sign in again with their password; their devices stay disabled; a repeat records nothing', async () => {
    const { user } = await addUser(t.handle.db, t.practice.id, { email: 'sam@cedar.example', displayName: 'Sam Staff', role: 'staff', extension: '151' }, CLI_ACTOR);
    await addDevice(t.handle.db, t.practice.id, user.id, { kind: 'softphone' }, CLI_ACTOR);
    const password = (await t.app.inject({ method: 'POST', url: `/api/v1/users/${user.id}/password`, headers: bearer(adminToken) })).json().password as string;
    expect((await signIn(t.app, 'sam@cedar.example', password)).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: `/api/v1/users/${user.id}/disable`, headers: bearer(adminToken) })).statusCode).toBe(200);
    const refused = await signIn(t.app, 'sam@cedar.example', password);
    expect([refused.statusCode, refused.json().error.code]).toEqual([401, 'INVALID_CREDENTIALS']);

    const r = await t.app.inject({ method: 'POST', url: `/api/v1/users/${user.id}/enable`, headers: bearer(adminToken) });
    expect([r.statusCode, r.json().status]).toEqual([200, 'active']);
    expect((await signIn(t.app, 'sam@cedar.example', password)).statusCode).toBe(200);
    const devices = await t.app.inject({ method: 'GET', url: `/api/v1/users/${user.id}/devices`, headers: bearer(adminToken) });
    expect(devices.json().items.map((d: { status: string }) => d.status)).toEqual(['disabled']);
    expect((await t.app.inject({ method: 'POST', url: `/api/v1/users/${user.id}/enable`, headers: bearer(adminToken) })).statusCode).toBe(200);
    const recorded = await events('user.reactivate', user.id);
    expect(recorded.map((e) => e.actor_id)).toEqual([admin.id]);
  });

  it('an admin cannot enable an owner (owners can); an unknown user is a 404', async () => {
    const { user: co } = await addUser(t.handle.db, t.practice.id, { email: 'co@cedar.example', displayName: 'Cora Owner', role: 'owner' }, CLI_ACTOR);
    expect((await t.app.inject({ method: 'POST', url: `/api/v1/users/${co.id}/disable`, headers: bearer(t.ownerToken) })).statusCode).toBe(200);
    const before = await tableSnapshot(t.handle);
    const byAdmin = await t.app.inject({ method: 'POST', url: `/api/v1/users/${co.id}/enable`, headers: bearer(adminToken) });
    expect([byAdmin.statusCode, byAdmin.json().error.code]).toEqual([403, 'FORBIDDEN']);
    expect(await tableSnapshot(t.handle)).toEqual(before);
    const byOwner = await t.app.inject({ method: 'POST', url: `/api/v1/users/${co.id}/enable`, headers: bearer(t.ownerToken) });
    expect([byOwner.statusCode, byOwner.json().status]).toEqual([200, 'active']);
    const unknown = await t.app.inject({ method: 'POST', url: '/api/v1/users/00000000-0000-7000-8000-000000000000/enable', headers: bearer(adminToken) });
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'NOT_FOUND']);
  });

  it("says whether each phone is registered now; the address it registered from is shown to admins only", async () => {
    const { device: desk } = await addDevice(t.handle.db, t.practice.id, t.staff.id, { kind: 'desk_phone', label: 'Front desk' }, CLI_ACTOR);
    const { device: soft } = await addDevice(t.handle.db, t.practice.id, t.staff.id, { kind: 'softphone' }, CLI_ACTOR);
    const now = t.clock.now();
    bindings.set(`${t.practice.id}:101`, [
      { deviceId: desk.id, expiresAt: now + 3_600_000, source: { transport: 'udp', address: '192.0.2.44', port: 5062 }, userAgent: 'Yealink SIP-T46U 108.86' },
      // Expired and not yet purged: not a registration.
      { deviceId: soft.id, expiresAt: now - 1, source: { transport: 'tls', address: '2001:db8::5', port: 5061 }, userAgent: null },
    ]);
    const asAdmin = (await t.app.inject({ method: 'GET', url: `/api/v1/users/${t.staff.id}/devices`, headers: bearer(adminToken) })).json();
    const byId = (body: { items: Array<{ id: string; registration: unknown }> }, id: string) => body.items.find((d) => d.id === id)?.registration;
    expect(byId(asAdmin, desk.id)).toEqual({
      registered: true,
      contacts: [{ transport: 'UDP', userAgent: 'Yealink SIP-T46U 108.86', expiresAt: new Date(now + 3_600_000).toISOString(), address: '192.0.2.44:5062' }],
    });
    expect(byId(asAdmin, soft.id)).toEqual({ registered: false, contacts: [] });
    const asSelf = (await t.app.inject({ method: 'GET', url: `/api/v1/users/${t.staff.id}/devices`, headers: bearer(t.staffToken) })).json();
    expect(byId(asSelf, desk.id)).toEqual({ registered: true, contacts: [{ transport: 'UDP', userAgent: 'Yealink SIP-T46U 108.86', expiresAt: new Date(now + 3_600_000).toISOString() }] });
    const other = await t.app.inject({ method: 'GET', url: `/api/v1/users/${admin.id}/devices`, headers: bearer(t.staffToken) });
    expect([other.statusCode, other.json().error.code]).toEqual([403, 'FORBIDDEN']);
    expect(t.logText()).not.toContain('192.0.2.44');
  });
});

describe('device registration without SIP running', () => {
  it('is null (unknown), not "not registered"', async () => {
    const t = await createTestApi('sqlite');
    try {
      await addDevice(t.handle.db, t.practice.id, t.staff.id, { kind: 'desk_phone' }, CLI_ACTOR);
      const r = await t.app.inject({ method: 'GET', url: `/api/v1/users/${t.staff.id}/devices`, headers: bearer(t.ownerToken) });
      expect(r.json().items.map((d: { registration: unknown }) => d.registration)).toEqual([null]);
    } finally {
      await t.close();
    }
  });
});
