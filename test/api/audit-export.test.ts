// GET /api/v1/audit-events/export: an auditor who is not on the box takes the
// practice's audit log away, as `sotto audit export` writes it, and checks it
// offline. The download must verify (every hash, every tag under the
// install's audit key), cover exactly the range asked for, be recorded before
// it is sent, and be for admins only; bad input records nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditKeyring, verifyExport, type ExportHeader } from '../../src/audit/index.ts';
import { rekeyAuditLog } from '../../src/db/index.ts';
import { bearer, createTestApi, type TestApi } from '../support/api.ts';
import { DIALECTS } from '../support/db.ts';

interface ExportedEvent {
  seq: number;
  at: string;
  action: string;
  details: Record<string, unknown>;
}

/** The download's lines, parsed: header, events, end. */
function linesOf(body: string): { header: ExportHeader; events: ExportedEvent[]; end: { count: number; head: { seq: number } } } {
  const lines = body
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const events = lines.filter((l) => l['kind'] === 'event').map((l) => l['event'] as ExportedEvent);
  return { header: lines[0] as unknown as ExportHeader, events, end: lines.at(-1) as { count: number; head: { seq: number } } };
}

describe.each(DIALECTS)('GET /api/v1/audit-events/export on %s', (dialect) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi(dialect);
    // What the runtime does at start: the chain tagged under the install's audit key from here on.
    await rekeyAuditLog(t.handle.db, auditKeyring(t.masterKey));
  });
  afterAll(() => t.close());

  const download = (query = '', token = t.ownerToken) => t.app.inject({ method: 'GET', url: `/api/v1/audit-events/export${query}`, headers: bearer(token) });

  async function exportEvents(): Promise<ExportedEvent[]> {
    const rows = await t.handle.db.selectFrom('audit_events').select(['seq', 'details']).where('chain_key', '=', t.practice.id).where('action', '=', 'audit.export').orderBy('seq').execute();
    return rows.map((r) => ({ seq: Number(r.seq), details: JSON.parse(r.details) as Record<string, unknown> })) as unknown as ExportedEvent[];
  }

  async function headSeq(): Promise<number> {
    const row = await t.handle.db.selectFrom('audit_events').select((eb) => eb.fn.max('seq').as('hi')).where('chain_key', '=', t.practice.id).executeTakeFirstOrThrow();
    return Number(row.hi);
  }

  it('is for admins only, and a refused request records no export', async () => {
    const before = await exportEvents();
    const r = await download('', t.staffToken);
    expect(r.statusCode).toBe(403);
    expect(r.json().error.code).toBe('FORBIDDEN');
    expect(await exportEvents()).toEqual(before);
  });

  it.each([
    ['?from=yesterday', 'from'],
    ['?to=2026-02-30T00:00:00Z', 'to'],
    ['?from=2026-01-01T00:00:00Z&format=csv', 'additionalProperties'],
  ])('answers %s with 400 VALIDATION_FAILED and records nothing', async (query, field) => {
    const before = await exportEvents();
    const r = await download(query);
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json().error.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(r.json().error.details.issues)).toContain(field);
    expect(await exportEvents()).toEqual(before);
  });

  it('sends the whole chain as JSON Lines that verify offline under the audit key, recorded before it went out', async () => {
    const head = await headSeq();
    const r = await download();
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers['content-type']).toBe('application/jsonl; charset=utf-8');
    expect(r.headers['content-disposition']).toMatch(/^attachment; filename="sotto-audit-\d{4}-\d{2}-\d{2}\.jsonl"$/);
    expect(r.headers['cache-control']).toBe('no-store');

    const verified = await verifyExport(r.body.split('\n'), { keys: auditKeyring(t.masterKey) });
    expect(verified).toMatchObject({ ok: true, count: head, head: { seq: head }, authenticated: true });
    const { header, events, end } = linesOf(r.body);
    expect(header).toMatchObject({ format: 'sotto-audit-export', version: 2, practiceId: t.practice.id, start: { seq: 0 } });
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    expect(end).toMatchObject({ kind: 'end', count: head, head: { seq: head } });

    // Recorded once, naming the range it covers, as the event right after it: the export does not hold its own record.
    const recorded = (await exportEvents()).at(-1)!;
    expect(recorded).toEqual({ seq: head + 1, details: { via: 'api', fromSeq: 1, toSeq: head } });
    // ... and the audit view names who took it.
    const [shown] = (await t.app.inject({ method: 'GET', url: '/api/v1/audit-events?action=audit.export', headers: bearer(t.ownerToken) })).json().items;
    expect(shown).toMatchObject({ actor: { type: 'user', id: t.owner.id }, object: { type: 'audit_log', id: t.practice.id } });
  });

  it('sends a time window anchored on the event before it, which still verifies', async () => {
    const whole = linesOf((await download()).body).events;
    const middle = whole[Math.floor(whole.length / 2)]!;
    const last = whole.at(-1)!;
    // [from, to): from the middle event's time up to (not including) the last event's time, or just past the middle one.
    const to = last.at > middle.at ? last.at : new Date(Date.parse(middle.at) + 1).toISOString();
    const query = `?from=${encodeURIComponent(middle.at)}&to=${encodeURIComponent(to)}`;
    const r = await download(query);
    expect(r.statusCode, r.body).toBe(200);
    const { header, events } = linesOf(r.body);
    const expected = whole.filter((e) => e.at >= middle.at && e.at < to).map((e) => e.seq);
    expect(events.map((e) => e.seq)).toEqual(expected);
    expect(header.start.seq).toBe(expected[0]! - 1);
    expect(header.start.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await verifyExport(r.body.split('\n'), { keys: auditKeyring(t.masterKey) })).toMatchObject({ ok: true, count: expected.length });
    expect((await exportEvents()).at(-1)!.details).toEqual({ via: 'api', fromSeq: expected[0], toSeq: expected.at(-1), from: middle.at, to });
  });

  it('sends a valid empty document for a window with no events', async () => {
    const r = await download('?from=2001-01-01T00:00:00Z&to=2001-01-02T00:00:00Z');
    expect(r.statusCode, r.body).toBe(200);
    expect(linesOf(r.body)).toMatchObject({ events: [], end: { count: 0 } });
    expect(await verifyExport(r.body.split('\n'))).toMatchObject({ ok: true, count: 0 });
  });
});
