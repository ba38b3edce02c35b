// New recovery codes for a user who still holds their authenticator. Before,
// ten codes were shown once at enrolment and never again: a user who had used
// some, or lost the sheet, could only ask an admin to reset two-step sign-in
// (an owner with no other owner, nobody). Asking takes a current
// authenticator code under the sign-in throttle; the old codes stop working
// at once; the account's owner is told.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpAt, totpSecretFromBase32 } from '../../src/auth/index.ts';
import { addUser, CLI_ACTOR, createApiToken } from '../../src/directory/index.ts';
import type { SecurityJob } from '../../src/notify/index.ts';
import { bearer, createTestApi, type TestApi } from '../support/api.ts';
import { DIALECTS } from '../support/db.ts';
import { asPortal, sessionFrom, signIn, type PortalSession } from '../support/portal.ts';

const PASSWORD = 'a long enough portal passphrase';

describe.each(DIALECTS)('recovery codes on %s', (dialect) => {
  let t: TestApi;
  let n = 0;
  const notices: SecurityJob[] = [];
  beforeAll(async () => {
    t = await createTestApi(dialect, 'pro', { securityNotice: async (job) => notices.push(job) });
  });
  afterAll(() => t.close());

  async function member() {
    const email = `codes${++n}@cedar.example`;
    const { user } = await addUser(t.handle.db, t.practice.id, { email, displayName: `Casey Codes${n}`, role: 'provider', passwordHash: await t.hasher.hash(PASSWORD) }, CLI_ACTOR);
    const s = sessionFrom(await signIn(t.app, email, PASSWORD));
    return { user, email, s };
  }

  /** Turns on TOTP for the user signed in as `s`: the authenticator's key, and the recovery codes shown once. */
  async function enrol(s: PortalSession): Promise<{ key: Uint8Array; codes: string[] }> {
    const start = await t.app.inject({ method: 'POST', url: '/api/v1/session/mfa/enrolment', headers: asPortal(s) });
    const key = totpSecretFromBase32(start.json().secret);
    if (!key.ok) throw new Error('bad secret');
    const done = await t.app.inject({ method: 'POST', url: '/api/v1/session/mfa/enrolment/confirm', headers: asPortal(s), payload: { code: totpAt(key.value, t.clock.now()) } });
    expect(done.statusCode, done.body).toBe(200);
    return { key: key.value, codes: done.json().recoveryCodes };
  }

  const left = async (s: PortalSession) => (await t.app.inject({ method: 'GET', url: '/api/v1/session/mfa/recovery-codes', headers: asPortal(s) })).json();
  const renew = (s: PortalSession, code: string, remoteAddress = '203.0.113.60') =>
    t.app.inject({ method: 'POST', url: '/api/v1/session/mfa/recovery-codes', remoteAddress, headers: asPortal(s), payload: { code } });
  /** Whether `code` completes a fresh sign-in as `email` (spending it when it does). */
  async function signsInWith(email: string, code: string): Promise<boolean> {
    const pending = sessionFrom(await signIn(t.app, email, PASSWORD));
    return (await t.app.inject({ method: 'POST', url: '/api/v1/session/mfa', headers: asPortal(pending), payload: { code } })).statusCode === 200;
  }
  const events = async (userId: string) =>
    (await t.handle.db.selectFrom('audit_events').select(['actor_id', 'outcome', 'details']).where('object_id', '=', userId).where('action', '=', 'auth.recovery_codes_regenerate').orderBy('seq').execute()).map((e) => ({
      ...e,
      details: JSON.parse(e.details) as unknown,
    }));

  it('says how many codes are left, never the codes', async () => {
    const { email, s } = await member();
    expect(await left(s)).toEqual({ enrolled: false, total: 0, left: 0 });
    const { codes } = await enrol(s);
    expect(await left(s)).toEqual({ enrolled: true, total: 10, left: 10 });
    expect(await signsInWith(email, codes[3]!)).toBe(true);
    const r = await t.app.inject({ method: 'GET', url: '/api/v1/session/mfa/recovery-codes', headers: asPortal(s) });
    expect(r.json()).toEqual({ enrolled: true, total: 10, left: 9 });
    expect(r.headers['cache-control']).toBe('no-store');
  });

  it('makes a new set for a current authenticator code: shown once, the old set stops working, recorded, and the user is told', async () => {
    const { user, email, s } = await member();
    const { key, codes: old } = await enrol(s);
    expect(await signsInWith(email, old[0]!)).toBe(true);
    t.clock.advance(30_000);
    notices.length = 0;

    const r = await renew(s, totpAt(key, t.clock.now()));
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers['cache-control']).toBe('no-store');
    const fresh = r.json().recoveryCodes as string[];
    expect(fresh).toHaveLength(10);
    expect(new Set(fresh).size).toBe(10);
    expect(fresh.filter((c) => old.includes(c))).toEqual([]);
    expect(await left(s)).toEqual({ enrolled: true, total: 10, left: 10 });

    expect(await signsInWith(email, old[1]!)).toBe(false);
    expect(await signsInWith(email, fresh[0]!)).toBe(true);
    expect(await events(user.id)).toEqual([{ actor_id: user.id, outcome: 'success', details: { recoveryCodes: 10, replaced: 10 } }]);
    expect(notices).toEqual([{ kind: 'security', userId: user.id, to: email, event: 'recovery_codes_regenerated', occurredAt: t.clock.now(), ipAddress: '203.0.113.60', userAgent: 'lightMyRequest' }]);
    // No code in the audit log, only counts.
    expect(JSON.stringify(await events(user.id))).not.toContain(fresh[0]!.slice(0, 8));
  });

  it('refuses a wrong code, a code already spent, and a recovery code, changing nothing but the failure record', async () => {
    const { user, email, s } = await member();
    const { key, codes } = await enrol(s);
    // The enrolment spent this step's code: it does not count twice.
    const spent = totpAt(key, t.clock.now());
    const stored = () => t.handle.db.selectFrom('user_recovery_codes').selectAll().where('user_id', '=', user.id).orderBy('idx').execute();
    const before = await stored();

    const wrong = await renew(s, spent === '000000' ? '000001' : '000000');
    expect([wrong.statusCode, wrong.json().error.code]).toEqual([400, 'MFA_CODE_INVALID']);
    const replay = await renew(s, spent);
    expect([replay.statusCode, replay.json().error.code]).toEqual([400, 'MFA_CODE_INVALID']);
    const recovery = await renew(s, codes[0]!);
    expect([recovery.statusCode, recovery.json().error.code]).toEqual([400, 'VALIDATION_FAILED']);

    expect(await stored()).toEqual(before);
    expect(await signsInWith(email, codes[0]!)).toBe(true);
    expect((await events(user.id)).map((e) => [e.outcome, e.details])).toEqual([
      ['failure', { reason: 'code_invalid' }],
      ['failure', { reason: 'code_invalid' }],
    ]);
  });

  it('counts wrong codes towards the sign-in lockout, from any address', async () => {
    const { email, s } = await member();
    const { key } = await enrol(s);
    // Five wrong codes from five addresses (past any one address's back-off) lock the account, as five wrong passwords do.
    for (let i = 0; i < 5; i++) expect((await renew(s, i % 2 === 0 ? '111111' : '000000', `198.51.100.${10 + i}`)).statusCode).toBe(400);
    t.clock.advance(30_000);
    const locked = await renew(s, totpAt(key, t.clock.now()), '198.51.100.20');
    expect([locked.statusCode, locked.json().error.code]).toEqual([429, 'SIGN_IN_THROTTLED']);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(60);
    expect((await signIn(t.app, email, PASSWORD, '192.0.2.44')).statusCode).toBe(429);
  });

  it('is for portal sign-ins with two-step sign-in set up', async () => {
    const { user, s } = await member();
    const notEnrolled = await renew(s, '123456');
    expect([notEnrolled.statusCode, notEnrolled.json().error.code]).toEqual([409, 'MFA_NOT_ENROLLED']);
    const token = (await createApiToken(t.handle.db, t.practice.id, user.id, 'provider', 'test', CLI_ACTOR)).token;
    const viaToken = await t.app.inject({ method: 'POST', url: '/api/v1/session/mfa/recovery-codes', headers: bearer(token), payload: { code: '123456' } });
    expect([viaToken.statusCode, viaToken.json().error.code]).toEqual([409, 'NOT_A_SESSION']);
    expect(await events(user.id)).toEqual([]);
  });
});
