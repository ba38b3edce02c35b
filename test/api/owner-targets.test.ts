// Only an owner may act on an owner: an admin cannot change an owner's role
// or name, reset an owner's password, or disable an owner (which ends the
// owner's sessions, tokens and devices at once). The refusal is a 403
// FORBIDDEN that changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, CLI_ACTOR, createApiToken, type User } from '../../src/directory/index.ts';
import { bearer, createTestApi, type TestApi } from '../support/api.ts';
import { DIALECTS, tableSnapshot } from '../support/db.ts';

describe.each(DIALECTS)('an owner as the target, on %s', (dialect) => {
  let t: TestApi;
  let adminToken: string;
  let coOwner: User;
  beforeAll(async () => {
    t = await createTestApi(dialect);
    const { user: admin } = await addUser(t.handle.db, t.practice.id, { email: 'admin@cedar.example', displayName: 'Ada Admin', role: 'admin' }, CLI_ACTOR);
    adminToken = (await createApiToken(t.handle.db, t.practice.id, admin.id, 'admin', 'test', CLI_ACTOR)).token;
    ({ user: coOwner } = await addUser(t.handle.db, t.practice.id, { email: 'co@cedar.example', displayName: 'Cora Owner', role: 'owner' }, CLI_ACTOR));
  });
  afterAll(() => t.close());

  it('an admin cannot disable an owner: 403 FORBIDDEN, nothing written, no registration dropped', async () => {
    const before = await tableSnapshot(t.handle);
    for (const id of [t.owner.id, coOwner.id]) {
      const r = await t.app.inject({ method: 'POST', url: `/api/v1/users/${id}/disable`, headers: bearer(adminToken) });
      expect([r.statusCode, r.json().error.code], r.body).toEqual([403, 'FORBIDDEN']);
    }
    expect(await tableSnapshot(t.handle)).toEqual(before);
    expect(t.disabledUsers).toEqual([]);
    // The owner's token still works.
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/practice', headers: bearer(t.ownerToken) })).statusCode).toBe(200);
  });

  it('refuses the same way as the PATCH and the password reset of an owner', async () => {
    const patch = await t.app.inject({ method: 'PATCH', url: `/api/v1/users/${coOwner.id}`, headers: bearer(adminToken), payload: { displayName: 'Renamed' } });
    const reset = await t.app.inject({ method: 'POST', url: `/api/v1/users/${coOwner.id}/password`, headers: bearer(adminToken) });
    const disable = await t.app.inject({ method: 'POST', url: `/api/v1/users/${coOwner.id}/disable`, headers: bearer(adminToken) });
    expect([patch, reset, disable].map((r) => [r.statusCode, r.json().error.code])).toEqual([
      [403, 'FORBIDDEN'],
      [403, 'FORBIDDEN'],
      [403, 'FORBIDDEN'],
    ]);
  });

  it('an admin still disables staff, and an owner disables another owner', async () => {
    const { user: temp } = await addUser(t.handle.db, t.practice.id, { email: 'temp@cedar.example', displayName: 'Tess Temp', role: 'staff' }, CLI_ACTOR);
    const staff = await t.app.inject({ method: 'POST', url: `/api/v1/users/${temp.id}/disable`, headers: bearer(adminToken) });
    expect([staff.statusCode, staff.json().status]).toEqual([200, 'disabled']);
    const owner = await t.app.inject({ method: 'POST', url: `/api/v1/users/${coOwner.id}/disable`, headers: bearer(t.ownerToken) });
    expect([owner.statusCode, owner.json().status]).toEqual([200, 'disabled']);
  });

  it('an unknown user is still a 404 for an admin', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/users/00000000-0000-7000-8000-000000000000/disable', headers: bearer(adminToken) });
    expect([r.statusCode, r.json().error.code]).toEqual([404, 'NOT_FOUND']);
  });
});
