// Portal sessions on the real databases, driven through auth/session.ts with
// a hand-moved clock: idle logoff, absolute lifetime, sign-out everywhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ABSOLUTE_LIFETIME_MS, completeMfa, endUserSessions, hashSessionToken, ManualClock, resolveSession, startSession, type SessionContext } from '../../src/auth/index.ts';
import { KyselySessionStore, type DatabaseHandle } from '../../src/db/index.ts';
import { addUser, CLI_ACTOR, createPractice, type Practice, type User } from '../../src/directory/index.ts';
import { DIALECTS, openTestDatabase } from '../support/db.ts';

describe.each(DIALECTS)('Kysely session store on %s', (dialect) => {
  let h: DatabaseHandle;
  let practice: Practice;
  let user: User;
  let ctx: SessionContext & { clock: ManualClock };
  let store: KyselySessionStore;

  beforeAll(async () => {
    h = await openTestDatabase(dialect);
    practice = await createPractice(h.db, { name: 'Birch Dental', tier: 'pro', sipDomain: `birch-${dialect}.example` });
    user = (await addUser(h.db, practice.id, { email: 'a@birch.example', displayName: 'A', role: 'staff' }, CLI_ACTOR)).user;
    store = new KyselySessionStore(h.db);
    ctx = { store, clock: new ManualClock(Date.UTC(2026, 10, 28, 9)) };
  });
  afterAll(() => h.close());

  it('stores only the token hash and reads the record back intact', async () => {
    const { token, session } = await startSession(ctx, { userId: user.id, practiceId: practice.id, mfaRequired: false, sourceIp: '198.51.100.4' });
    expect(await store.findByIdHash(hashSessionToken(token))).toEqual(session);
    const rows = await h.db.selectFrom('sessions').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('logs off after 15 idle minutes, not before', async () => {
    const { token } = await startSession(ctx, { userId: user.id, practiceId: practice.id, mfaRequired: false });
    ctx.clock.advance(14 * 60_000);
    expect((await resolveSession(ctx, token)).ok).toBe(true);
    ctx.clock.advance(14 * 60_000);
    expect((await resolveSession(ctx, token)).ok).toBe(true);
    ctx.clock.advance(15 * 60_000);
    expect(await resolveSession(ctx, token)).toEqual({ ok: false, error: { code: 'session.idle_timeout' } });
    expect(await resolveSession(ctx, token)).toEqual({ ok: false, error: { code: 'session.unknown' } });
  });

  it('ends a busy session after 12 hours and promotes an MFA session under a new token', async () => {
    const pending = await startSession(ctx, { userId: user.id, practiceId: practice.id, mfaRequired: true });
    const done = await completeMfa(ctx, pending.token);
    expect(done.ok).toBe(true);
    if (!done.ok) return;
    expect(await store.findByIdHash(hashSessionToken(pending.token))).toBeNull();
    for (let t = 0; t < ABSOLUTE_LIFETIME_MS; t += 10 * 60_000) {
      ctx.clock.advance(10 * 60_000);
      if (!(await resolveSession(ctx, done.value.token)).ok) break;
    }
    expect(await resolveSession(ctx, done.value.token)).toEqual({ ok: false, error: { code: 'session.unknown' } });
  });

  it('sweeps ended sessions and ends every session of a user at once', async () => {
    const a = await startSession(ctx, { userId: user.id, practiceId: practice.id, mfaRequired: false });
    ctx.clock.advance(31 * 60_000);
    const b = await startSession(ctx, { userId: user.id, practiceId: practice.id, mfaRequired: false });
    expect(await store.deleteExpired(ctx.clock.now())).toBeGreaterThanOrEqual(1);
    expect(await store.findByIdHash(hashSessionToken(a.token))).toBeNull();
    await startSession(ctx, { userId: user.id, practiceId: practice.id, mfaRequired: false });
    expect(await endUserSessions(ctx, user.id)).toBe(2);
    expect((await resolveSession(ctx, b.token)).ok).toBe(false);
  });
});
