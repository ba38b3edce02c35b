import { describe, expect, it } from 'vitest';
import { AuditLog } from './audit-log.ts';
import { exportChain, verifyExport } from './export.ts';
import { MemoryAuditStore, type MemoryAuditTx } from './store.ts';

async function seeded(count: number) {
  const store = new MemoryAuditStore();
  let t = Date.UTC(2026, 0, 1);
  let n = 0;
  const log = new AuditLog<MemoryAuditTx>({ store, clock: { now: () => (t += 1000) }, newId: () => `evt_${++n}` });
  for (let i = 1; i <= count; i++) {
    await store.transaction((tx) =>
      log.record(tx, {
        practiceId: 'prac_1',
        actor: { type: 'token', id: 'tok_1' },
        action: 'voicemail.download',
        object: { type: 'voicemail', id: `vm_${i}` },
        sourceIp: '2001:db8::5',
        outcome: 'success',
      }),
    );
  }
  return store;
}

async function collect(gen: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of gen) out.push(l);
  return out;
}

const opts = { practiceId: 'prac_1', exportedAt: '2026-02-01T00:00:00.000Z' };

describe('audit export', () => {
  it('writes header, one canonical line per event, and an end line', async () => {
    const store = await seeded(5);
    const lines = await collect(exportChain(store, 'prac_1', { ...opts, pageSize: 2 }));
    expect(lines).toHaveLength(7);
    expect(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
    expect(JSON.parse(lines[0]!)).toMatchObject({ kind: 'header', format: 'sotto-audit-export', version: 2, chain: 'prac_1', start: { seq: 0, hash: '0'.repeat(64) } });
    expect(JSON.parse(lines[1]!).event).toMatchObject({ seq: 1, object: { id: 'vm_1' } });
    const head = await store.head('prac_1');
    expect(JSON.parse(lines[6]!)).toEqual({ kind: 'end', count: 5, head });
    expect(await verifyExport(lines)).toMatchObject({ ok: true, count: 5, head });
  });

  it('verifies a ranged export against its anchor', async () => {
    const store = await seeded(6);
    const lines = await collect(exportChain(store, 'prac_1', { ...opts, fromSeq: 3, toSeq: 5 }));
    const [before] = await store.readRange('prac_1', { fromSeq: 2, toSeq: 2 });
    expect(JSON.parse(lines[0]!).start).toEqual({ seq: 2, hash: before!.hash });
    expect(await verifyExport(lines)).toMatchObject({ ok: true, count: 3, head: { seq: 5 } });
  });

  it('catches an edited line, a dropped line and a missing end', async () => {
    const store = await seeded(4);
    const lines = await collect(exportChain(store, 'prac_1', opts));
    const edited = [...lines];
    edited[2] = edited[2]!.replace('vm_2', 'vm_9');
    expect(await verifyExport(edited)).toEqual({ ok: false, error: { code: 'EXPORT_CHAIN_BROKEN', line: 3, break: { seq: 2, reason: 'hash_mismatch', id: 'evt_2' } } });
    const dropped = lines.filter((_, i) => i !== 2);
    expect(await verifyExport(dropped)).toMatchObject({ ok: false, error: { code: 'EXPORT_CHAIN_BROKEN', break: { seq: 2, reason: 'missing_events' } } });
    expect(await verifyExport(lines.slice(0, -1))).toEqual({ ok: false, error: { code: 'EXPORT_MISSING_END' } });
    const tailCut = [...lines.slice(0, -2), lines.at(-1)!];
    expect(await verifyExport(tailCut)).toEqual({ ok: false, error: { code: 'EXPORT_END_MISMATCH' } });
    expect(await verifyExport(['not json'])).toEqual({ ok: false, error: { code: 'EXPORT_UNREADABLE', line: 1 } });
    expect(await verifyExport([])).toEqual({ ok: false, error: { code: 'EXPORT_BAD_HEADER' } });
  });
});
