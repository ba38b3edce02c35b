import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpAt, totpSecretFromBase32 } from '../../src/auth/index.ts';
import { addUser, CLI_ACTOR, type Role } from '../../src/directory/index.ts';
import { bearer, createTestApi, PORTAL_ORIGIN, type TestApi } from '../support/api.ts';
import { DIALECTS } from '../support/db.ts';
import { asPortal, COOKIE, sessionFrom, signIn, type PortalSession } from '../support/portal.ts';

const PASSWORD = 'correct horse battery staple 42';

describe.each(DIALECTS)('portal sessions on %s', (dialect) => {
  let t: TestApi;
  let n = 0;
  beforeAll(async () => {
    t = await createTestApi(dialect);
  });
  afterAll(() => t.close());

  async function member(role: Role, extension?: string) {
    const email = `${role}${++n}@cedar.example`;
    const { user } = await addUser(t.handle.db, t.practice.id, { email, displayName: `${role} ${n}`, role, passwordHash: await t.hasher.hash(PASSWORD), ...(extension ? { extension } : {}) }, CLI_ACTOR);
    return { user, email };
  }

  async function activeSession(email: string): Promise<PortalSession> {
    const r = await signIn(t.app, email, PASSWORD);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().stage).toBe('active');
    return sessionFrom(r);
  }

  const auditActions = async (userId: string) =>
    (await t.handle.db.selectFrom('audit_events').select(['action', 'outcome', 'actor_id', 'source_ip']).where('practice_id', '=', t.practice.id).where('object_id', '=', userId).orderBy('seq').execute()).map(
      (r) => `${r.action}:${r.outcome}`,
    );

  it('signs in with a fresh __Host- cookie: HttpOnly, Secure, SameSite=Strict', async () => {
    const { user, email } = await member('provider');
    const r = await signIn(t.app, email, PASSWORD);
    expect(r.statusCode).toBe(200);
    const setCookie = String(r.headers['set-cookie']);
    expect(setCookie).toMatch(new RegExp(`^${COOKIE}=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict; Secure$`));
    const s = sessionFrom(r);
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/session', headers: asPortal(s) });
    expect(me.json()).toMatchObject({ stage: 'active', via: 'session', user: { id: user.id, role: 'provider' }, mfaEnrolmentRequired: false, idleTimeoutMinutes: 15 });
    expect(Date.parse(me.json().idleExpiresAt) - t.clock.now()).toBe(15 * 60_000);
    expect(await auditActions(user.id)).toContain('auth.sign_in:success');
  });

  it('issues a new session id at every sign-in; the old cookie stops working', async () => {
    const { email } = await member('staff');
    const first = await activeSession(email);
    const again = await t.app.inject({ method: 'POST', url: '/api/v1/session', headers: { cookie: `${COOKIE}=${first.cookie}`, origin: PORTAL_ORIGIN }, payload: { email, password: PASSWORD } });
    const second = sessionFrom(again);
    expect(second.cookie).not.toBe(first.cookie);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/session', headers: asPortal(first) })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/session', headers: asPortal(second) })).statusCode).toBe(200);
  });

  it('answers an unknown email exactly as a wrong password', async () => {
    const { email } = await member('staff');
    const wrong = await signIn(t.app, email, 'not the password at all', '203.0.113.61');
    const unknown = await signIn(t.app, 'nobody@cedar.example', PASSWORD, '203.0.113.62');
    const noPassword = await signIn(t.app, t.owner.email, PASSWORD, '203.0.113.63');
    for (const r of [wrong, unknown, noPassword]) {
      expect(r.statusCode).toBe(401);
      expect(r.headers['set-cookie']).toBeUndefined();
      expect(r.headers['retry-after']).toBeUndefined();
    }
    expect(unknown.body).toBe(wrong.body);
    expect(noPassword.body).toBe(wrong.body);
    expect(wrong.json()).toEqual({ error: { code: 'INVALID_CREDENTIALS', message: expect.any(String) } });
  });

  it('logs off after 15 idle minutes (server side), and keeps a busy session alive', async () => {
    const { user, email } = await member('staff');
    const s = await activeSession(email);
    t.clock.advance(14 * 60_000);
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/users/${user.id}`, headers: asPortal(s) })).statusCode).toBe(200);
    t.clock.advance(14 * 60_000);
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/users/${user.id}`, headers: asPortal(s) })).statusCode).toBe(200);
    t.clock.advance(15 * 60_000);
    const r = await t.app.inject({ method: 'GET', url: `/api/v1/users/${user.id}`, headers: asPortal(s) });
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe('SESSION_IDLE_TIMEOUT');
  });

  it('refuses a cookie-authenticated change without the CSRF token or from another origin', async () => {
    const { user, email } = await member('staff', '150');
    const s = await activeSession(email);
    const url = `/api/v1/users/${user.id}/voicemail-settings`;
    const patch = (headers: Record<string, string>) => t.app.inject({ method: 'PATCH', url, headers, payload: { emailNotifications: false } });
    const noToken = await patch({ cookie: `${COOKIE}=${s.cookie}`, origin: PORTAL_ORIGIN });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.json().error).toMatchObject({ code: 'CSRF_REJECTED', details: { reason: 'csrf.bad_token' } });
    const crossSite = await patch(asPortal(s, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }));
    expect(crossSite.json().error).toMatchObject({ code: 'CSRF_REJECTED', details: { reason: 'csrf.cross_origin' } });
    const noOrigin = await patch({ cookie: `${COOKIE}=${s.cookie}`, 'x-csrf-token': s.csrfToken });
    expect(noOrigin.json().error).toMatchObject({ code: 'CSRF_REJECTED', details: { reason: 'csrf.no_origin' } });
    expect((await t.app.inject({ method: 'GET', url, headers: asPortal(s) })).json().emailNotifications).toBe(true);
    const ok = await patch(asPortal(s));
    expect(ok.statusCode).toBe(200);
    expect(ok.json().emailNotifications).toBe(false);
    // A sign-in posted from another site is refused too (login CSRF).
    const forged = await t.app.inject({ method: 'POST', url: '/api/v1/session', headers: { origin: 'https://evil.example' }, payload: { email, password: PASSWORD } });
    expect(forged.statusCode).toBe(403);
  });

  it('locks an account after repeated failures, known or unknown email alike', async () => {
    const { user, email } = await member('staff');
    const attempts = async (address: string, who: string) => {
      const out = [];
      for (let i = 0; i < 5; i++) {
        out.push((await signIn(t.app, who, 'wrong password number ' + i, address)).statusCode);
        t.clock.advance(2 * 60_000);
      }
      return out;
    };
    expect(await attempts('203.0.113.70', email)).toEqual([401, 401, 401, 401, 401]);
    const locked = await signIn(t.app, email, PASSWORD, '203.0.113.71');
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('SIGN_IN_THROTTLED');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(await attempts('203.0.113.72', 'ghost@cedar.example')).toEqual([401, 401, 401, 401, 401]);
    const ghost = await signIn(t.app, 'ghost@cedar.example', PASSWORD, '203.0.113.73');
    expect([ghost.statusCode, ghost.body]).toEqual([locked.statusCode, locked.body]);
    expect(await auditActions(user.id)).toEqual(expect.arrayContaining(['auth.sign_in:failure', 'auth.account_locked:failure']));
    t.clock.advance(16 * 60_000);
    expect((await signIn(t.app, email, PASSWORD, '203.0.113.74')).statusCode).toBe(200);
  });

  it('slows a source address that keeps failing, whatever accounts it tries', async () => {
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await signIn(t.app, `spray${i}@cedar.example`, 'guess', '203.0.113.80')).statusCode);
    expect(codes).toEqual([401, 401, 401, 401, 429]);
  });

  it('requires an admin to set up MFA before anything else, then asks for the code at each sign-in', async () => {
    const { user, email } = await member('admin');
    const s = await activeSession(email);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/session', headers: asPortal(s) })).json().mfaEnrolmentRequired).toBe(true);
    const blocked = await t.app.inject({ method: 'GET', url: '/api/v1/users', headers: asPortal(s) });
    expect([blocked.statusCode, blocked.json().error.code]).toEqual([403, 'MFA_ENROLMENT_REQUIRED']);

    const start = await t.app.inject({ method: 'POST', url: '/api/v1/session/mfa/enrolment', headers: asPortal(s) });
    expect(start.statusCode).toBe(200);
    const { otpauthUri, secret } = start.json();
    expect(otpauthUri).toContain(`secret=${secret}`);
    const key = totpSecretFromBase32(secret);
    if (!key.ok) throw new Error('bad secret');
    const stored = await t.handle.db.selectFrom('users').select(['totp_pending_sealed', 'totp_secret_sealed']).where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(stored.totp_pending_sealed).toMatch(/^v1\./);
    expect(JSON.stringify(stored)).not.toContain(secret);

    const bad = await t.app.inject({ method: 'POST', url: '/api/v1/session/mfa/enrolment/confirm', headers: asPortal(s), payload: { code: '000000' } });
    expect(bad.statusCode).toBe(400);
    const enrolCode = totpAt(key.value, t.clock.now());
    const confirmed = await t.app.inject({ method: 'POST', url: '/api/v1/session/mfa/enrolment/confirm', headers: asPortal(s), payload: { code: enrolCode } });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    const recoveryCodes: string[] = confirmed.json().recoveryCodes;
    expect(recoveryCodes).toHaveLength(10);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/users', headers: asPortal(s) })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: asPortal(s) })).statusCode).toBe(204);

    // Next sign-in: the password alone opens nothing but the MFA step.
    const pendingResponse = await signIn(t.app, email, PASSWORD);
    expect(pendingResponse.json()).toMatchObject({ stage: 'mfa_pending', user: null });
    const pending = sessionFrom(pendingResponse);
    const early = await t.app.inject({ method: 'GET', url: '/api/v1/session', headers: asPortal(pending) });
    expect([early.statusCode, early.json().error.code]).toEqual([401, 'MFA_REQUIRED']);
    const replay = await t.app.inject({ method: 'POST', url: '/api/v1/session/mfa', headers: asPortal(pending), payload: { code: enrolCode } });
    expect([replay.statusCode, replay.json().error.code]).toEqual([401, 'INVALID_CREDENTIALS']);
    t.clock.advance(30_000);
    const mfa = await t.app.inject({ method: 'POST', url: '/api/v1/session/mfa', headers: asPortal(pending), payload: { code: totpAt(key.value, t.clock.now()) } });
    expect(mfa.statusCode, mfa.body).toBe(200);
    const active = sessionFrom(mfa);
    expect(active.cookie).not.toBe(pending.cookie);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/session', headers: asPortal(pending) })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/users', headers: asPortal(active) })).statusCode).toBe(200);

    // A recovery code works once.
    const viaRecovery = async () => {
      const p = sessionFrom(await signIn(t.app, email, PASSWORD));
      return t.app.inject({ method: 'POST', url: '/api/v1/session/mfa', headers: asPortal(p), payload: { code: recoveryCodes[3]! } });
    };
    expect((await viaRecovery()).statusCode).toBe(200);
    expect((await viaRecovery()).statusCode).toBe(401);
    expect(await auditActions(user.id)).toEqual(
      expect.arrayContaining(['auth.mfa_enroll_start:success', 'auth.mfa_enroll:success', 'auth.mfa_verify:success', 'auth.mfa_verify:failure', 'auth.recovery_code_use:success', 'auth.sign_out:success']),
    );
  });

  it('signs out at once, and deactivation ends every session, token and device', async () => {
    const { user, email } = await member('staff', '160');
    const a = await activeSession(email);
    const out = await t.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: asPortal(a) });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/session', headers: asPortal(a) })).statusCode).toBe(401);

    const b = await activeSession(email);
    const c = await activeSession(email);
    const device = await t.app.inject({ method: 'POST', url: `/api/v1/users/${user.id}/devices`, headers: bearer(t.ownerToken), payload: { kind: 'softphone' } });
    const disabled = await t.app.inject({ method: 'POST', url: `/api/v1/users/${user.id}/disable`, headers: bearer(t.ownerToken) });
    expect(disabled.statusCode).toBe(200);
    for (const s of [b, c]) expect((await t.app.inject({ method: 'GET', url: '/api/v1/session', headers: asPortal(s) })).statusCode).toBe(401);
    expect(t.disabledUsers).toContainEqual([user.id, [device.json().device.id]]);
    expect((await signIn(t.app, email, PASSWORD)).statusCode).toBe(401);
    const events = await t.handle.db.selectFrom('audit_events').select(['details', 'actor_id']).where('action', '=', 'user.deactivate').where('object_id', '=', user.id).execute();
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]!.details)).toEqual({ devicesDisabled: 1, sessionsEnded: 2, tokensRevoked: 0 });
    expect(events[0]!.actor_id).toBe(t.owner.id);
  });

  it('tells a bearer-token caller who they are, without session deadlines', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/api/v1/session', headers: bearer(t.staffToken) });
    expect(r.json()).toMatchObject({ via: 'token', user: { id: t.staff.id }, idleExpiresAt: null, csrfToken: null });
  });
});
