// Call settings (do-not-disturb, ring timeout) and call detail records over
// the REST API, on SQLite and PostgreSQL: what an admin sees, what staff may
// not, and that each list is an audited read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callSettingsForExtension } from '../../src/directory/index.ts';
import { insertCallRecord, type CallRecord } from '../../src/pbx/cdr/index.ts';
import { bearer, createTestApi, type TestApi } from '../support/api.ts';
import { DIALECTS } from '../support/db.ts';

describe.each(DIALECTS)('calls API on %s', (dialect) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi(dialect);
  });
  afterAll(() => t.close());

  describe('call settings', () => {
    const url = () => `/api/v1/users/${t.staff.id}/call-settings`;

    it('has do-not-disturb off and a 20 s ring timeout until changed', async () => {
      const r = await t.app.inject({ method: 'GET', url: url(), headers: bearer(t.staffToken) });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toEqual({ userId: t.staff.id, doNotDisturb: false, ringTimeoutSeconds: 20, updatedAt: null });
      expect(await callSettingsForExtension(t.handle.db, t.practice.id, '101')).toEqual({ doNotDisturb: false, ringTimeoutSeconds: 20 });
      expect(await callSettingsForExtension(t.handle.db, t.practice.id, '999')).toBeNull();
    });

    it('lets a user switch on do-not-disturb and set the ring timeout; the B2BUA reads it per extension; the change is audited', async () => {
      const r = await t.app.inject({ method: 'PATCH', url: url(), headers: bearer(t.staffToken), payload: { doNotDisturb: true, ringTimeoutSeconds: 45 } });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ doNotDisturb: true, ringTimeoutSeconds: 45 });
      expect(await callSettingsForExtension(t.handle.db, t.practice.id, '101')).toEqual({ doNotDisturb: true, ringTimeoutSeconds: 45 });
      const events = await t.handle.db.selectFrom('audit_events').select(['action', 'object_type', 'actor_id']).where('object_type', '=', 'call_settings').execute();
      expect(events).toContainEqual({ action: 'settings.update', object_type: 'call_settings', actor_id: t.staff.id });
      const back = await t.app.inject({ method: 'PATCH', url: url(), headers: bearer(t.staffToken), payload: { doNotDisturb: false } });
      expect(back.json()).toMatchObject({ doNotDisturb: false, ringTimeoutSeconds: 45 });
    });

    it('refuses a ring timeout outside 5-120 s, an unknown field, and another user\'s settings for staff', async () => {
      for (const payload of [{ ringTimeoutSeconds: 4 }, { ringTimeoutSeconds: 121 }, { ringTimeoutSeconds: 10.5 }, { forwardTo: '555' }, {}]) {
        const r = await t.app.inject({ method: 'PATCH', url: url(), headers: bearer(t.staffToken), payload });
        expect(r.statusCode).toBe(400);
      }
      const other = await t.app.inject({ method: 'PATCH', url: `/api/v1/users/${t.owner.id}/call-settings`, headers: bearer(t.staffToken), payload: { doNotDisturb: true } });
      expect(other.statusCode).toBe(403);
    });
  });

  describe('call detail records', () => {
    const base = Date.parse('2026-03-02T09:00:00Z');
    const record = (i: number, extra: Partial<CallRecord> = {}): CallRecord => ({
      id: `call${String(i).padStart(3, '0')}`,
      practiceId: t.practice.id,
      callerExtension: '101',
      callerNumberRef: null,
      calleeExtension: '102',
      startedAt: base + i * 60_000,
      answeredAt: base + i * 60_000 + 4_000,
      endedAt: base + i * 60_000 + 34_000,
      outcome: 'answered',
      ...extra,
    });

    beforeAll(async () => {
      for (let i = 0; i < 5; i++) await insertCallRecord(t.handle.db, record(i));
      await insertCallRecord(t.handle.db, record(5, { answeredAt: null, outcome: 'no-answer', endedAt: base + 5 * 60_000 + 20_000 }));
      await insertCallRecord(t.handle.db, record(6, { callerExtension: null, callerNumberRef: 'obj_0123456789abcdef01234567', answeredAt: null, outcome: 'voicemail' }));
    });

    it('lists calls newest first in pages, without any outside number', async () => {
      const first = await t.app.inject({ method: 'GET', url: '/api/v1/calls?limit=3', headers: bearer(t.ownerToken) });
      expect(first.statusCode).toBe(200);
      const page1 = first.json();
      expect(page1.items.map((c: { id: string }) => c.id)).toEqual(['call006', 'call005', 'call004']);
      expect(page1.items[0]).toEqual({
        id: 'call006',
        callerExtension: null,
        externalCaller: true,
        calleeExtension: '102',
        startedAt: '2026-03-02T09:06:00.000Z',
        answeredAt: null,
        endedAt: '2026-03-02T09:06:34.000Z',
        durationMs: 0,
        outcome: 'voicemail',
      });
      expect(first.body).not.toContain('obj_');
      expect(page1.items[2]).toMatchObject({ outcome: 'answered', durationMs: 30_000 });
      const second = (await t.app.inject({ method: 'GET', url: `/api/v1/calls?limit=3&before=${page1.nextBefore}`, headers: bearer(t.ownerToken) })).json();
      expect(second.items.map((c: { id: string }) => c.id)).toEqual(['call003', 'call002', 'call001']);
      const third = (await t.app.inject({ method: 'GET', url: `/api/v1/calls?limit=3&before=${second.nextBefore}`, headers: bearer(t.ownerToken) })).json();
      expect(third).toEqual({ items: [expect.objectContaining({ id: 'call000' })], nextBefore: null });
    });

    it('is for admins only, and every list is audited as a read', async () => {
      const staff = await t.app.inject({ method: 'GET', url: '/api/v1/calls', headers: bearer(t.staffToken) });
      expect(staff.statusCode).toBe(403);
      const before = (await t.handle.db.selectFrom('audit_events').select('id').where('action', '=', 'call_record.list').execute()).length;
      await t.app.inject({ method: 'GET', url: '/api/v1/calls?limit=2', headers: bearer(t.ownerToken) });
      const events = await t.handle.db.selectFrom('audit_events').select(['actor_id', 'action']).where('action', '=', 'call_record.list').execute();
      expect(events.length).toBe(before + 1);
      expect(events.at(-1)).toEqual({ actor_id: t.owner.id, action: 'call_record.list' });
    });
  });
});
