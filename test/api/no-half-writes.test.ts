// A refused request changes nothing, however late in its steps it is
// refused. The routes here do the most in one request (a user with an
// extension, voicemail box and settings; a plan change that turns switches
// off; a password reset that ends sessions and revokes tokens; a device; a
// policy change): each is sent a request that passes the schema and fails
// only at its last checks, and every table is compared before and after.
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, CLI_ACTOR, createApiToken, disableUser } from '../../src/directory/index.ts';
import { bearer, createTestApi, type TestApi } from '../support/api.ts';
import { DIALECTS, tableSnapshot } from '../support/db.ts';

describe.each(DIALECTS)('a refused write leaves the database as it was, on %s', (dialect) => {
  let t: TestApi;
  let adminToken: string;
  beforeAll(async () => {
    t = await createTestApi(dialect);
    const { user: admin } = await addUser(t.handle.db, t.practice.id, { email: 'admin@cedar.example', displayName: 'Ada Admin', role: 'admin' }, CLI_ACTOR);
    adminToken = (await createApiToken(t.handle.db, t.practice.id, admin.id, 'admin', 'test', CLI_ACTOR)).token;
  });
  afterAll(() => t.close());

  const snapshot = (): Promise<Record<string, string[]>> => tableSnapshot(t.handle);

  async function refusedWithoutTrace(request: InjectOptions, status: number, code: string): Promise<void> {
    const before = await snapshot();
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['users', 'extensions', 'voicemail_boxes', 'voicemail_settings', 'devices', 'practices', 'practice_policy', 'api_tokens', 'sessions', 'audit_events']));
    const r = await t.app.inject(request);
    expect([r.statusCode, r.json().error?.code], r.body).toEqual([status, code]);
    expect(await snapshot()).toEqual(before);
  }

  it('adding a user whose extension is taken: no user, extension, box, settings or event', async () => {
    // The user row is written before the extension is found taken; the transaction takes it back.
    await refusedWithoutTrace(
      { method: 'POST', url: '/api/v1/users', headers: bearer(t.ownerToken), payload: { email: 'late@cedar.example', displayName: 'Late Comer', role: 'provider', extension: '101' } },
      409,
      'EXTENSION_TAKEN',
    );
    await refusedWithoutTrace(
      { method: 'POST', url: '/api/v1/users', headers: bearer(t.ownerToken), payload: { email: 'DESK@cedar.example', displayName: 'Same Desk', role: 'staff', extension: '150' } },
      409,
      'EMAIL_TAKEN',
    );
  });

  it('a plan change and a rename together by an admin: neither happens', async () => {
    await refusedWithoutTrace({ method: 'PATCH', url: '/api/v1/practice', headers: bearer(adminToken), payload: { name: 'Renamed Clinic', tier: 'essentials' } }, 403, 'FORBIDDEN');
  });

  it('a policy change with one retention under the floor: no switch moves, nothing is recorded', async () => {
    await refusedWithoutTrace(
      { method: 'PATCH', url: '/api/v1/policy', headers: bearer(t.ownerToken), payload: { texting: true, callRecording: true, retention: { voicemailDays: 30, auditDays: 365 } } },
      400,
      'RETENTION_TOO_SHORT',
    );
  });

  it("a password reset for a disabled user: no hash, no session or token touched, no event", async () => {
    const { user } = await addUser(t.handle.db, t.practice.id, { email: 'gone@cedar.example', displayName: 'Gone Away', role: 'staff' }, CLI_ACTOR);
    await disableUser(t.handle.db, t.practice.id, user.id, CLI_ACTOR);
    // The new password is made and hashed before the store finds the user disabled.
    await refusedWithoutTrace({ method: 'POST', url: `/api/v1/users/${user.id}/password`, headers: bearer(t.ownerToken) }, 409, 'USER_DISABLED');
    await refusedWithoutTrace({ method: 'POST', url: `/api/v1/users/${t.owner.id}/password`, headers: bearer(adminToken) }, 403, 'FORBIDDEN');
  });

  it('a device whose SIP username is taken, and voicemail switches one of which the policy forbids', async () => {
    const first = await t.app.inject({ method: 'POST', url: `/api/v1/users/${t.staff.id}/devices`, headers: bearer(t.ownerToken), payload: { kind: 'softphone', sipUsername: 'desk-soft' } });
    expect(first.statusCode).toBe(201);
    await refusedWithoutTrace({ method: 'POST', url: `/api/v1/users/${t.staff.id}/devices`, headers: bearer(t.ownerToken), payload: { kind: 'desk_phone', sipUsername: 'desk-soft' } }, 409, 'SIP_USERNAME_TAKEN');
    await refusedWithoutTrace(
      { method: 'PATCH', url: `/api/v1/users/${t.staff.id}/voicemail-settings`, headers: bearer(t.ownerToken), payload: { emailNotifications: false, attachAudio: true } },
      403,
      'FEATURE_OFF_BY_POLICY',
    );
  });
});
