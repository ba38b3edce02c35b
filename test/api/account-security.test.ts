// Two ways back into an account. A user changes their own portal password
// (before this nobody could: the admin's reset refuses one's own account, so
// an owner kept the password they were created with for good), and an admin
// resets the two-step sign-in of someone who lost their phone (before this
// the Account security page promised it and nothing did it, so an admin
// with a lost phone and spent recovery codes was locked out for good).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpAt, totpSecretFromBase32 } from '../../src/auth/index.ts';
import { addUser, CLI_ACTOR, createApiToken, disableUser, getSecondFactor, type Role } from '../../src/directory/index.ts';
import type { SecurityJob } from '../../src/notify/index.ts';
import { bearer, createTestApi, type TestApi } from '../support/api.ts';
import { DIALECTS, tableSnapshot } from '../support/db.ts';
import { asPortal, sessionFrom, signIn, type PortalSession } from '../support/portal.ts';

const PASSWORD = 'a long enough portal passphrase';
const NEW_PASSWORD = 'kettle orchard lantern ninety';

describe.each(DIALECTS)('account security on %s', (dialect) => {
  let t: TestApi;
  let n = 0;
  const notices: SecurityJob[] = [];
  beforeAll(async () => {
    t = await createTestApi(dialect, 'pro', { securityNotice: async (job) => notices.push(job) });
  });
  afterAll(() => t.close());

  async function member(role: Role) {
    const email = `${role}${++n}@cedar.example`;
    const { user } = await addUser(t.handle.db, t.practice.id, { email, displayName: `Pat Member${n}`, role, passwordHash: await t.hasher.hash(PASSWORD) }, CLI_ACTOR);
    const token = (await createApiToken(t.handle.db, t.practice.id, user.id, role, 'test', CLI_ACTOR)).token;
    return { user, email, token };
  }

  async function session(email: string, password = PASSWORD, remoteAddress?: string): Promise<PortalSession> {
    const r = await signIn(t.app, email, password, remoteAddress);
    expect(r.statusCode, r.body).toBe(200);
    return sessionFrom(r);
  }

  const whoAmI = async (s: PortalSession) => (await t.app.inject({ method: 'GET', url: '/api/v1/session', headers: asPortal(s) })).statusCode;
  const changePassword = (s: PortalSession, currentPassword: string, newPassword: string, remoteAddress = '203.0.113.50') =>
    t.app.inject({ method: 'POST', url: '/api/v1/session/password', remoteAddress, headers: asPortal(s), payload: { currentPassword, newPassword } });
  const events = async (userId: string, action: string) =>
    t.handle.db.selectFrom('audit_events').select(['actor_type', 'actor_id', 'outcome', 'details']).where('object_id', '=', userId).where('action', '=', action).orderBy('seq').execute();

  /** Turns on TOTP for the user signed in as `s`: the authenticator's key, and the recovery codes shown once. */
  async function enrol(s: PortalSession): Promise<{ key: Uint8Array; recoveryCodes: string[] }> {
    const start = await t.app.inject({ method: 'POST', url: '/api/v1/session/mfa/enrolment', headers: asPortal(s) });
    const key = totpSecretFromBase32(start.json().secret);
    if (!key.ok) throw new Error('bad secret');
    const done = await t.app.inject({ method: 'POST', url: '/api/v1/session/mfa/enrolment/confirm', headers: asPortal(s), payload: { code: totpAt(key.value, t.clock.now()) } });
    expect(done.statusCode, done.body).toBe(200);
    return { key: key.value, recoveryCodes: done.json().recoveryCodes };
  }

  describe('changing one’s own password', () => {
    it('takes the current and a new password, ends the other sessions but keeps this one, and tells the user', async () => {
      const { user, email, token } = await member('owner');
      const here = await session(email);
      const { key } = await enrol(here);
      t.clock.advance(30_000);
      const pending = sessionFrom(await signIn(t.app, email, PASSWORD));
      const elsewhere = sessionFrom(await t.app.inject({ method: 'POST', url: '/api/v1/session/mfa', headers: asPortal(pending), payload: { code: totpAt(key, t.clock.now()) } }));
      expect(await whoAmI(elsewhere)).toBe(200);
      notices.length = 0;

      const r = await changePassword(here, PASSWORD, NEW_PASSWORD);
      expect([r.statusCode, r.json()], r.body).toEqual([200, { endedSessions: 1 }]);
      expect(await whoAmI(here)).toBe(200);
      expect(await whoAmI(elsewhere)).toBe(401);
      expect((await signIn(t.app, email, PASSWORD)).statusCode).toBe(401);
      expect((await signIn(t.app, email, NEW_PASSWORD)).json().stage).toBe('mfa_pending');
      // API tokens are not the password: an integration keeps working.
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/practice', headers: bearer(token) })).statusCode).toBe(200);

      expect(await events(user.id, 'auth.password_change')).toEqual([{ actor_type: 'user', actor_id: user.id, outcome: 'success', details: expect.stringContaining('"by":"self"') }]);
      expect(notices).toEqual([{ kind: 'security', userId: user.id, to: email, event: 'password_changed', occurredAt: t.clock.now(), ipAddress: '203.0.113.50', userAgent: 'lightMyRequest' }]);
    });

    it('refuses a wrong current password (recorded as a failure, nothing else written), the same password, and a weak one', async () => {
      const { user, email } = await member('staff');
      const s = await session(email, PASSWORD, '198.51.100.7');
      const before = await tableSnapshot(t.handle);

      const wrong = await changePassword(s, 'not my password at all', NEW_PASSWORD, '198.51.100.7');
      expect([wrong.statusCode, wrong.json().error.code]).toEqual([403, 'CURRENT_PASSWORD_WRONG']);
      const after = await tableSnapshot(t.handle);
      const withoutAudit = (tables: Record<string, string[]>) => Object.fromEntries(Object.entries(tables).filter(([name]) => !name.startsWith('audit_')));
      expect(withoutAudit(after)).toEqual(withoutAudit(before));
      expect(await events(user.id, 'auth.password_change')).toEqual([{ actor_type: 'user', actor_id: user.id, outcome: 'failure', details: expect.stringContaining('current_password_wrong') }]);

      const same = await changePassword(s, PASSWORD, PASSWORD, '198.51.100.7');
      expect([same.statusCode, same.json().error.code]).toEqual([400, 'SAME_PASSWORD']);
      const weak = await changePassword(s, PASSWORD, 'cedar family medicine 1', '198.51.100.7');
      expect([weak.statusCode, weak.json().error.code]).toEqual([400, 'WEAK_PASSWORD']);
      expect(weak.json().error.details.issues).toEqual([{ path: 'body/newPassword', rule: 'password.contains_personal_info', message: 'it must not be made of the name, email address or practice name' }]);
      const short = await changePassword(s, PASSWORD, 'short one', '198.51.100.7');
      expect(short.json().error.details.issues.map((i: { rule: string }) => i.rule)).toEqual(['password.too_short']);
      expect(await tableSnapshot(t.handle)).toEqual(after);
      expect(await whoAmI(s)).toBe(200);
      expect((await signIn(t.app, email, PASSWORD)).statusCode).toBe(200);
    });

    it('counts wrong current passwords as failed sign-ins: the account locks, for sign-in too', async () => {
      const { user, email } = await member('provider');
      const s = await session(email);
      const codes: string[] = [];
      // From addresses of their own each, so it is the account that locks, not an address that slows.
      for (let i = 0; i < 6; i++) codes.push((await changePassword(s, `wrong guess ${i}`, NEW_PASSWORD, `192.0.2.${i + 1}`)).json().error.code);
      expect(codes).toEqual([...Array(5).fill('CURRENT_PASSWORD_WRONG'), 'SIGN_IN_THROTTLED']);
      const locked = await changePassword(s, PASSWORD, NEW_PASSWORD, '192.0.2.99');
      expect([locked.statusCode, locked.json().error.code, Number(locked.headers['retry-after'])]).toEqual([429, 'SIGN_IN_THROTTLED', 15 * 60]);
      const signInNow = await signIn(t.app, email, PASSWORD, '192.0.2.100');
      expect([signInNow.statusCode, signInNow.json().error.code]).toEqual([429, 'SIGN_IN_THROTTLED']);
      expect((await events(user.id, 'auth.account_locked')).length).toBe(1);
      t.clock.advance(15 * 60_000);
      const later = await session(email, PASSWORD, '192.0.2.101');
      expect((await changePassword(later, PASSWORD, NEW_PASSWORD, '192.0.2.101')).statusCode).toBe(200);
    });
  });

  describe("resetting someone's two-step sign-in", () => {
    it('clears the secret and recovery codes, ends their sessions, and sends an admin through enrolment at the next sign-in', async () => {
      const { user, email } = await member('admin');
      const s = await session(email);
      expect((await enrol(s)).recoveryCodes).toHaveLength(10);
      notices.length = 0;

      const r = await t.app.inject({ method: 'POST', url: `/api/v1/users/${user.id}/mfa/reset`, headers: bearer(t.ownerToken), remoteAddress: '203.0.113.9' });
      expect([r.statusCode, r.json()], r.body).toEqual([200, { reset: true, endedSessions: 1, recoveryCodesCleared: 10 }]);
      expect(await whoAmI(s)).toBe(401);
      expect(await getSecondFactor(t.handle.db, t.practice.id, user.id)).toEqual({ totpSecretSealed: null, totpPendingSealed: null, totpLastUsedStep: null, recoveryCodes: [] });
      const next = await signIn(t.app, email, PASSWORD);
      expect(next.json()).toMatchObject({ stage: 'active', mfaEnrolled: false, mfaEnrolmentRequired: true });
      const onlyEnrolment = await t.app.inject({ method: 'GET', url: '/api/v1/users', headers: asPortal(sessionFrom(next)) });
      expect(onlyEnrolment.json().error.code).toBe('MFA_ENROLMENT_REQUIRED');

      expect(await events(user.id, 'auth.mfa_reset')).toEqual([{ actor_type: 'user', actor_id: t.owner.id, outcome: 'success', details: expect.stringContaining('"recoveryCodesCleared":10') }]);
      expect(notices).toEqual([expect.objectContaining({ userId: user.id, to: email, event: 'mfa_reset', ipAddress: '203.0.113.9' })]);

      // Nothing left to reset: answered, nothing changed, nothing recorded, no second email.
      const before = await tableSnapshot(t.handle);
      const again = await t.app.inject({ method: 'POST', url: `/api/v1/users/${user.id}/mfa/reset`, headers: bearer(t.ownerToken) });
      expect(again.json()).toEqual({ reset: false, endedSessions: 0, recoveryCodesCleared: 0 });
      expect(await tableSnapshot(t.handle)).toEqual(before);
      expect(notices).toHaveLength(1);
    });

    it('lets an admin reset staff and providers only, nobody their own, and no disabled user; a refusal writes nothing', async () => {
      const admin = await member('admin');
      const otherAdmin = await member('admin');
      const staff = await member('staff');
      const gone = await member('provider');
      for (const m of [otherAdmin, staff, gone]) await enrol(await session(m.email));
      await disableUser(t.handle.db, t.practice.id, gone.user.id, CLI_ACTOR);
      const reset = (id: string, token: string) => t.app.inject({ method: 'POST', url: `/api/v1/users/${id}/mfa/reset`, headers: bearer(token) });

      const before = await tableSnapshot(t.handle);
      const refused = [
        await reset(otherAdmin.user.id, admin.token),
        await reset(t.owner.id, admin.token),
        await reset(admin.user.id, admin.token),
        await reset(t.owner.id, t.ownerToken),
        await reset(staff.user.id, staff.token),
        await reset(gone.user.id, t.ownerToken),
      ];
      expect(refused.map((r) => `${r.statusCode} ${r.json().error.code}`)).toEqual(['403 FORBIDDEN', '403 FORBIDDEN', '409 CANNOT_RESET_SELF', '409 CANNOT_RESET_SELF', '403 FORBIDDEN', '409 USER_DISABLED']);
      expect(await tableSnapshot(t.handle)).toEqual(before);

      const byAdmin = await reset(staff.user.id, admin.token);
      expect([byAdmin.statusCode, byAdmin.json().reset]).toEqual([200, true]);
      const byOwner = await reset(otherAdmin.user.id, t.ownerToken);
      expect([byOwner.statusCode, byOwner.json().reset]).toEqual([200, true]);
      // A staff member without two-step sign-in now signs in with the password alone.
      expect((await signIn(t.app, staff.email, PASSWORD)).json().stage).toBe('active');
    });

    it('keeps the reset when the notice cannot be queued', async () => {
      const failing = await createTestApi(dialect, 'pro', { securityNotice: async () => Promise.reject(Object.assign(new Error('outbox down'), { code: 'SQLITE_BUSY' })) });
      try {
        const { user } = await addUser(failing.handle.db, failing.practice.id, { email: 'lost-phone@cedar.example', displayName: 'Lou Lost', role: 'staff', passwordHash: await failing.hasher.hash(PASSWORD) }, CLI_ACTOR);
        const s = sessionFrom(await signIn(failing.app, 'lost-phone@cedar.example', PASSWORD));
        const start = await failing.app.inject({ method: 'POST', url: '/api/v1/session/mfa/enrolment', headers: asPortal(s) });
        const key = totpSecretFromBase32(start.json().secret);
        if (!key.ok) throw new Error('bad secret');
        await failing.app.inject({ method: 'POST', url: '/api/v1/session/mfa/enrolment/confirm', headers: asPortal(s), payload: { code: totpAt(key.value, failing.clock.now()) } });
        const r = await failing.app.inject({ method: 'POST', url: `/api/v1/users/${user.id}/mfa/reset`, headers: bearer(failing.ownerToken) });
        expect([r.statusCode, r.json().reset]).toEqual([200, true]);
        expect(failing.logText()).toContain('notify.security_not_queued');
        expect(failing.logText()).not.toContain('lost-phone@');
      } finally {
        await failing.close();
      }
    });
  });
});
