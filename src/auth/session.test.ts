import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';
import { checkCsrf, csrfTokenFor, verifyCsrfToken } from './csrf.ts';
import {
  MemorySessionStore,
  completeMfa,
  endSession,
  endUserSessions,
  hashSessionToken,
  idleTimeoutMs,
  resolveSession,
  startSession,
} from './session.ts';
import { clearSessionCookie, readSessionCookie, serializeSessionCookie } from './session-cookie.ts';

const MIN = 60_000;

function setup() {
  const clock = new ManualClock();
  const store = new MemorySessionStore();
  return { clock, store, ctx: { clock, store } };
}

const user = { userId: 'u1', practiceId: 'p1' };

describe('sessions', () => {
  it('stores only the SHA-256 of the token', async () => {
    const { ctx, store } = setup();
    const { token, session } = await startSession(ctx, { ...user, mfaRequired: false });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.idHash).toBe(hashSessionToken(token));
    expect(JSON.stringify(await store.findByIdHash(session.idHash))).not.toContain(token);
  });

  it('logs off after 15 idle minutes by default (fake clock)', async () => {
    const { ctx, clock } = setup();
    const { token } = await startSession(ctx, { ...user, mfaRequired: false });
    clock.advance(14 * MIN);
    expect((await resolveSession(ctx, token)).ok).toBe(true);
    clock.advance(14 * MIN); // activity above kept it alive
    expect((await resolveSession(ctx, token)).ok).toBe(true);
    clock.advance(15 * MIN);
    expect(await resolveSession(ctx, token)).toEqual({ ok: false, error: { code: 'session.idle_timeout' } });
    // Gone for good, even if the clock were to go back.
    clock.set(clock.now() - 15 * MIN);
    expect(await resolveSession(ctx, token)).toEqual({ ok: false, error: { code: 'session.unknown' } });
  });

  it('honours a practice idle timeout between 5 and 30 minutes', async () => {
    expect(idleTimeoutMs(5)).toEqual({ ok: true, value: 5 * MIN });
    expect(idleTimeoutMs(30)).toEqual({ ok: true, value: 30 * MIN });
    expect(idleTimeoutMs(31)).toEqual({ ok: false, error: { code: 'session.invalid_idle_timeout', min: 5, max: 30 } });
    expect(idleTimeoutMs(4)).toMatchObject({ ok: false });
    const { ctx, clock } = setup();
    const { token } = await startSession(ctx, { ...user, mfaRequired: false, idleTimeoutMinutes: 5 });
    clock.advance(5 * MIN);
    expect(await resolveSession(ctx, token)).toEqual({ ok: false, error: { code: 'session.idle_timeout' } });
    await expect(startSession(ctx, { ...user, mfaRequired: false, idleTimeoutMinutes: 60 })).rejects.toThrow();
  });

  it('ends 12 hours after sign-in however active the user is', async () => {
    const { ctx, clock } = setup();
    const { token } = await startSession(ctx, { ...user, mfaRequired: false });
    for (let i = 0; i < 12 * 6 - 1; i++) {
      clock.advance(10 * MIN);
      expect((await resolveSession(ctx, token)).ok).toBe(true);
    }
    clock.advance(10 * MIN);
    expect(await resolveSession(ctx, token)).toEqual({ ok: false, error: { code: 'session.expired' } });
  });

  it('issues a new token at sign-in and drops the one the browser came with', async () => {
    const { ctx } = setup();
    const planted = await startSession(ctx, { ...user, mfaRequired: false });
    const fresh = await startSession(ctx, { ...user, mfaRequired: false, previousToken: planted.token });
    expect(fresh.token).not.toBe(planted.token);
    expect(await resolveSession(ctx, planted.token)).toEqual({ ok: false, error: { code: 'session.unknown' } });
    expect((await resolveSession(ctx, fresh.token)).ok).toBe(true);
  });

  it('keeps an MFA-pending session out of every normal route, then rotates on MFA', async () => {
    const { ctx, clock } = setup();
    const pending = await startSession(ctx, { ...user, mfaRequired: true });
    expect(await resolveSession(ctx, pending.token)).toEqual({ ok: false, error: { code: 'session.mfa_required' } });
    clock.advance(MIN);
    const done = await completeMfa(ctx, pending.token);
    expect(done.ok).toBe(true);
    if (!done.ok) return;
    expect(done.value.token).not.toBe(pending.token);
    expect(done.value.session).toMatchObject({ stage: 'active', userId: 'u1', absoluteExpiresAt: clock.now() + 12 * 60 * MIN });
    expect(await resolveSession(ctx, pending.token, 'mfa_pending')).toEqual({ ok: false, error: { code: 'session.unknown' } });
    expect((await resolveSession(ctx, done.value.token)).ok).toBe(true);
    expect(await completeMfa(ctx, done.value.token)).toEqual({ ok: false, error: { code: 'session.not_mfa_pending' } });
  });

  it('gives the second factor 5 minutes', async () => {
    const { ctx, clock } = setup();
    const pending = await startSession(ctx, { ...user, mfaRequired: true });
    clock.advance(5 * MIN);
    expect(await completeMfa(ctx, pending.token)).toEqual({ ok: false, error: { code: 'session.expired' } });
  });

  it('sign-out and deactivation end sessions at once', async () => {
    const { ctx, store } = setup();
    const a = await startSession(ctx, { ...user, mfaRequired: false });
    const b = await startSession(ctx, { ...user, mfaRequired: false });
    const other = await startSession(ctx, { userId: 'u2', practiceId: 'p1', mfaRequired: false });
    await endSession(ctx, a.token);
    expect(await resolveSession(ctx, a.token)).toEqual({ ok: false, error: { code: 'session.unknown' } });
    expect(await endUserSessions(ctx, 'u1')).toBe(1);
    expect((await resolveSession(ctx, b.token)).ok).toBe(false);
    expect((await resolveSession(ctx, other.token)).ok).toBe(true);
    expect(store.size).toBe(1);
  });

  it('refuses a missing cookie and sweeps ended sessions', async () => {
    const { ctx, clock, store } = setup();
    expect(await resolveSession(ctx, undefined)).toEqual({ ok: false, error: { code: 'session.missing' } });
    await startSession(ctx, { ...user, mfaRequired: false });
    clock.advance(16 * MIN);
    await startSession(ctx, { ...user, mfaRequired: false });
    expect(await store.deleteExpired(clock.now())).toBe(1);
    expect(store.size).toBe(1);
  });
});

describe('CSRF', () => {
  const secret = new Uint8Array(32).fill(7);
  const allowedOrigins = ['https://pbx.example.test'];

  it('derives a token bound to the session', () => {
    const t = csrfTokenFor(secret, 'session-token-one');
    expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(verifyCsrfToken(secret, 'session-token-one', t)).toBe(true);
    expect(verifyCsrfToken(secret, 'session-token-two', t)).toBe(false);
    expect(verifyCsrfToken(secret, 'session-token-one', undefined)).toBe(false);
  });

  it('lets same-origin POSTs with the token through', () => {
    const sessionToken = 'abc';
    const csrfToken = csrfTokenFor(secret, sessionToken);
    const ctx = { secret, sessionToken, allowedOrigins };
    expect(checkCsrf({ method: 'POST', origin: 'https://pbx.example.test', secFetchSite: 'same-origin', csrfToken }, ctx).ok).toBe(true);
    expect(checkCsrf({ method: 'PATCH', referer: 'https://pbx.example.test/portal/users', csrfToken }, ctx).ok).toBe(true);
    expect(checkCsrf({ method: 'GET', origin: 'https://evil.test' }, ctx).ok).toBe(true);
  });

  it('refuses cross-origin, origin-less and token-less state changes', () => {
    const sessionToken = 'abc';
    const csrfToken = csrfTokenFor(secret, sessionToken);
    const ctx = { secret, sessionToken, allowedOrigins };
    const fail = (code: string) => ({ ok: false, error: { code } });
    expect(checkCsrf({ method: 'POST', origin: 'https://evil.test', csrfToken }, ctx)).toEqual(fail('csrf.cross_origin'));
    expect(checkCsrf({ method: 'POST', secFetchSite: 'cross-site', csrfToken }, ctx)).toEqual(fail('csrf.cross_origin'));
    expect(checkCsrf({ method: 'DELETE', csrfToken }, ctx)).toEqual(fail('csrf.no_origin'));
    expect(checkCsrf({ method: 'POST', origin: 'https://pbx.example.test' }, ctx)).toEqual(fail('csrf.bad_token'));
    expect(checkCsrf({ method: 'POST', origin: 'http://pbx.example.test', csrfToken }, ctx)).toEqual(fail('csrf.cross_origin'));
  });
});

describe('session cookie', () => {
  it('uses the __Host- prefix with Secure over TLS', () => {
    expect(serializeSessionCookie('tok_en-1', { secure: true })).toBe('__Host-sotto_session=tok_en-1; Path=/; HttpOnly; SameSite=Lax; Secure');
    expect(serializeSessionCookie('tok_en-1', { secure: false })).toBe('sotto_session=tok_en-1; Path=/; HttpOnly; SameSite=Lax');
    expect(clearSessionCookie({ secure: true })).toBe('__Host-sotto_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure');
  });

  it('reads the token back, ignoring other cookies and junk', () => {
    const token = 'A'.repeat(43);
    expect(readSessionCookie(`theme=dark; __Host-sotto_session=${token}; x=1`, { secure: true })).toBe(token);
    expect(readSessionCookie(`sotto_session=${token}`, { secure: true })).toBeNull();
    expect(readSessionCookie('__Host-sotto_session=<script>', { secure: true })).toBeNull();
    expect(readSessionCookie(undefined, { secure: false })).toBeNull();
  });
});
