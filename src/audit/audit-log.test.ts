import { describe, expect, it } from 'vitest';
import { AuditLog } from './audit-log.ts';
import { computeEventHash } from './chain.ts';
import type { AuditEventInput } from './event.ts';
import { MemoryAuditStore, type MemoryAuditTx } from './store.ts';
import { verifyChain } from './verify.ts';
import { verifyStore, verifyStoredChain } from './verify-store.ts';
import { playEvent } from './test-events.ts';

function setup() {
  const store = new MemoryAuditStore();
  let t = Date.UTC(2026, 0, 1);
  let n = 0;
  const log = new AuditLog<MemoryAuditTx>({ store, clock: { now: () => (t += 1000) }, newId: () => `evt_${++n}` });
  return { store, log };
}

const play = playEvent;

async function seed(count: number) {
  const ctx = setup();
  for (let i = 1; i <= count; i++) await ctx.store.transaction((tx) => ctx.log.record(tx, play(i)));
  return ctx;
}

describe('AuditLog.record', () => {
  it('writes events with actor, action, object, address and time, chained by seq', async () => {
    const { store } = await seed(3);
    const rows = await store.readRange('prac_1');
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(rows[0]).toMatchObject({
      id: 'evt_1',
      at: '2026-01-01T00:00:01.000Z',
      actor: { type: 'user', id: 'usr_7' },
      action: 'voicemail.play',
      object: { type: 'voicemail', id: 'vm_1' },
      sourceIp: '192.0.2.10',
      outcome: 'success',
      prevHash: '0'.repeat(64),
    });
    expect(rows[1]!.prevHash).toBe(rows[0]!.hash);
    expect(verifyChain(rows)).toEqual({ ok: true, count: 3, head: { seq: 3, hash: rows[2]!.hash }, keyedFrom: null, headKeyId: null, keySegments: [], authenticated: false });
  });

  it('rolls back with the action: a failed transaction leaves no event and no gap', async () => {
    const { store, log } = await seed(1);
    await expect(
      store.transaction(async (tx) => {
        await log.record(tx, play(2));
        throw new Error('action failed after auditing');
      }),
    ).rejects.toThrow('action failed');
    await store.transaction((tx) => log.record(tx, play(3)));
    expect((await store.readRange('prac_1')).map((r) => [r.seq, r.object?.id])).toEqual([
      [1, 'vm_1'],
      [2, 'vm_3'],
    ]);
    expect((await verifyStore(store)).ok).toBe(true);
  });

  it('fails the action when the event would carry PHI', async () => {
    const { store, log } = setup();
    let actionRan = false;
    const attempt = store.transaction(async (tx) => {
      await log.record(tx, { ...play(1), details: { callerNumber: '+15551234567' } });
      actionRan = true;
    });
    await expect(attempt).rejects.toMatchObject({ code: 'AUDIT_PHI_SUSPECTED', path: 'details.callerNumber' });
    expect(actionRan).toBe(false);
    expect(await store.chainKeys()).toEqual([]);
    await expect(store.transaction((tx) => log.record(tx, { ...play(1), object: { type: 'voicemail', id: 'sip:101@x' } }))).rejects.toMatchObject({
      code: 'AUDIT_PHI_SUSPECTED',
    });
  });

  it('validates the event shape', async () => {
    const { store, log } = setup();
    const bad: Array<[Partial<AuditEventInput>, string]> = [
      [{ action: 'Voicemail Play' }, 'action'],
      [{ action: 'play' }, 'action'],
      [{ actor: { type: 'robot' as 'user', id: 'x' } }, 'actor.type'],
      [{ sourceIp: 'not-an-ip' }, 'sourceIp'],
      [{ outcome: 'maybe' as 'success' }, 'outcome'],
    ];
    for (const [patch, path] of bad) {
      await expect(store.transaction((tx) => log.record(tx, { ...play(1), ...patch }))).rejects.toMatchObject({ code: 'AUDIT_EVENT_INVALID', path });
    }
  });

  it('serialises concurrent appends into one unforked chain per practice', async () => {
    const { store, log } = setup();
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => store.transaction((tx) => log.record(tx, play(i, i % 3 === 0 ? 'prac_2' : 'prac_1')))),
    );
    const report = await verifyStore(store);
    expect(report.ok).toBe(true);
    expect(report.chains.map((c) => [c.chain, c.result.ok && c.result.count])).toEqual([
      ['prac_1', 40],
      ['prac_2', 20],
    ]);
  });

  it('keeps installation-wide events in their own chain', async () => {
    const { store, log } = setup();
    await store.transaction((tx) =>
      log.record(tx, { practiceId: null, actor: { type: 'system', id: 'keys' }, action: 'key.rotate', object: { type: 'key', id: 'mk_2' }, sourceIp: null, outcome: 'success' }),
    );
    expect(await store.chainKeys()).toEqual(['installation']);
  });
});

describe('tampering is caught by verify', () => {
  it('an edited field: hash_mismatch at that seq', async () => {
    const { store } = await seed(5);
    store.rawRows('prac_1')[2]!.actor.id = 'usr_8';
    expect(await verifyStoredChain(store, 'prac_1')).toEqual({ ok: false, break: { seq: 3, reason: 'hash_mismatch', id: 'evt_3' }, verifiedCount: 2, keySegments: [] });
  });

  it('an edit with its own hash recomputed: the next link breaks', async () => {
    const { store } = await seed(5);
    const row = store.rawRows('prac_1')[2]!;
    row.outcome = 'denied';
    row.hash = computeEventHash(row.prevHash, row);
    expect(await verifyStoredChain(store, 'prac_1')).toMatchObject({ ok: false, break: { seq: 4, reason: 'prev_hash_mismatch' } });
  });

  it('a deleted row: missing_events', async () => {
    const { store } = await seed(5);
    store.rawRows('prac_1').splice(1, 1);
    expect(await verifyStoredChain(store, 'prac_1')).toMatchObject({ ok: false, break: { seq: 2, reason: 'missing_events' } });
  });

  it('a deleted row with later seqs renumbered: hash_mismatch', async () => {
    const { store } = await seed(5);
    const rows = store.rawRows('prac_1');
    rows.splice(1, 1);
    for (const r of rows.slice(1)) r.seq -= 1;
    expect(await verifyStoredChain(store, 'prac_1')).toMatchObject({ ok: false, break: { seq: 2 } });
  });

  it('two rows reordered (seq swapped)', async () => {
    const { store } = await seed(5);
    const rows = store.rawRows('prac_1');
    [rows[1]!.seq, rows[2]!.seq] = [rows[2]!.seq, rows[1]!.seq];
    expect(await verifyStoredChain(store, 'prac_1')).toMatchObject({ ok: false, break: { seq: 2, reason: 'prev_hash_mismatch' } });
  });

  it('a duplicated row: out_of_order', async () => {
    const { store } = await seed(3);
    const rows = store.rawRows('prac_1');
    rows.push(structuredClone(rows[2]!));
    expect(verifyChain(await store.readRange('prac_1'))).toMatchObject({ ok: false, break: { seq: 3, reason: 'out_of_order' } });
  });

  it('the newest rows deleted: truncated, against the recorded head', async () => {
    const { store } = await seed(5);
    store.rawRows('prac_1').splice(3);
    expect(await verifyStoredChain(store, 'prac_1')).toMatchObject({ ok: false, break: { seq: 4, reason: 'truncated' } });
  });

  it('a forged event appended past the head: head_mismatch', async () => {
    const { store } = await seed(2);
    const rows = store.rawRows('prac_1');
    const last = rows[1]!;
    const forged = { ...structuredClone(last), id: 'forged', seq: 3, prevHash: last.hash };
    forged.hash = computeEventHash(forged.prevHash, forged);
    rows.push(forged);
    expect(await verifyStoredChain(store, 'prac_1')).toMatchObject({ ok: false, break: { seq: 3, reason: 'head_mismatch' } });
  });

  it('a row moved to another practice: wrong_chain; garbage: malformed', async () => {
    const { store } = await seed(3);
    store.rawRows('prac_1')[1]!.practiceId = 'prac_2';
    expect(await verifyStoredChain(store, 'prac_1')).toMatchObject({ ok: false, break: { seq: 2, reason: 'wrong_chain' } });
    expect(verifyChain([{ seq: 1 }])).toMatchObject({ ok: false, break: { seq: 1, reason: 'malformed' } });
    const ok = await seed(1);
    const row = ok.store.rawRows('prac_1')[0]!;
    (row.details as Record<string, unknown>)['x'] = 0.5;
    expect(await verifyStoredChain(ok.store, 'prac_1')).toMatchObject({ ok: false, break: { seq: 1, reason: 'malformed' } });
  });
});
