import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, CLI_ACTOR, listExtensions } from '../../src/directory/index.ts';
import { bearer, createTestApi, type TestApi } from '../support/api.ts';
import { DIALECTS } from '../support/db.ts';

describe.each(DIALECTS)('GET /api/v1/audit-events and break-glass on %s', (dialect) => {
  let t: TestApi;
  let box101: string;
  beforeAll(async () => {
    t = await createTestApi(dialect);
    box101 = (await listExtensions(t.handle.db, t.practice.id)).find((e) => e.number === '101')!.voicemailBoxId!;
  });
  afterAll(() => t.close());

  const events = (query: string, token = t.ownerToken) => t.app.inject({ method: 'GET', url: `/api/v1/audit-events${query}`, headers: bearer(token) });

  it('is for admins only', async () => {
    const r = await events('', t.staffToken);
    expect(r.statusCode).toBe(403);
  });

  it('filters by actor, action and object, newest first, with ids and codes only', async () => {
    await t.app.inject({ method: 'PATCH', url: '/api/v1/policy', headers: bearer(t.ownerToken), payload: { texting: true, retention: { voicemailDays: 45 } } });
    const r = await events(`?action=settings.update&object=${t.practice.id}&actor=${t.owner.id}`);
    expect(r.statusCode).toBe(200);
    const [latest] = r.json().items;
    expect(latest).toMatchObject({
      action: 'settings.update',
      actor: { type: 'user', id: t.owner.id },
      object: { type: 'policy', id: t.practice.id },
      sourceIp: '127.0.0.1',
      outcome: 'success',
      details: { before: { texting: false, retention_voicemailDays: 90 }, after: { texting: true, retention_voicemailDays: 45 } },
      prominent: false,
      breakGlassReason: null,
    });
    const byCli = (await events('?actor=cli')).json().items;
    expect(byCli.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['user.create', 'token.create', 'practice.create']));
    expect(byCli.every((e: { actor: { type: string } }) => e.actor.type === 'system')).toBe(true);
  });

  it('pages backwards through the log and filters by time', async () => {
    const first = (await events('?limit=2')).json();
    expect(first.items).toHaveLength(2);
    expect(first.items[0].seq).toBeGreaterThan(first.items[1].seq);
    const second = (await events(`?limit=2&before=${first.nextBefore}`)).json();
    expect(second.items[0].seq).toBeLessThan(first.items[1].seq);
    expect((await events('?to=2000-01-01T00:00:00Z')).json()).toEqual({ items: [], nextBefore: null });
    const since = (await events(`?from=${encodeURIComponent(first.items[0].at)}`)).json().items;
    expect(since.length).toBeGreaterThan(0);
    // Reading the log is recorded too.
    expect((await events('?action=audit.view')).json().items.length).toBeGreaterThan(0);
    expect((await events('?limit=9999')).statusCode).toBe(400);
  });

  it('opens break-glass for providers with a reason, time-limited and shown prominently', async () => {
    const { user: provider } = await addUser(t.handle.db, t.practice.id, { email: 'dr.ash@cedar.example', displayName: 'Dr Ash', role: 'provider' }, CLI_ACTOR);
    const { createApiToken } = await import('../../src/directory/index.ts');
    const providerToken = (await createApiToken(t.handle.db, t.practice.id, provider.id, 'provider', 't', CLI_ACTOR)).token;
    const reason = 'Dr Lee is in surgery and a pharmacy is waiting on a callback';
    const opened = await t.app.inject({ method: 'POST', url: '/api/v1/break-glass', headers: bearer(providerToken), payload: { targetType: 'voicemail_box', targetId: box101, reason, minutes: 30 } });
    expect(opened.statusCode, opened.body).toBe(201);
    const grant = opened.json();
    expect(Date.parse(grant.expiresAt) - Date.parse(grant.createdAt)).toBe(30 * 60_000);

    const refusedStaff = await t.app.inject({ method: 'POST', url: '/api/v1/break-glass', headers: bearer(t.staffToken), payload: { targetType: 'user', targetId: provider.id, reason } });
    expect(refusedStaff.statusCode).toBe(403);
    const noReason = await t.app.inject({ method: 'POST', url: '/api/v1/break-glass', headers: bearer(providerToken), payload: { targetType: 'voicemail_box', targetId: box101, reason: 'x' } });
    expect(noReason.statusCode).toBe(400);
    const otherPractice = await t.app.inject({ method: 'POST', url: '/api/v1/break-glass', headers: bearer(providerToken), payload: { targetType: 'voicemail_box', targetId: '0000-not-here', reason } });
    expect(otherPractice.statusCode).toBe(404);

    const [event] = (await events('?action=breakglass.open')).json().items;
    expect(event).toMatchObject({ actor: { id: provider.id }, object: { type: 'voicemail_box', id: box101 }, prominent: true, breakGlassReason: reason, details: { grantId: grant.id, minutes: 30 } });
    // The reason is the user's own words: it stays out of the hashed event.
    const raw = await t.handle.db.selectFrom('audit_events').select('details').where('action', '=', 'breakglass.open').execute();
    expect(raw.map((r) => r.details).join('')).not.toContain('surgery');
  });
});
