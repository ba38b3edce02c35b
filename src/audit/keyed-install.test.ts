// The keyed-install marker at each start (keyed-install.ts): the genuine
// upgrade, the install that strips every tag, a marker from elsewhere or
// damaged, and the start after a rotation stopped before the marker moved.
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditKeyring, type AuditKeyring } from './audit-key.ts';
import { AuditLog } from './audit-log.ts';
import { computeEventHash } from './chain.ts';
import { secureKeyedInstall } from './keyed-install.ts';
import { checkKeyedMarker, writeKeyedMarker } from './keyed-marker.ts';
import { MemoryAuditStore, type MemoryAuditTx } from './store.ts';
import { playEvent } from './test-events.ts';
import { verifyStore } from './verify-store.ts';

const ringA = auditKeyring(Buffer.alloc(32, 0xa1));
const ringB = auditKeyring(Buffer.alloc(32, 0xb2));

function install() {
  const store = new MemoryAuditStore();
  const markerPath = join(mkdtempSync(join(tmpdir(), 'sotto-marker-')), 'master.key.audit-marker');
  let t = Date.UTC(2026, 0, 1);
  let n = 0;
  const clock = { now: () => (t += 1000) };
  const record = async (keys: AuditKeyring | null, practiceId = 'prac_1', count = 3) => {
    const log = new AuditLog<MemoryAuditTx>({ store, clock, newId: () => `evt_${++n}`, keys });
    for (let i = 0; i < count; i++) await store.transaction((tx) => log.record(tx, playEvent(n + 1, practiceId)));
  };
  /** What every start runs (runtime.ts), with the keys at hand. */
  const start = (keys: AuditKeyring) => secureKeyedInstall({ store, keys, transaction: (fn) => store.transaction(fn), clock, newId: () => `evt_${++n}`, markerPath });
  /** The database writer: every tag of a chain dropped, the SHA-256 links rebuilt, the head row moved. */
  const strip = (chain: string) => {
    const rows = store.rawRows(chain);
    let prev = '0'.repeat(64);
    for (const r of rows) {
      Object.assign(r, { keyId: null, mac: null, prevHash: prev });
      r.hash = computeEventHash(prev, r);
      prev = r.hash;
    }
    store.rawSetChain(chain, rows);
  };
  const marker = () => JSON.parse(readFileSync(markerPath, 'utf8')) as { keyId: string; chains: string[] };
  return { store, markerPath, record, start, strip, marker };
}

describe('the keyed-install marker', () => {
  it('is written at the first start of a fresh install, owner-only, and names the chains at the next', async () => {
    const i = install();
    expect(await i.start(ringA)).toMatchObject({ marker: 'absent', written: true, problem: null, outcomes: [] });
    expect(statSync(i.markerPath).mode & 0o777).toBe(0o600);
    expect(i.marker()).toMatchObject({ keyId: ringA.current.id, chains: [] });
    await i.record(ringA);
    expect(await i.start(ringA)).toMatchObject({ marker: 'valid', written: true, problem: null });
    expect(i.marker().chains).toEqual(['prac_1']);
    expect(await i.start(ringA)).toMatchObject({ marker: 'valid', written: false, problem: null });
  });

  it('lets a genuine upgrade through (no marker, no tag anywhere), then writes it', async () => {
    const i = install();
    await i.record(null, 'prac_1');
    await i.record(null, 'prac_2');
    const report = await i.start(ringA);
    expect(report).toMatchObject({ marker: 'absent', written: true, problem: null });
    expect(report.outcomes.map((o) => o.outcome)).toEqual(['upgraded', 'upgraded']);
    expect(i.marker().chains).toEqual(['prac_1', 'prac_2']);
    expect((await verifyStore(i.store, ringA)).ok).toBe(true);
  });

  it('never tags over every chain stripped of its tags: AUDIT_LOG_DOWNGRADED naming them, nothing appended', async () => {
    const i = install();
    await i.start(ringA);
    await i.record(ringA, 'prac_1');
    await i.record(ringA, 'prac_2');
    await i.start(ringA);
    i.strip('prac_1');
    i.strip('prac_2');
    const report = await i.start(ringA);
    expect(report.problem).toMatchObject({ code: 'AUDIT_LOG_DOWNGRADED', chains: ['prac_1', 'prac_2'] });
    expect(report.outcomes).toEqual([
      { chain: 'prac_1', outcome: 'unverified', fromKeyId: null, break: { seq: 3, reason: 'unkeyed_tail', id: 'evt_3' } },
      { chain: 'prac_2', outcome: 'unverified', fromKeyId: null, break: { seq: 3, reason: 'unkeyed_tail', id: 'evt_6' } },
    ]);
    expect(i.store.rawRows('prac_1')).toHaveLength(3);
    expect((await verifyStore(i.store, ringA)).chains.map((c) => c.result.ok)).toEqual([false, false]);
  });

  it('upgrades the sound chains of a pre-keyed install and reports one with a hash break without refusing the start, then or later (review finding: every start refused with AUDIT_LOG_DOWNGRADED)', async () => {
    const i = install();
    await i.record(null, 'prac_1');
    await i.record(null, 'prac_2');
    // An event of prac_2 edited in place: its hash no longer matches.
    const rows = i.store.rawRows('prac_2');
    rows[1]!.outcome = 'failure';
    i.store.rawSetChain('prac_2', rows);
    const broken = { chain: 'prac_2', outcome: 'unverified', fromKeyId: null, break: { seq: 2, reason: 'hash_mismatch', id: rows[1]!.id } };
    const first = await i.start(ringA);
    expect(first).toMatchObject({ marker: 'absent', written: true, problem: null });
    expect(first.outcomes).toEqual([broken, { chain: 'prac_1', outcome: 'upgraded', seq: 4 }]);
    for (let n = 0; n < 2; n++) {
      const later = await i.start(ringA);
      expect(later).toMatchObject({ marker: 'valid', problem: null });
      expect(later.outcomes).toEqual([{ chain: 'prac_1', outcome: 'current' }, broken]);
    }
    expect(i.store.rawRows('prac_1').at(-1)!.keyId).toBe(ringA.current.id);
    expect(i.store.rawRows('prac_2')).toHaveLength(3);
    // Still the forgery it was: prac_1 stripped of its tags now refuses the start.
    i.strip('prac_1');
    expect((await i.start(ringA)).problem).toMatchObject({ code: 'AUDIT_LOG_DOWNGRADED', chains: ['prac_1'] });
  });

  it('writes itself when missing on an install whose chains are tagged, and then refuses an unkeyed chain beside them', async () => {
    const i = install();
    await i.record(ringA, 'prac_1');
    await i.record(ringA, 'prac_2');
    i.strip('prac_2');
    const report = await i.start(ringA);
    expect(report).toMatchObject({ marker: 'absent', written: true, problem: { code: 'AUDIT_LOG_DOWNGRADED', chains: ['prac_2'] } });
    expect(i.marker()).toMatchObject({ keyId: ringA.current.id, chains: ['prac_1', 'prac_2'] });
  });

  it("refuses another install's marker, one naming chains this database lacks, and an edited one; leaves them as they are", async () => {
    const i = install();
    await i.record(ringA, 'prac_1');
    const cases: Array<[string, string, string]> = [
      ['another master key', writeKeyedMarker(ringB.current, ['prac_1'], new Date()), 'AUDIT_MARKER_FOREIGN'],
      ['another database', writeKeyedMarker(ringA.current, ['prac_1', 'prac_9'], new Date()), 'AUDIT_MARKER_FOREIGN'],
      ['edited', writeKeyedMarker(ringA.current, ['prac_1', 'prac_9'], new Date()).replace(',"prac_9"', ''), 'AUDIT_MARKER_INVALID'],
      ['truncated', writeKeyedMarker(ringA.current, ['prac_1'], new Date()).slice(0, 40), 'AUDIT_MARKER_INVALID'],
    ];
    for (const [name, text, code] of cases) {
      writeFileSync(i.markerPath, text);
      const report = await i.start(ringA);
      expect(report, name).toMatchObject({ marker: 'refused', written: false, problem: { code } });
      expect(report.problem!.message, name).toContain(`the audit marker ${i.markerPath} is refused: `);
      expect(readFileSync(i.markerPath, 'utf8'), name).toBe(text);
    }
  });

  it('fails closed on a marker it cannot read: no upgrade of untagged chains', async () => {
    const i = install();
    await i.record(null, 'prac_1');
    mkdirSync(i.markerPath);
    const report = await i.start(ringA);
    expect(report).toMatchObject({ marker: 'refused', written: false, problem: { code: 'AUDIT_MARKER_INVALID' } });
    expect(report.problem!.message).toContain('cannot be read (ENOTFILE)');
    expect(report.outcomes).toEqual([]);
    expect(i.store.rawRows('prac_1').every((e) => e.keyId === null)).toBe(true);
  });

  it('moves on to the new audit key at the start after a rotation that stopped before the marker did (the retired key at hand)', async () => {
    const i = install();
    await i.start(ringA);
    await i.record(ringA, 'prac_1');
    await i.start(ringA);
    // The new master key is in place, the old one kept as retired; chains and marker still under the old audit key.
    const rotated = auditKeyring(Buffer.alloc(32, 0xb2), [Buffer.alloc(32, 0xa1)]);
    const report = await i.start(rotated);
    expect(report).toMatchObject({ marker: 'valid', written: true, problem: null, outcomes: [{ chain: 'prac_1', outcome: 'checkpointed', fromKeyId: ringA.current.id }] });
    expect(i.marker().keyId).toBe(ringB.current.id);
    // Now the retired key may go.
    expect(await i.start(ringB)).toMatchObject({ marker: 'valid', written: false, problem: null });
    expect(checkKeyedMarker(readFileSync(i.markerPath, 'utf8'), ringB, new Set(['prac_1'])).ok).toBe(true);
  });
});
