// GET /api/v1/audit-events/verify: the portal's "chain verified" badge. It
// must say ok for an untouched log, name the first broken link after someone
// edits a row in the database, be for admins only, and be recorded itself.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApi, type TestApi } from '../support/api.ts';
import { DIALECTS } from '../support/db.ts';

describe.each(DIALECTS)('GET /api/v1/audit-events/verify on %s', (dialect) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi(dialect);
  });
  afterAll(() => t.close());

  const verify = (token = t.ownerToken) => t.app.inject({ method: 'GET', url: '/api/v1/audit-events/verify', headers: bearer(token) });

  it('is for admins only', async () => {
    const r = await verify(t.staffToken);
    expect(r.statusCode).toBe(403);
    expect(r.json().error.code).toBeDefined();
  });

  it('reports an untouched chain as holding, up to its head, and records that it was asked', async () => {
    const r = await verify();
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers['cache-control']).toBe('no-store');
    const body = r.json();
    expect(body).toMatchObject({ ok: true, break: null, head: { seq: body.verifiedCount, hash: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(body.verifiedCount).toBeGreaterThan(3);
    const [asked] = (await t.app.inject({ method: 'GET', url: '/api/v1/audit-events?action=audit.verify', headers: bearer(t.ownerToken) })).json().items;
    expect(asked).toMatchObject({ actor: { type: 'user', id: t.owner.id }, object: { type: 'audit_log', id: t.practice.id }, details: { ok: true, count: body.verifiedCount } });
    // The recorded question extends the chain, which still holds.
    expect((await verify()).json()).toMatchObject({ ok: true, verifiedCount: body.verifiedCount + 2 });
  });

  it('names the first edited event when a row is changed behind Sotto', async () => {
    // Someone with the database's owner rights gets past the append-only triggers first.
    if (dialect === 'postgres') await sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`.execute(t.handle.db);
    else await sql`DROP TRIGGER audit_events_no_update`.execute(t.handle.db);
    await t.handle.db.updateTable('audit_events').set({ action: 'user.update' }).where('chain_key', '=', t.practice.id).where('seq', '=', 2).execute();
    const body = (await verify()).json();
    expect(body).toMatchObject({ ok: false, head: null, verifiedCount: 1, break: { seq: 2, reason: 'hash_mismatch' } });
  });
});
