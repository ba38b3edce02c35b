// The audit viewer's filter form as GET /audit-events queries, its paging
// cursors, and the words for a verified or broken chain.
import { describe, expect, it } from 'vitest';
import { actorName, auditQuery, chainWords, currentCursor, EMPTY_FILTER, exportQuery, exportScope, filterProblems, FIRST_PAGE, localTimeToIso, newer, older, pageNumber } from '../../web/src/audit-query.ts';

describe('audit filter', () => {
  it('sends only the filters that are set, trimmed, with a page size', () => {
    expect(auditQuery(EMPTY_FILTER, null)).toBe('?limit=50');
    expect(auditQuery({ ...EMPTY_FILTER, actor: 'u_1', action: ' voicemail.play ', objectType: 'voicemail', object: 'vm-9' }, '120', 25)).toBe('?actor=u_1&action=voicemail.play&objectType=voicemail&object=vm-9&before=120&limit=25');
  });

  it('reads datetime-local values as the browser-local instants the user meant', () => {
    const iso = localTimeToIso('2026-11-28T09:30');
    expect(iso).toBe(new Date(2026, 10, 28, 9, 30).toISOString());
    expect(auditQuery({ ...EMPTY_FILTER, from: '2026-11-28T09:30' }, null)).toBe(`?from=${encodeURIComponent(iso!)}&limit=50`);
    expect(localTimeToIso('yesterday')).toBeNull();
  });

  it('names each field the API would refuse, before asking it', () => {
    expect(filterProblems(EMPTY_FILTER)).toEqual([]);
    expect(filterProblems({ ...EMPTY_FILTER, action: 'Voicemail play', object: 'a b', objectType: 'User' }).map((p) => p.field)).toEqual(['action', 'objectType', 'object']);
    expect(filterProblems({ ...EMPTY_FILTER, from: '2026-11-28T10:00', to: '2026-11-28T09:00' })).toEqual([{ field: 'to', message: 'The end must come after the start.' }]);
  });
});

describe('audit export', () => {
  it('takes only the time range from the filter: an export keeps every event of its stretch of the chain', () => {
    expect(exportQuery(EMPTY_FILTER)).toBe('');
    expect(exportQuery({ ...EMPTY_FILTER, actor: 'u_1', action: 'voicemail.play', object: 'vm-9' })).toBe('');
    const from = localTimeToIso('2026-11-01T00:00')!;
    const to = localTimeToIso('2026-12-01T00:00')!;
    expect(exportQuery({ ...EMPTY_FILTER, action: 'voicemail.play', from: '2026-11-01T00:00', to: '2026-12-01T00:00' })).toBe(`?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
    expect(exportQuery({ ...EMPTY_FILTER, to: '2026-12-01T00:00' })).toBe(`?to=${encodeURIComponent(to)}`);
  });

  it('says what the download holds', () => {
    expect(exportScope(EMPTY_FILTER)).toBe('The whole log');
    expect(exportScope({ ...EMPTY_FILTER, from: '2026-11-01T00:00' })).toBe(`The events from ${new Date(2026, 10, 1).toLocaleString()} on`);
    expect(exportScope({ ...EMPTY_FILTER, to: '2026-12-01T00:00' })).toBe(`The events before ${new Date(2026, 11, 1).toLocaleString()}`);
    expect(exportScope({ ...EMPTY_FILTER, from: '2026-11-01T00:00', to: '2026-12-01T00:00' })).toMatch(/^The events from .+ until .+$/);
  });
});

describe('audit paging', () => {
  it('goes back through older pages and returns to exactly the page it came from', () => {
    let p = FIRST_PAGE;
    expect([currentCursor(p), pageNumber(p)]).toEqual([null, 1]);
    p = older(p, '200');
    p = older(p, '150');
    expect([currentCursor(p), pageNumber(p)]).toEqual(['150', 3]);
    p = newer(p);
    expect([currentCursor(p), pageNumber(p)]).toEqual(['200', 2]);
    expect(newer(newer(p))).toEqual(FIRST_PAGE);
  });
});

describe('audit words', () => {
  it('says a holding chain is intact, with its length and head', () => {
    expect(chainWords({ ok: true, checkedAt: '2026-11-28T05:00:00Z', verifiedCount: 42, head: { seq: 42, hash: 'ab'.repeat(32) }, break: null })).toEqual({
      level: 'ok',
      title: 'Audit chain verified',
      detail: 'All 42 events are intact and linked, up to event #42.',
    });
  });

  it('says where and how a broken chain broke, and what to do', () => {
    const w = chainWords({ ok: false, checkedAt: '2026-11-28T05:00:00Z', verifiedCount: 6, head: null, break: { seq: 7, reason: 'hash_mismatch' } });
    expect(w.level).toBe('risk');
    expect(w.detail).toContain('event #7: an event was edited after it was written');
    expect(w.detail).toContain('sotto audit verify');
  });

  it('names actors by their display name when known', () => {
    const names = new Map([['u1', 'Dr. Rivera']]);
    expect(actorName({ actor: { type: 'user', id: 'u1' } }, names)).toBe('Dr. Rivera');
    expect(actorName({ actor: { type: 'user', id: 'u2' } }, names)).toBe('User u2');
    expect(actorName({ actor: { type: 'system', id: 'cli' } }, names)).toBe('System (cli)');
  });
});
