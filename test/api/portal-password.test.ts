// A user added by an admin (portal, API or `sotto user add`) has no portal
// password, and there is no self-service reset: without an admin handing
// out one, no provider or receptionist could ever open the voicemail inbox
// the notice emails link to. POST /users/{id}/password gives a new one,
// shown once, and ends the sessions opened with the old one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApi, type TestApi } from '../support/api.ts';
import { DIALECTS } from '../support/db.ts';
import { asPortal, sessionFrom, signIn } from '../support/portal.ts';
import { CLI_ACTOR, createApiToken } from '../../src/directory/index.ts';

describe.each(DIALECTS)('an admin gives a user a portal password on %s', (dialect) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi(dialect);
  });
  afterAll(() => t.close());

  async function addStaff(email: string, extension: string): Promise<string> {
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(t.ownerToken), payload: { email, displayName: 'Front Desk', role: 'staff', extension } });
    expect(r.statusCode, r.body).toBe(201);
    return r.json().user.id;
  }

  it('lets a user added through the API sign in with the password shown once, and a new one ends the old sessions', async () => {
    const email = 'reception-a@cedar.example';
    const userId = await addStaff(email, '150');

    const first = await t.app.inject({ method: 'POST', url: `/api/v1/users/${userId}/password`, headers: bearer(t.ownerToken) });
    expect(first.statusCode, first.body).toBe(200);
    const { password } = first.json();
    expect(password).toMatch(/^[A-Za-z2-9]{20}$/);

    const signedIn = await signIn(t.app, email, password);
    expect(signedIn.statusCode, signedIn.body).toBe(200);
    expect(signedIn.json().stage).toBe('active');
    const session = sessionFrom(signedIn);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/voicemails', headers: asPortal(session) })).statusCode).toBe(200);

    const second = await t.app.inject({ method: 'POST', url: `/api/v1/users/${userId}/password`, headers: bearer(t.ownerToken) });
    expect(second.json()).toMatchObject({ endedSessions: 1 });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/session', headers: asPortal(session) })).statusCode).toBe(401);
    expect((await signIn(t.app, email, password)).statusCode).toBe(401);
    expect((await signIn(t.app, email, second.json().password)).statusCode).toBe(200);

    const events = await t.handle.db.selectFrom('audit_events').select(['action', 'actor_id']).where('object_id', '=', userId).where('action', '=', 'auth.password_change').execute();
    expect(events).toEqual([
      { action: 'auth.password_change', actor_id: t.owner.id },
      { action: 'auth.password_change', actor_id: t.owner.id },
    ]);
  });

  it('is for admins only, never shows a staff member another password, and refuses a disabled user', async () => {
    const userId = await addStaff('reception-b@cedar.example', '151');
    const asStaff = await t.app.inject({ method: 'POST', url: `/api/v1/users/${userId}/password`, headers: bearer(t.staffToken) });
    expect(asStaff.statusCode).toBe(403);
    expect(asStaff.body).not.toContain('password"');
    await t.app.inject({ method: 'POST', url: `/api/v1/users/${userId}/disable`, headers: bearer(t.ownerToken) });
    const disabled = await t.app.inject({ method: 'POST', url: `/api/v1/users/${userId}/password`, headers: bearer(t.ownerToken) });
    expect(disabled.statusCode).toBe(409);
    expect(disabled.json().error.code).toBe('USER_DISABLED');
  });

  it("revokes the user's API tokens, and lets only an owner reset an admin", async () => {
    const staffId = await addStaff('reception-c@cedar.example', '152');
    const staffToken = (await createApiToken(t.handle.db, t.practice.id, staffId, 'staff', 'integration', CLI_ACTOR)).token;
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/voicemails', headers: bearer(staffToken) })).statusCode).toBe(200);
    const reset = await t.app.inject({ method: 'POST', url: `/api/v1/users/${staffId}/password`, headers: bearer(t.ownerToken) });
    expect(reset.json()).toMatchObject({ revokedTokens: 1 });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/voicemails', headers: bearer(staffToken) })).statusCode).toBe(401);

    const admin = async (email: string, extension: string) => {
      const r = await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(t.ownerToken), payload: { email, displayName: 'Office Manager', role: 'admin', extension } });
      expect(r.statusCode, r.body).toBe(201);
      return r.json().user.id as string;
    };
    const first = await admin('manager-a@cedar.example', '153');
    const second = await admin('manager-b@cedar.example', '154');
    const firstToken = (await createApiToken(t.handle.db, t.practice.id, first, 'admin', 'test', CLI_ACTOR)).token;
    const byAdmin = await t.app.inject({ method: 'POST', url: `/api/v1/users/${second}/password`, headers: bearer(firstToken) });
    expect(byAdmin.statusCode).toBe(403);
    expect(byAdmin.json()).toEqual({ error: expect.objectContaining({ code: 'FORBIDDEN' }) });
    expect((await t.app.inject({ method: 'POST', url: `/api/v1/users/${second}/password`, headers: bearer(t.ownerToken) })).statusCode).toBe(200);
  });
});
